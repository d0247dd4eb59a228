package glmspark.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated copies of GLM's tokenizer.json (the glm4-tiny fixture, its vocabulary cut to ids below 300 so that a
 * try is cheap): broken merges, wrong types, huge and negative ids, unknown component types, deeply nested
 * sequences, and pre-tokenizer regexes that are invalid or backtrack catastrophically. Loading ends in a
 * tokenizer or a TokenizerFormatException naming the file; encoding and decoding with a loaded tokenizer ends in
 * ids and text or an IllegalArgumentException naming the file's regex, within a bounded time.
 *
 * <p>Decision for catastrophic regexes: they are not rejected at load time (no reliable test exists), but every
 * piece is matched under a step budget (see {@code PreTokenizer.Split}), so encoding fails fast instead of hanging.
 */
class TokenizerFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEEP_BELOW = 300;
    private static final String[] CATASTROPHIC = {"(a+)+$", "(a|aa)+$", "(a|a)*b", "(\\w+\\s?)+$", "((a*)*)*b",
            "(x+x+)+y", "(?:a|b|ab)*c", "(.*a){12}", "(\\p{L}+)*\\d"};
    private static final String[] FRAGMENTS = {"a", "b", "\\s", "\\p{L}", "\\p{N}", "[^\\s]", ".", "(", ")", "|", "*", "+",
            "?", "{1,3}", "{2,}", "(?i:", "(?=", "(?!", "(?<=", "\\", "[", "]", "[[:alpha:]]", "[[::]]", "\\p{", "}", "^",
            "$", "\\h", "\\H", "(?m)", "(?x)", "\\p{^Han}", "\\p{Nope}", "[\\r\\n]", "\\1", "(?<n>", "*+", "++", "\\k<n>"};

    private static ObjectNode reduced;
    private static Path dir;

    @BeforeContainer
    static void load() throws IOException {
        ObjectNode full = (ObjectNode) JSON.readTree(glmspark.Fixtures.path("glm4-tiny/tokenizer.json").toFile());
        ObjectNode model = (ObjectNode) full.get("model");
        ObjectNode vocab = JSON.createObjectNode();
        Set<String> kept = new HashSet<>();
        model.get("vocab").properties().forEach(e -> {
            if (e.getValue().asInt() < KEEP_BELOW) {
                vocab.set(e.getKey(), e.getValue());
                kept.add(e.getKey());
            }
        });
        ArrayNode merges = JSON.createArrayNode();
        for (JsonNode m : model.get("merges")) {
            String a = m.get(0).asText(), b = m.get(1).asText();
            if (kept.contains(a) && kept.contains(b) && kept.contains(a + b)) merges.add(m);
        }
        model.set("vocab", vocab);
        model.set("merges", merges);
        reduced = full;
        dir = Files.createTempDirectory("tokenizer-fuzz");
    }

    @AfterContainer
    static void clean() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Example
    void reducedTokenizerStillEncodesAndRoundTrips() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, reduced.toString());
        Tokenizer t = Tokenizer.load(file);
        String text = "Hello world, 12345 tokens!\n\n  <|user|> x";
        assertEquals(text, t.decode(t.encode(text)));
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.OFF)
    void mutatedTokenizerLoadsAndWorksOrNamesTheFile(@ForAll long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Path file = dir.resolve("tokenizer.json");
        String json = mutate(r);
        Files.writeString(file, json);
        List<String> inputs = inputs(r);
        int[] ids = randomIds(r);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Tokenizer t;
            try {
                t = Tokenizer.load(file);
            } catch (TokenizerFormatException e) {
                assertNamesFile(e, file);
                return;
            } catch (Throwable e) {
                fail("seed " + seed + ": load threw " + e, e);
                return;
            }
            for (String text : inputs) {
                try {
                    int[] out = t.encode(text, r.nextBoolean());
                    for (int id : out) assertTrue(id >= 0 && id < t.vocabSize(), "id " + id);
                } catch (IllegalArgumentException e) {
                    assertNamesFile(e, file);
                } catch (Throwable e) {
                    fail("seed " + seed + ": encode threw " + e, e);
                }
            }
            try {
                t.decode(ids);
                t.decode(ids, true);
                StreamDecoder d = t.streamDecoder();
                for (int id : ids) d.push(id);
            } catch (Throwable e) {
                fail("seed " + seed + ": decode threw " + e, e);
            }
        });
    }

    @Example
    void catastrophicRegexFailsFastWithAMessage() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, withSplitRegex(reduced.deepCopy(), "(a+)+$").toString());
        Tokenizer t = Tokenizer.load(file);
        String text = "a".repeat(5000) + "!";
        IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(IllegalArgumentException.class, () -> t.encode(text)));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("backtracking"), e.getMessage());
        // The same tokenizer still encodes text that does not trigger the blow-up.
        assertTrue(t.encode("hello world").length > 0);
    }

    @Example
    void repeatedGroupOnLongInputDoesNotOverflowTheStack() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, withSplitRegex(reduced.deepCopy(), "(a|b)+").toString());
        Tokenizer t = Tokenizer.load(file);
        String text = "ab".repeat(200_000);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try {
                assertTrue(t.encode(text).length > 0);
            } catch (IllegalArgumentException e) {
                assertNamesFile(e, file);
            }
        });
    }

    @Example
    void hugeIdIsRefusedBeforeAllocatingTables() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        ObjectNode j = reduced.deepCopy();
        ((ObjectNode) j.get("model").get("vocab")).put("zzz", Integer.MAX_VALUE);
        Files.writeString(file, j.toString());
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains("model.vocab") && e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Example
    void largestAllowedIdLoads() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        ObjectNode j = reduced.deepCopy();
        ((ObjectNode) j.get("model").get("vocab")).put("zzz", Tokenizer.MAX_VOCAB_SIZE - 1);
        Files.writeString(file, j.toString());
        Tokenizer t = Tokenizer.load(file);
        assertEquals(Tokenizer.MAX_VOCAB_SIZE, t.vocabSize());
        assertEquals("zzz", t.token(Tokenizer.MAX_VOCAB_SIZE - 1));
    }

    private static void assertNamesFile(Exception e, Path file) {
        assertTrue(e.getMessage() != null && e.getMessage().contains(file.getFileName().toString()),
                "message does not name the file: " + e.getMessage());
    }

    // ---- mutations

    private static ObjectNode withSplitRegex(ObjectNode j, String regex) {
        ObjectNode split = (ObjectNode) j.get("pre_tokenizer").get("pretokenizers").get(0);
        ((ObjectNode) split.get("pattern")).put("Regex", regex);
        return j;
    }

    private static String randomRegex(SplittableRandom r) {
        if (r.nextInt(3) == 0) return CATASTROPHIC[r.nextInt(CATASTROPHIC.length)];
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) sb.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
        return sb.toString();
    }

    private static String mutate(SplittableRandom r) {
        ObjectNode j = reduced.deepCopy();
        ObjectNode model = (ObjectNode) j.get("model");
        ArrayNode merges = (ArrayNode) model.get("merges");
        ObjectNode vocab = (ObjectNode) model.get("vocab");
        ArrayNode added = (ArrayNode) j.get("added_tokens");
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (r.nextInt(12)) {
            case 0 -> merges.set(r.nextInt(merges.size()), new JsonNode[] {f.textNode("a"), f.textNode("a b c"),
                    f.textNode("zz qq"), f.arrayNode().add("x"), f.arrayNode().add(1).add(2), f.nullNode(),
                    f.textNode(""), f.textNode(" ")}[r.nextInt(8)]);
            case 1 -> {
                List<String> keys = new ArrayList<>();
                vocab.fieldNames().forEachRemaining(keys::add);
                vocab.set(keys.get(r.nextInt(keys.size())), oddId(r));
            }
            case 2 -> vocab.set("\u00e9new" + r.nextInt(10), oddId(r));
            case 3 -> {
                ObjectNode a = (ObjectNode) added.get(r.nextInt(added.size()));
                String field = new String[] {"id", "content", "special", "normalized", "lstrip", "rstrip", "single_word"}[r.nextInt(7)];
                if (field.equals("content")) a.set(field, r.nextBoolean() ? f.textNode(new String[] {"", "a", " ", "\u00e9", "aa"}[r.nextInt(5)]) : f.numberNode(1));
                else a.set(field, r.nextBoolean() ? oddId(r) : f.booleanNode(r.nextBoolean()));
            }
            case 4, 5 -> {
                withSplitRegex(j, randomRegex(r));
                ObjectNode split = (ObjectNode) j.get("pre_tokenizer").get("pretokenizers").get(0);
                if (r.nextBoolean()) split.put("behavior", new String[] {"Removed", "Isolated", "MergedWithPrevious",
                        "MergedWithNext", "Contiguous", "Other"}[r.nextInt(6)]);
                if (r.nextBoolean()) split.put("invert", r.nextBoolean());
            }
            case 6 -> j.set(new String[] {"pre_tokenizer", "normalizer", "decoder"}[r.nextInt(3)], componentValue(r));
            case 7 -> {
                String field = new String[] {"type", "byte_fallback", "dropout", "unk_token", "ignore_merges", "fuse_unk",
                        "continuing_subword_prefix", "end_of_word_suffix", "vocab", "merges"}[r.nextInt(10)];
                model.set(field, r.nextBoolean() ? oddId(r) : f.textNode(new String[] {"BPE", "WordPiece", "", "a", "Ġ"}[r.nextInt(5)]));
            }
            case 8 -> {
                // Deeply nested sequences: recursion depth is bounded by Jackson's nesting limit (1000).
                int depth = 1 + r.nextInt(600);
                String key = r.nextBoolean() ? "pre_tokenizer" : "normalizer";
                String list = key.equals("pre_tokenizer") ? "pretokenizers" : "normalizers";
                String nested = ("{\"type\":\"Sequence\",\"" + list + "\":[").repeat(depth) + "]}".repeat(depth);
                return j.toString().replaceFirst("\"" + key + "\":", "\"" + key + "\":" + java.util.regex.Matcher.quoteReplacement(nested) + ",\"x_" + key + "\":");
            }
            case 9 -> {
                return textMutation(r, j.toString());
            }
            case 10 -> {
                return new String[] {"[]", "null", "", "\"tok\"", "{\"model\":" + "[".repeat(2000) + "]".repeat(2000) + "}",
                        "{\"model\":{\"vocab\":{},\"merges\":[]}}"}[r.nextInt(6)];
            }
            default -> {
                // Several edits at once.
                model.set("ignore_merges", f.booleanNode(true));
                withSplitRegex(j, randomRegex(r));
                vocab.set("\u00e9new", oddId(r));
            }
        }
        return j.toString();
    }

    private static String textMutation(SplittableRandom r, String text) {
        StringBuilder sb = new StringBuilder(text);
        String odd = "{}[]\",:0123456789-. \\\u0000x\u00e9\u0120";
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits && !sb.isEmpty(); i++) {
            int at = r.nextInt(sb.length());
            switch (r.nextInt(4)) {
                case 0 -> sb.setCharAt(at, odd.charAt(r.nextInt(odd.length())));
                case 1 -> sb.deleteCharAt(at);
                case 2 -> sb.insert(at, odd.charAt(r.nextInt(odd.length())));
                default -> sb.setLength(at);
            }
        }
        return sb.toString();
    }

    private static JsonNode oddId(SplittableRandom r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (r.nextInt(10)) {
            case 0 -> f.numberNode(Integer.MAX_VALUE);
            case 1 -> f.numberNode(Tokenizer.MAX_VOCAB_SIZE);
            case 2 -> f.numberNode(100_000 + r.nextInt(1000)); // sparse but allowed (the limit itself: an example)
            case 3 -> f.numberNode(-1);
            case 4 -> f.numberNode(1.5);
            case 5 -> f.textNode("7");
            case 6 -> f.nullNode();
            case 7 -> f.numberNode(Long.MAX_VALUE);
            case 8 -> f.numberNode(r.nextInt(KEEP_BELOW));
            default -> f.numberNode(KEEP_BELOW + r.nextInt(5000));
        };
    }

    private static JsonNode componentValue(SplittableRandom r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (r.nextInt(7)) {
            case 0 -> f.objectNode().put("type", new String[] {"NFC", "NFKD", "Lowercase", "ByteLevel", "Split", "Sequence",
                    "Whitespace", "Metaspace", ""}[r.nextInt(9)]);
            case 1 -> f.objectNode().put("type", "Sequence").put("pretokenizers", 3);
            case 2 -> f.objectNode().put("type", "Sequence").set("decoders", f.arrayNode().add(f.objectNode().put("type", "ByteLevel")));
            case 3 -> f.textNode("ByteLevel");
            case 4 -> f.arrayNode();
            case 5 -> f.nullNode();
            default -> f.objectNode().put("type", "Split").set("pattern", f.objectNode().put("String", "a"));
        };
    }

    private static List<String> inputs(SplittableRandom r) {
        List<String> out = new ArrayList<>();
        out.add("a".repeat(10 + r.nextInt(200)) + (r.nextBoolean() ? "!" : "b"));
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(80);
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(6);
            sb.appendCodePoint(switch (kind) {
                case 0 -> ' ' + r.nextInt(95);
                case 1 -> new int[] {' ', '\n', '\t', '\r', 0xA0, 0x3000}[r.nextInt(6)];
                case 2 -> 0x4E00 + r.nextInt(500);
                case 3 -> 0x1F600 + r.nextInt(50);
                case 4 -> Tokenizer.PROTECT;
                default -> 0x300 + r.nextInt(0x70);
            });
        }
        out.add(sb.toString());
        out.add("<|user|>\n" + sb + "<|assistant|><think>" + " ".repeat(r.nextInt(300)));
        return out;
    }

    private static int[] randomIds(SplittableRandom r) {
        int[] ids = new int[r.nextInt(20)];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = switch (r.nextInt(4)) {
                case 0 -> r.nextInt();
                case 1 -> -1 - r.nextInt(10);
                default -> r.nextInt(2000);
            };
        }
        return ids;
    }
}
