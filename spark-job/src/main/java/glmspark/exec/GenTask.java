package glmspark.exec;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One prompt of one pass, as shipped to an executor.
 *
 * @param pass      pass name
 * @param dataset   dataset name
 * @param id        row id (unique within the dataset)
 * @param messages  the chat to render: role/content maps
 * @param seed      the request seed, {@link Seeds#rowSeed}
 * @param samples   the sample indices still to generate (resume drops finished ones)
 */
public record GenTask(String pass, String dataset, String id, List<Map<String, String>> messages, long seed,
                      List<Integer> samples) implements Serializable {

    public GenTask {
        messages = List.copyOf(messages);
        samples = List.copyOf(samples);
    }
}
