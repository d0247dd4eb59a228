package glmspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GradeCommandTest {

    private static String run(Path input, StringWriter err, int[] code) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = new CommandLine(new Glm());
            cl.setErr(new PrintWriter(err));
            code[0] = cl.execute("grade", "--input", input.toString());
        } finally {
            System.setOut(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void gradesEachLineWithTheTypeItsDatasetImplies(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, String.join("\n",
                "{\"gold\":\"\\\\frac{1}{2}\",\"prediction\":\"so the final answer is $\\\\boxed{0.5}$.\"}",
                "{\"gold\":\"Janet makes 9 * 2 = 18\\n#### 18\",\"prediction\":\"She earns $18 a day.\",\"dataset\":\"gsm8k\"}",
                "{\"gold\":\"025\",\"prediction\":\"The answer is \\\\boxed{24}\",\"dataset\":\"aime2024\"}",
                "{\"gold\":\"C\",\"prediction\":\"The answer is (C).\",\"type\":\"choice\"}",
                "{\"gold\":\"7\",\"prediction\":null}",
                ""));
        int[] code = new int[1];
        String out = run(in, new StringWriter(), code);
        assertEquals(0, code[0]);
        assertEquals(String.join("\n",
                "{\"correct\":true,\"extracted\":\"0.5\"}",
                "{\"correct\":true,\"extracted\":\"18\"}",
                "{\"correct\":false,\"extracted\":\"24\"}",
                "{\"correct\":true,\"extracted\":\"C\"}",
                "{\"correct\":false,\"extracted\":null}",
                ""), out.replace("\r\n", "\n"));
    }

    @Test
    void aLineWithoutGoldIsAnErrorNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("bad.jsonl");
        Files.writeString(in, "{\"gold\":\"1\",\"prediction\":\"1\"}\n{\"prediction\":\"1\"}\n");
        StringWriter err = new StringWriter();
        int[] code = new int[1];
        run(in, err, code);
        assertNotEquals(0, code[0]);
        assertTrue(err.toString().contains("line 2") && err.toString().contains("gold"), err.toString());
    }
}
