package glmspark.io;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * One input row after field mapping. A row that could not be read (bad JSON, no prompt, duplicate id) keeps its
 * place with {@code error} set and no messages; it is written to the results as an error row, never generated.
 *
 * @param dataset    dataset name
 * @param id         row id, unique within the dataset
 * @param source     file and line (or row number), for messages
 * @param prompt     the prompt text as read (for a chat: the last user message)
 * @param messages   the chat to render (template applied)
 * @param gold       the gold answer, or null
 * @param answerType MATH, NUMBER or TEXT
 * @param extra      carried columns, as strings (JSON text for non-strings)
 * @param error      why the row cannot be generated, or null
 */
public record PromptRow(String dataset, String id, String source, String prompt, List<Map<String, String>> messages,
                        String gold, String answerType, Map<String, String> extra, String error) implements Serializable {
}
