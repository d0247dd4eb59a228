package glmspark.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ./glm tokenize on the GLM tiny tokenizer, checked against ids from the HF fixture cases. */
class TokenizeCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new Glm());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String tokenizer() throws URISyntaxException {
        return Path.of(TokenizeCommandTest.class.getResource("/tokenizers/glm4-tiny.tokenizer.json").toURI()).toString();
    }

    @Test
    void encodesEachLineAndReportsBadLinesByNumber() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, """
                {"text": "[gMASK]<sop>"}
                {"txt": "oops"}
                not json
                {"text": "<|user|>\\nnot a special token here<|assistant|>"}
                """);
        Run r = run("tokenize", "--tokenizer", tokenizer(), "--input", in.toString(), "--special");
        String[] lines = r.out().split("\n");
        assertEquals(4, lines.length, r.out());
        // ids of these texts in glm4-tiny.cases.json (HF reference)
        assertEquals("{\"ids\":[1902,1904]}", lines[0]);
        assertTrue(lines[1].startsWith("{\"error\":\"line 2: "), lines[1]);
        assertTrue(lines[2].startsWith("{\"error\":\"line 3: malformed JSON"), lines[2]);
        assertEquals("{\"ids\":[1907,198,77,309,258,463,354,1149,282,74,301,330,264,1908]}", lines[3]);
        assertTrue(r.err().contains("in.jsonl line 2: ") && r.err().contains("in.jsonl line 3: "), r.err());
        assertEquals(1, r.code());
    }

    @Test
    void withoutSpecialAddedTokensAreText() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"text\": \"[gMASK]\"}\n");
        Run r = run("tokenize", "--tokenizer", tokenizer(), "--input", in.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(!r.out().contains("1902"), r.out());
    }

    @Test
    void decodesIds() throws Exception {
        Path in = dir.resolve("ids.jsonl");
        Files.writeString(in, "{\"ids\": [1902, 1904]}\n{\"ids\": [1907, 198, 77]}\n");
        Run r = run("tokenize", "--tokenizer", tokenizer(), "--input", in.toString(), "--decode");
        assertEquals("{\"text\":\"[gMASK]<sop>\"}\n{\"text\":\"<|user|>\\nn\"}\n", r.out().replace("\r", ""));
        Run skip = run("tokenize", "--tokenizer", tokenizer(), "--input", in.toString(), "--decode", "--skip-special");
        assertTrue(skip.out().startsWith("{\"text\":\"\"}"), skip.out());
    }
}
