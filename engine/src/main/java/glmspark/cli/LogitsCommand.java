package glmspark.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import glmspark.cpu.Parallel;
import glmspark.format.ModelFolder;
import glmspark.model.Glm4Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./glm logits}: the model's float32 logits for given token ids, at every position or the last. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Each input line {\"input_ids\":[...]} gives {\"logits\":[[...],...]} (one row per position).")
public final class LogitsCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--input", required = true, description = "JSONL file, or - for stdin")
    Path input;

    @Option(names = "--last", description = "only the last position's logits")
    boolean last;

    @Option(names = "--threads", description = "CPU threads (default: all)")
    int threads;

    @Override
    public Integer call() throws Exception {
        int errors = 0;
        try (ModelFolder folder = ModelFolder.open(model);
             Parallel par = new Parallel(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
             PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false)) {
            Glm4Model m = new Glm4Model(folder.config(), folder.tensors(), folder.dir(), par);
            int V = folder.config().vocabSize();
            for (JsonLines.Line line : JsonLines.read(input)) {
                try {
                    if (line.error() != null) throw new IllegalArgumentException(line.error());
                    int[] ids = JsonLines.ints(input, line, "input_ids");
                    if (ids.length == 0) throw new IllegalArgumentException(input + " line " + line.number() + ": input_ids is empty");
                    if (ids.length > folder.config().maxPositionEmbeddings())
                        throw new IllegalArgumentException(input + " line " + line.number() + ": " + ids.length
                                + " tokens exceed the context length " + folder.config().maxPositionEmbeddings());
                    float[] logits = m.promptLogits(ids, !last);
                    int rows = logits.length / V;
                    out.println(logitsJson(logits, rows, V));
                } catch (IllegalArgumentException e) {
                    errors++;
                    System.err.println("error: " + e.getMessage());
                    out.println(JsonLines.errorLine(e.getMessage()));
                }
            }
        }
        return errors == 0 ? 0 : 2;
    }

    private static String logitsJson(float[] logits, int rows, int V) throws java.io.IOException {
        StringWriter sw = new StringWriter(rows * V * 12);
        try (JsonGenerator g = JsonLines.JSON.getFactory().createGenerator(sw)) {
            g.writeStartObject();
            g.writeArrayFieldStart("logits");
            for (int r = 0; r < rows; r++) {
                g.writeStartArray();
                for (int v = 0; v < V; v++) g.writeNumber(logits[r * V + v]);
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return sw.toString();
    }
}
