package glmspark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ./glm tokenize}: one output line per input line. Encode: {@code {"text": ...}} -> {@code {"ids": [...]}};
 * decode: {@code {"ids": [...]}} -> {@code {"text": ...}}. A bad line gives {@code {"error": ...}} on stdout and
 * a message naming the line on stderr; the rest is still processed, and the exit code is then 1.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encode {\"text\":...} lines to {\"ids\":[...]} (or decode with --decode) with a tokenizer.json")
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "tokenizer.json (or .json.gz), or a model folder containing one")
    Path tokenizer;

    @Option(names = "--input", required = true, paramLabel = "F.jsonl", description = "input JSONL; - for stdin")
    String input;

    @Option(names = "--special", description = "parse added/special-token strings in the text as tokens")
    boolean special;

    @Option(names = "--decode", description = "decode {\"ids\":[...]} lines to {\"text\":...}")
    boolean decode;

    @Option(names = "--skip-special", description = "with --decode: leave special tokens out of the text")
    boolean skipSpecial;

    @Override
    public Integer call() throws Exception {
        Path file = Files.isDirectory(tokenizer) ? tokenizer.resolve("tokenizer.json") : tokenizer;
        Tokenizer tok = Tokenizer.load(file);
        ObjectMapper json = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = input.equals("-") ? "<stdin>" : input;
        int failed = 0;
        try (BufferedReader in = input.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                ObjectNode result = json.createObjectNode();
                try {
                    JsonNode row = json.readTree(line);
                    if (decode) result.put("text", tok.decode(ids(row), skipSpecial));
                    else result.putPOJO("ids", tok.encode(text(row), special));
                } catch (Exception e) {
                    String msg = e instanceof com.fasterxml.jackson.core.JacksonException je
                            ? "malformed JSON: " + je.getOriginalMessage() : e.getMessage();
                    err.println(name + " line " + lineNo + ": " + msg);
                    result.removeAll();
                    result.put("error", "line " + lineNo + ": " + msg);
                    failed++;
                }
                out.println(json.writeValueAsString(result));
            }
        }
        out.flush();
        err.flush();
        return failed == 0 ? 0 : 1;
    }

    private static String text(JsonNode row) {
        JsonNode t = row == null ? null : row.get("text");
        if (t == null || !t.isTextual()) throw new IllegalArgumentException("expected an object with a string \"text\"");
        return t.asText();
    }

    private static int[] ids(JsonNode row) {
        JsonNode a = row == null ? null : row.get("ids");
        if (a == null || !a.isArray()) throw new IllegalArgumentException("expected an object with an array \"ids\"");
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!a.get(i).canConvertToInt()) throw new IllegalArgumentException("ids[" + i + "] is not an integer");
            ids[i] = a.get(i).asInt();
        }
        return ids;
    }
}
