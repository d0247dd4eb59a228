package glmspark.cli;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * JSONL input of the subcommands: random bytes, invalid UTF-8, broken and deeply nested JSON, huge, negative,
 * fractional and textual token ids. Reading gives one entry per non-blank line (a node, or an error naming the
 * file and line) or an IOException naming the file; reading token ids gives ints or an IllegalArgumentException
 * naming the file, line and field.
 */
class JsonLinesFuzzTest {

    private static Path dir;

    @BeforeContainer
    static void make() throws IOException {
        dir = Files.createTempDirectory("jsonl-fuzz");
    }

    @AfterContainer
    static void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    void anyBytesGiveLinesOrANamedError(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] bytes = content(r);
        Path file = dir.resolve("input.jsonl");
        Files.write(file, bytes);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            List<JsonLines.Line> lines;
            try {
                lines = JsonLines.read(file);
            } catch (IOException e) {
                assertTrue(e.getMessage() != null && e.getMessage().contains("input.jsonl"), e.getMessage());
                return;
            } catch (Throwable t) {
                fail("seed " + seed + ": unexpected " + t, t);
                return;
            }
            int previous = 0;
            for (JsonLines.Line line : lines) {
                assertTrue(line.number() > previous, "line numbers increase");
                previous = line.number();
                if (line.error() != null) {
                    assertTrue(line.node() == null && line.error().contains("input.jsonl line " + line.number()), line.error());
                    continue;
                }
                assertTrue(line.node().isObject());
                try {
                    int[] ids = JsonLines.ints(file, line, "input_ids");
                    assertEquals(line.node().get("input_ids").size(), ids.length);
                } catch (IllegalArgumentException e) {
                    assertTrue(e.getMessage().contains("input.jsonl line " + line.number()) && e.getMessage().contains("input_ids"),
                            e.getMessage());
                } catch (Throwable t) {
                    fail("seed " + seed + ": unexpected " + t, t);
                }
            }
        });
    }

    @Example
    void invalidUtf8NamesTheFile() throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.write(file, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
        IOException e = assertThrows(IOException.class, () -> JsonLines.read(file));
        assertTrue(e.getMessage().contains("bad.jsonl") && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Example
    void fractionalAndHugeIdsAreRefusedWithLineAndField() throws IOException {
        Path file = dir.resolve("ids.jsonl");
        Files.writeString(file, "{\"input_ids\": [1, 2.5]}\n{\"input_ids\": [99999999999999999999]}\n{\"input_ids\": [1, 2, 3]}\n");
        List<JsonLines.Line> lines = JsonLines.read(file);
        for (int i = 0; i < 2; i++) {
            JsonLines.Line line = lines.get(i);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonLines.ints(file, line, "input_ids"));
            assertTrue(e.getMessage().contains("line " + (i + 1)) && e.getMessage().contains("input_ids["), e.getMessage());
        }
        assertArrayEquals(new int[] {1, 2, 3}, JsonLines.ints(file, lines.get(2), "input_ids"));
    }

    // ---- generators

    private static final String[] IDS = {"1", "0", "-1", "2147483647", "2147483648", "-2147483649", "1.5", "1e400",
            "99999999999999999999", "\"3\"", "null", "true", "[]", "{}", "1e2", "-0", "0x10", "NaN", "Infinity", "01"};

    private static byte[] content(SplittableRandom r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int lines = r.nextInt(6);
        for (int l = 0; l < lines; l++) {
            byte[] line = switch (r.nextInt(6)) {
                case 0 -> randomBytes(r, r.nextInt(80));
                case 1 -> idsLine(r).getBytes(StandardCharsets.UTF_8);
                case 2 -> mutate(r, idsLine(r).getBytes(StandardCharsets.UTF_8));
                case 3 -> {
                    int depth = 1 + r.nextInt(3000);
                    yield ("{\"input_ids\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8);
                }
                case 4 -> new String[] {"", "   ", "[]", "null", "\"x\"", "{\"messages\": 1}", "{\"input_ids\": \"1 2\"}",
                        "{\"a\":1}{\"b\":2}", "\uFEFF{\"input_ids\": [1]}", "{\"input_ids\": [1]} trailing"}[r.nextInt(10)].getBytes(StandardCharsets.UTF_8);
                default -> ("{\"id\":\"" + "\u00e9\u4e2d\uD83D\uDE00".repeat(r.nextInt(5)) + "\",\"input_ids\":[1,2]}").getBytes(StandardCharsets.UTF_8);
            };
            out.writeBytes(line);
            out.write(r.nextInt(5) == 0 ? '\r' : '\n');
        }
        return out.toByteArray();
    }

    private static String idsLine(SplittableRandom r) {
        StringBuilder sb = new StringBuilder("{\"input_ids\": [");
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(", ");
            sb.append(r.nextInt(3) == 0 ? IDS[r.nextInt(IDS.length)] : String.valueOf(r.nextInt(1000)));
        }
        return sb.append("]}").toString();
    }

    private static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(256);
        return b;
    }

    private static byte[] mutate(SplittableRandom r, byte[] b) {
        byte[] out = b.clone();
        int edits = 1 + r.nextInt(3);
        for (int i = 0; i < edits && out.length > 0; i++) out[r.nextInt(out.length)] = (byte) r.nextInt(256);
        return out;
    }
}
