package glmspark.io;

import glmspark.job.JobConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated dataset rows: 10,000 JSONL files through the reader's line parser (no Spark), and whole mutated CSV and
 * corrupted Parquet files in {@link DatasetFileFuzzTest}. Every row must
 * become a good row or an error row naming its file and line; a file Spark cannot read at all must end in an
 * IllegalArgumentException naming the dataset. Nothing else: no other exception, no error, no hang.
 */
class DatasetReaderFuzzTest {

    @TempDir
    Path tmp;

    private static final List<String> LINES = List.of(
            "{\"id\":\"a\",\"question\":\"What is 2+2?\",\"answer\":\"4\",\"level\":3}",
            "{\"id\":7,\"problem\":\"x\\u00e9 \\\"q\\\"\",\"answer\":\"#### 5\",\"tags\":[1,2,{\"k\":null}]}",
            "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi\"}],\"answer\":\"1\"}",
            "{\"id\":\"b\",\"prompt\":\"p\",\"answer\":1.5e3}");
    private static final String ALPHABET = "{}[]:,\"\\ \t\r0123456789.eE+-nulltruefalse\u00e9\ud83d\ude00\ud800\u0000";

    static JobConfig.DatasetSpec spec(String path) throws Exception {
        JobConfig.DatasetSpec d = new JobConfig.DatasetSpec();
        d.path = path;
        d.goldAfter = "####";
        return DatasetReader.resolve(d, "../datasets", 0);
    }

    static String mutate(Random rnd, String s) {
        if (s.isEmpty()) return String.valueOf(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
        int at = rnd.nextInt(s.length());
        return switch (rnd.nextInt(6)) {
            case 0 -> s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + rnd.nextInt(6)));
            case 1 -> s.substring(0, at) + ALPHABET.charAt(rnd.nextInt(ALPHABET.length())) + s.substring(at);
            case 2 -> s.substring(0, at) + ALPHABET.charAt(rnd.nextInt(ALPHABET.length())) + s.substring(at + 1);
            case 3 -> s.substring(0, at) + s.substring(at, Math.min(s.length(), at + 15)).repeat(1 + rnd.nextInt(4)) + s.substring(at);
            case 4 -> s.substring(0, at) + (rnd.nextBoolean() ? "9".repeat(1 + rnd.nextInt(1500)) : "[".repeat(1 + rnd.nextInt(1500))) + s.substring(at);
            default -> s.substring(0, at) + "\n" + s.substring(at);
        };
    }

    /** Checks one row against the reader's contract. */
    static void checkRow(PromptRow r, String input) {
        assertNotNull(r.id(), input);
        assertNotNull(r.source(), input);
        if (r.error() != null) {
            assertTrue(r.error().contains(r.source()) || r.error().contains("line "), "error names no row: " + r.error() + "\ninput:\n" + input);
            assertTrue(r.messages().isEmpty(), input);
        } else {
            assertTrue(!r.messages().isEmpty(), input);
            for (var m : r.messages()) {
                assertNotNull(m.get("role"), input);
                assertNotNull(m.get("content"), input);
            }
        }
    }

    @Test
    void mutatedJsonlLinesBecomeRowsOrErrorRowsNamingTheLine() throws Exception {
        Random rnd = new Random(11);
        int good = 0, bad = 0;
        for (int i = 0; i < 10_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (String line : LINES) {
                String l = line;
                if (rnd.nextInt(3) > 0) {
                    int m = 1 + rnd.nextInt(3);
                    for (int j = 0; j < m; j++) l = mutate(rnd, l);
                }
                sb.append(l).append(rnd.nextInt(5) == 0 ? "\r\n" : "\n");
            }
            String input = sb.toString();
            long nonBlank = input.lines().filter(x -> !x.isBlank()).count();
            int maxChars = rnd.nextInt(4) == 0 ? 60 : 1_000_000;
            DatasetReader.Mapper mapper = new DatasetReader.Mapper(spec("f.jsonl"), maxChars == 60 ? new DatasetReader.Limits(60, 0, 150) : new DatasetReader.Limits(maxChars, 0));
            List<PromptRow> rows = new ArrayList<>();
            long t0 = System.nanoTime();
            try {
                DatasetReader.readJsonl(new StringReader(input), "/data/f.jsonl", mapper, rows);
            } catch (Throwable e) {
                fail("unexpected " + e + " for input:\n" + input, e);
            }
            if (System.nanoTime() - t0 > 2_000_000_000L) fail("over 2 s for input:\n" + input);
            // \r alone is not a line break for the reader (a JSON string may not hold one raw anyway).
            long expected = input.split("\n", -1).length - (input.endsWith("\n") ? 1 : 0);
            long blank = 0;
            for (String l : input.split("\n", -1)) if (l.replace("\r", "").isBlank()) blank++;
            if (input.endsWith("\n")) blank--;
            assertEquals(expected - blank, rows.size(), "one row per non-blank line:\n" + input + " (" + nonBlank + ")");
            for (PromptRow r : rows) {
                checkRow(r, input);
                if (r.error() == null) good++;
                else bad++;
            }
        }
        assertTrue(good > 1000 && bad > 1000, "good " + good + ", error rows " + bad);
    }

    /** A reader of length characters of 'x' then a newline, without holding them anywhere. */
    private static Reader endless(long length, String after) {
        return new Reader() {
            long left = length;
            final StringReader tail = new StringReader("\n" + after);

            @Override
            public int read(char[] cbuf, int off, int len) throws java.io.IOException {
                if (left > 0) {
                    int n = (int) Math.min(len, left);
                    java.util.Arrays.fill(cbuf, off, off + n, 'x');
                    left -= n;
                    return n;
                }
                return tail.read(cbuf, off, len);
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void aJsonlLineLongerThanMaxPromptCharsIsAnErrorRowAndIsNeverHeldInMemory() throws Exception {
        // 2^31 + 10 characters: more than any Java String can hold, so reading it whole would fail.
        DatasetReader.Mapper mapper = new DatasetReader.Mapper(spec("big.jsonl"), new DatasetReader.Limits(1_000_000, 0));
        List<PromptRow> rows = new ArrayList<>();
        DatasetReader.readJsonl(endless((1L << 31) + 10, "{\"id\":\"ok\",\"question\":\"q\"}\n"), "/d/big.jsonl", mapper, rows);
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).error().contains("longer than 3048576 characters (the line limit: 2 x max_prompt_chars + 1 MiB)"), rows.get(0).error());
        assertTrue(rows.get(0).error().contains("line 1 of /d/big.jsonl"), rows.get(0).error());
        assertNull(rows.get(1).error());
        assertEquals("big.jsonl:2", rows.get(1).source());
    }

    @Test
    void aPromptLongerThanMaxPromptCharsIsAnErrorRowNamingTheLimit() throws Exception {
        JobConfig.DatasetSpec d = spec("t.jsonl");
        d.template = "Question: {prompt}";
        DatasetReader.Mapper mapper = new DatasetReader.Mapper(d, new DatasetReader.Limits(100, 0));
        List<PromptRow> rows = new ArrayList<>();
        String p90 = "y".repeat(90);
        // The template is counted: 10 + 90 = 100 characters fit, 101 do not.
        DatasetReader.readJsonl(new StringReader("{\"question\":\"" + "z".repeat(80) + "\"}\n"
                + "{\"question\":\"" + p90 + "\"}\n{\"question\":\"" + p90 + "w\"}\n"
                + "{\"messages\":[{\"role\":\"system\",\"content\":\"" + "s".repeat(50) + "\"},{\"role\":\"user\",\"content\":\"" + "u".repeat(51) + "\"}]}\n"),
                "t.jsonl", mapper, rows);
        assertEquals(4, rows.size());
        assertNull(rows.get(0).error());
        assertNull(rows.get(1).error());
        assertTrue(rows.get(2).error().contains("101 characters, more than max_prompt_chars (100)"), rows.get(2).error());
        assertTrue(rows.get(3).error().contains("max_prompt_chars (100)"), rows.get(3).error());
        assertNull(rows.get(2).prompt(), "an error row does not carry the oversized prompt");
    }

    @Test
    void rowsPastMaxRowsAreErrorRowsNamingTheLimit() throws Exception {
        DatasetReader.Mapper mapper = new DatasetReader.Mapper(spec("r.jsonl"), new DatasetReader.Limits(1000, 2));
        List<PromptRow> rows = new ArrayList<>();
        DatasetReader.readJsonl(new StringReader("{\"q\":1}\n\n{\"question\":\"a\"}\n{\"question\":\"b\"}\nnot json\n"), "r.jsonl", mapper, rows);
        assertEquals(4, rows.size());
        assertTrue(rows.get(0).error().contains("has no prompt"), rows.get(0).error());
        assertNull(rows.get(1).error());
        assertEquals("r.jsonl:4", rows.get(2).source());
        assertTrue(rows.get(2).error().contains("past max_rows (2)"), rows.get(2).error());
        assertTrue(rows.get(3).error().contains("past max_rows (2)"), rows.get(3).error());
    }

    @Test
    void theLineLimitCountsCharactersWithoutTheLineBreakAcrossBufferBoundaries() throws Exception {
        // Lines of exactly the limit pass, one more character fails; 20,000 spans several 8 KiB reads.
        for (int max : new int[]{5, 20_000}) {
            String fits = "x".repeat(max), over = "y".repeat(max + 1);
            DatasetReader.BoundedLines lines = new DatasetReader.BoundedLines(
                    new StringReader(fits + "\r\n" + over + "\n" + over + "\r\n\n" + fits), max);
            assertEquals(fits, lines.next());
            assertTrue(!lines.tooLong());
            assertEquals("", lines.next());
            assertTrue(lines.tooLong());
            assertEquals("", lines.next());
            assertTrue(lines.tooLong());
            assertEquals("", lines.next());
            assertTrue(!lines.tooLong(), "a blank line is not too long");
            assertEquals(fits, lines.next());
            assertEquals(5, lines.lineNo());
            assertNull(lines.next());
        }
    }
}
