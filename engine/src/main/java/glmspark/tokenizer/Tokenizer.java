package glmspark.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.zip.GZIPInputStream;

/**
 * A Hugging Face {@code tokenizer.json} of the byte-level BPE family (GLM-4-0414, Qwen3, Llama 3, DeepSeek-V3),
 * with the same results as the {@code tokenizers} library: added tokens are found first (when asked), the
 * rest is normalized, pre-tokenized (Split regexes, ByteLevel) and merged by BPE rank; decoding joins the
 * tokens' bytes and replaces ill-formed UTF-8 as Rust's {@code from_utf8_lossy}. Immutable and thread-safe.
 *
 * <p>The post-processor is not applied: encoding is {@code add_special_tokens=False} (chat templates write
 * their own special tokens).
 */
public final class Tokenizer {
    /**
     * Marker that {@link #protect} puts inside added-token strings of user content so that
     * {@code encode(text, true)} does not read them as added tokens; encode removes every marker.
     */
    public static final char PROTECT = '\uFFFF';

    /**
     * Largest token id + 1 accepted from a tokenizer.json: the id tables are arrays of this size, so a hostile
     * id like 2^31-1 must be refused, not allocated (real vocabularies: 151552 for GLM-4, 262144 at most).
     */
    public static final int MAX_VOCAB_SIZE = 1 << 22;

    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer; // null: the whole normalized text is one word
    // Fast path: the pre-tokenizer ends with a plain ByteLevel step (no prefix, no regex), so the steps before it
    // give raw pieces and the BPE cache can key on those, skipping the byte mapping on a hit.
    private final List<PreTokenizer> rawSteps; // null when the fast path does not apply
    private final Bpe model;
    private final boolean byteLevelDecoder;
    private final Map<String, Integer> vocab;
    private final Map<String, Integer> addedIds;
    private final String[] idToToken;
    private final byte[][] idToBytes;
    private final boolean[] special;
    private final List<String> specialTokens;
    private final AddedTokens rawAdded; // added tokens with normalized=false, matched on the raw text
    private final AddedTokens normalizedAdded; // normalized=true, matched on the normalized text
    private final AddedTokens allAdded; // every added token string, for protect()

    private Tokenizer(Normalizer normalizer, PreTokenizer preTokenizer, Map<String, Integer> vocab, int[][] merges,
                      boolean ignoreMerges, int unkId, boolean fuseUnk, List<AddedTokens.Token> added,
                      boolean byteLevelDecoder) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        List<PreTokenizer> steps = preTokenizer instanceof PreTokenizer.Sequence seq ? seq.steps()
                : preTokenizer == null ? List.of() : List.of(preTokenizer);
        this.rawSteps = !steps.isEmpty() && steps.getLast() instanceof PreTokenizer.ByteLevelSplit bl
                && !bl.addPrefixSpace() && !bl.useRegex() ? steps.subList(0, steps.size() - 1) : null;
        this.vocab = vocab;
        this.model = new Bpe(vocab, merges, ignoreMerges, unkId, fuseUnk);
        this.byteLevelDecoder = byteLevelDecoder;

        int size = 0;
        for (int id : vocab.values()) size = Math.max(size, id + 1);
        for (AddedTokens.Token t : added) size = Math.max(size, t.id() + 1);
        idToToken = new String[size];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) idToToken[e.getValue()] = e.getKey();
        special = new boolean[size];
        addedIds = new HashMap<>();
        List<String> specials = new ArrayList<>();
        // HF matches special tokens first, then the other added tokens, each in file order.
        List<AddedTokens.Token> ordered = new ArrayList<>();
        for (AddedTokens.Token t : added) if (t.special()) ordered.add(t);
        for (AddedTokens.Token t : added) if (!t.special()) ordered.add(t);
        List<AddedTokens.Token> raw = new ArrayList<>();
        List<AddedTokens.Token> norm = new ArrayList<>();
        List<String> normPatterns = new ArrayList<>();
        for (AddedTokens.Token t : ordered) {
            idToToken[t.id()] = t.content();
            addedIds.put(t.content(), t.id());
            if (t.special()) {
                special[t.id()] = true;
                if (!specials.contains(t.content())) specials.add(t.content());
            }
            if (t.normalized()) {
                norm.add(t);
                normPatterns.add(normalizer.normalize(t.content()));
            } else {
                raw.add(t);
            }
        }
        specialTokens = Collections.unmodifiableList(specials);
        rawAdded = new AddedTokens(raw, raw.stream().map(AddedTokens.Token::content).toList());
        normalizedAdded = new AddedTokens(norm, normPatterns);
        allAdded = new AddedTokens(ordered, ordered.stream().map(AddedTokens.Token::content).toList());
        idToBytes = new byte[size][];
        for (int id = 0; id < size; id++) {
            if (idToToken[id] != null) idToBytes[id] = ByteLevel.tokenBytes(idToToken[id]);
        }
    }

    // ---------------------------------------------------------------------------------------------- loading

    /** Reads a tokenizer.json (or tokenizer.json.gz). Errors name the file and the field. */
    public static Tokenizer load(Path tokenizerJson) throws IOException {
        String src = tokenizerJson.toString();
        JsonNode root;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(tokenizerJson), 1 << 16);
             InputStream in = src.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            root = glmspark.format.StrictJson.MAPPER.readTree(in);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(src, null, "tokenizer file not found");
        } catch (JacksonException e) {
            throw new TokenizerFormatException(src + ": malformed JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")"), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerFormatException(src, "(root)", "not a JSON object");
        return fromJson(root, src);
    }

    private static Tokenizer fromJson(JsonNode root, String src) throws TokenizerFormatException {
        Normalizer normalizer = parseNormalizer(root.get("normalizer"), src, "normalizer");
        PreTokenizer pre = parsePreTokenizer(root.get("pre_tokenizer"), src, "pre_tokenizer");

        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw new TokenizerFormatException(src, "model", "missing");
        String type = model.path("type").asText("BPE"); // HF also accepts an untagged BPE model
        if (!type.equals("BPE")) {
            throw new TokenizerFormatException(src, "model.type",
                    "unsupported model type \"" + type + "\" (only byte-level \"BPE\" is supported)");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new TokenizerFormatException(src, "model.byte_fallback", "byte fallback is not supported");
        }
        if (model.hasNonNull("dropout") && model.get("dropout").asDouble() > 0) {
            throw new TokenizerFormatException(src, "model.dropout", "BPE dropout is not supported");
        }
        for (String f : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(f).asText("").isEmpty()) {
                throw new TokenizerFormatException(src, "model." + f, "not supported (byte-level BPE has none)");
            }
        }
        JsonNode vocabNode = model.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw new TokenizerFormatException(src, "model.vocab", "missing or not an object");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new TokenizerFormatException(src, "model.vocab[\"" + e.getKey() + "\"]", "not a non-negative id");
            }
            if (e.getValue().asInt() >= MAX_VOCAB_SIZE) {
                throw new TokenizerFormatException(src, "model.vocab[\"" + e.getKey() + "\"]", "id " + e.getValue()
                        + " exceeds the limit " + (MAX_VOCAB_SIZE - 1));
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        JsonNode mergesNode = model.get("merges");
        if (mergesNode == null || !mergesNode.isArray()) {
            throw new TokenizerFormatException(src, "model.merges", "missing or not an array");
        }
        List<String[]> pairs = new ArrayList<>(mergesNode.size());
        for (int i = 0; i < mergesNode.size(); i++) {
            JsonNode m = mergesNode.get(i);
            String[] pair;
            if (m.isTextual()) {
                pair = m.asText().split(" ", -1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[] {m.get(0).asText(), m.get(1).asText()};
            } else {
                pair = new String[0];
            }
            if (pair.length != 2) {
                throw new TokenizerFormatException(src, "model.merges[" + i + "]",
                        "expected \"a b\" or [\"a\", \"b\"], got " + m);
            }
            pairs.add(pair);
        }
        int[][] merges = resolveMerges(pairs, vocab, src);
        int unkId = -1;
        if (model.hasNonNull("unk_token")) {
            String unk = model.get("unk_token").asText();
            Integer id = vocab.get(unk);
            if (id == null) throw new TokenizerFormatException(src, "model.unk_token", "\"" + unk + "\" not in vocab");
            unkId = id;
        }

        List<AddedTokens.Token> added = new ArrayList<>();
        JsonNode addedNode = root.get("added_tokens");
        if (addedNode != null && !addedNode.isNull()) {
            if (!addedNode.isArray()) throw new TokenizerFormatException(src, "added_tokens", "not an array");
            for (int i = 0; i < addedNode.size(); i++) {
                JsonNode a = addedNode.get(i);
                String f = "added_tokens[" + i + "]";
                if (!a.path("id").isIntegralNumber() || !a.path("id").canConvertToInt() || a.path("id").asInt() < 0) {
                    throw new TokenizerFormatException(src, f + ".id", "missing or not a non-negative integer");
                }
                if (a.get("id").asInt() >= MAX_VOCAB_SIZE) {
                    throw new TokenizerFormatException(src, f + ".id", "id " + a.get("id") + " exceeds the limit "
                            + (MAX_VOCAB_SIZE - 1));
                }
                if (!a.path("content").isTextual()) {
                    throw new TokenizerFormatException(src, f + ".content", "missing or not a string");
                }
                boolean isSpecial = a.path("special").asBoolean(false);
                added.add(new AddedTokens.Token(a.get("id").asInt(), a.get("content").asText(), isSpecial,
                        a.path("single_word").asBoolean(false), a.path("lstrip").asBoolean(false),
                        a.path("rstrip").asBoolean(false), a.path("normalized").asBoolean(!isSpecial)));
            }
        }

        boolean byteLevelDecoder = parseDecoder(root.get("decoder"), src, "decoder");
        return new Tokenizer(normalizer, pre, vocab, merges, model.path("ignore_merges").asBoolean(false), unkId,
                model.path("fuse_unk").asBoolean(false), added, byteLevelDecoder);
    }

    private static int[][] resolveMerges(List<String[]> pairs, Map<String, Integer> vocab, String src)
            throws TokenizerFormatException {
        int[][] merges = new int[pairs.size()][];
        for (int i = 0; i < pairs.size(); i++) {
            String[] p = pairs.get(i);
            Integer a = vocab.get(p[0]);
            Integer b = vocab.get(p[1]);
            Integer ab = vocab.get(p[0] + p[1]);
            if (a == null || b == null || ab == null) {
                String missing = a == null ? p[0] : b == null ? p[1] : p[0] + p[1];
                throw new TokenizerFormatException(src, "model.merges[" + i + "]",
                        "token \"" + missing + "\" of merge \"" + p[0] + " " + p[1] + "\" is not in model.vocab");
            }
            merges[i] = new int[] {a, b, ab};
        }
        return merges;
    }

    private static Normalizer parseNormalizer(JsonNode n, String src, String field) throws TokenizerFormatException {
        if (n == null || n.isNull()) return new Normalizer.Identity();
        String type = n.path("type").asText("");
        switch (type) {
            case "NFC": return new Normalizer.Unicode(java.text.Normalizer.Form.NFC);
            case "NFD": return new Normalizer.Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC": return new Normalizer.Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD": return new Normalizer.Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase": return new Normalizer.Lowercase();
            case "Sequence": {
                JsonNode list = n.get("normalizers");
                if (list == null || !list.isArray()) {
                    throw new TokenizerFormatException(src, field + ".normalizers", "missing or not an array");
                }
                List<Normalizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Normalizer step = parseNormalizer(list.get(i), src, field + ".normalizers[" + i + "]");
                    if (!(step instanceof Normalizer.Identity)) steps.add(step);
                }
                return steps.isEmpty() ? new Normalizer.Identity() : new Normalizer.Sequence(List.copyOf(steps));
            }
            default:
                throw new TokenizerFormatException(src, field + ".type", "unsupported normalizer \"" + type
                        + "\" (supported: NFC, NFD, NFKC, NFKD, Lowercase, Sequence)");
        }
    }

    private static PreTokenizer parsePreTokenizer(JsonNode n, String src, String field)
            throws TokenizerFormatException {
        if (n == null || n.isNull()) return null;
        String type = n.path("type").asText("");
        switch (type) {
            case "ByteLevel":
                return new PreTokenizer.ByteLevelSplit(n.path("add_prefix_space").asBoolean(true),
                        n.path("use_regex").asBoolean(true));
            case "Split": {
                JsonNode pattern = n.get("pattern");
                Pattern compiled;
                if (pattern != null && pattern.path("Regex").isTextual()) {
                    String re = pattern.get("Regex").asText();
                    try {
                        compiled = OnigRegex.compile(re);
                    } catch (PatternSyntaxException e) {
                        throw new TokenizerFormatException(src, field + ".pattern.Regex",
                                "cannot translate regex: " + e.getMessage());
                    } catch (IllegalArgumentException | StackOverflowError e) {
                        // Java's Pattern compiler recurses per nesting level; a hostile pattern can exhaust the stack.
                        throw new TokenizerFormatException(src, field + ".pattern.Regex", "cannot compile regex: " + e);
                    }
                } else if (pattern != null && pattern.path("String").isTextual()) {
                    compiled = Pattern.compile(Pattern.quote(pattern.get("String").asText()));
                } else {
                    throw new TokenizerFormatException(src, field + ".pattern",
                            "expected {\"Regex\": ...} or {\"String\": ...}");
                }
                String b = n.path("behavior").asText("");
                PreTokenizer.Behavior behavior = switch (b) {
                    case "Removed" -> PreTokenizer.Behavior.REMOVED;
                    case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
                    case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
                    case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
                    case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
                    default -> throw new TokenizerFormatException(src, field + ".behavior",
                            "unknown split behavior \"" + b + "\"");
                };
                return new PreTokenizer.Split(compiled, behavior, n.path("invert").asBoolean(false),
                        src + ": " + field + " regex");
            }
            case "Sequence": {
                JsonNode list = n.get("pretokenizers");
                if (list == null || !list.isArray()) {
                    throw new TokenizerFormatException(src, field + ".pretokenizers", "missing or not an array");
                }
                List<PreTokenizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    PreTokenizer step = parsePreTokenizer(list.get(i), src, field + ".pretokenizers[" + i + "]");
                    if (step != null) steps.add(step);
                }
                return new PreTokenizer.Sequence(List.copyOf(steps));
            }
            default:
                throw new TokenizerFormatException(src, field + ".type", "unsupported pre-tokenizer \"" + type
                        + "\" (supported: Split, ByteLevel, Sequence)");
        }
    }

    /** True for a ByteLevel decoder, false for none; anything else is an error. */
    private static boolean parseDecoder(JsonNode n, String src, String field) throws TokenizerFormatException {
        if (n == null || n.isNull()) return false;
        String type = n.path("type").asText("");
        if (type.equals("ByteLevel")) return true;
        if (type.equals("Sequence") && n.path("decoders").isArray() && n.get("decoders").size() == 1) {
            return parseDecoder(n.get("decoders").get(0), src, field + ".decoders[0]");
        }
        throw new TokenizerFormatException(src, field + ".type",
                "unsupported decoder \"" + type + "\" (supported: ByteLevel)");
    }

    /**
     * A byte-level BPE tokenizer from a plain vocabulary, as a GGUF file stores one ({@code tokenizer.ggml.tokens},
     * {@code .merges}): no normalizer; pre-tokenizer = Split(regex, Isolated) then ByteLevel (or ByteLevel's own
     * GPT-2 regex when {@code preTokenizerRegex} is null); the tokens at {@code specialIds} are special added tokens.
     */
    public static Tokenizer fromVocab(List<String> tokens, List<String> merges, Set<Integer> specialIds,
                                      String preTokenizerRegex) {
        Map<String, Integer> vocab = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) vocab.putIfAbsent(tokens.get(i), i);
        List<String[]> pairs = new ArrayList<>(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String[] p = merges.get(i).split(" ", -1);
            if (p.length != 2) throw new IllegalArgumentException("merges[" + i + "]: expected \"a b\", got " + merges.get(i));
            pairs.add(p);
        }
        int[][] resolved;
        try {
            resolved = resolveMerges(pairs, vocab, "vocabulary");
        } catch (TokenizerFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        List<AddedTokens.Token> added = new ArrayList<>();
        for (int id : specialIds.stream().sorted().toList()) {
            if (id < 0 || id >= tokens.size()) throw new IllegalArgumentException("special id " + id + " out of range");
            added.add(new AddedTokens.Token(id, tokens.get(id), true, false, false, false, false));
        }
        PreTokenizer pre = preTokenizerRegex == null
                ? new PreTokenizer.ByteLevelSplit(false, true)
                : new PreTokenizer.Sequence(List.of(
                        new PreTokenizer.Split(OnigRegex.compile(preTokenizerRegex), PreTokenizer.Behavior.ISOLATED, false),
                        new PreTokenizer.ByteLevelSplit(false, false)));
        return new Tokenizer(new Normalizer.Identity(), pre, vocab, resolved, false, -1, false, added, true);
    }

    // --------------------------------------------------------------------------------------------- encoding

    /** Encodes user text: added-token strings in it are plain text. */
    public int[] encode(String text) {
        return encode(text, false);
    }

    /**
     * @param parseSpecial true: added tokens in {@code text} become their ids (as transformers does), except where
     *                     a {@link #PROTECT} marker interrupts them; every marker is removed. false: the text is
     *                     all plain text.
     */
    public int[] encode(String text, boolean parseSpecial) {
        IntList out = new IntList();
        if (!parseSpecial) {
            encodeText(normalizer.normalize(text), out);
            return out.toArray();
        }
        for (AddedTokens.Segment seg : rawAdded.split(text)) {
            if (seg.id() >= 0) {
                out.add(seg.id());
            } else if (normalizedAdded.isEmpty()) {
                encodeText(normalizer.normalize(unprotect(seg.text())), out);
            } else {
                for (AddedTokens.Segment inner : normalizedAdded.split(normalizer.normalize(seg.text()))) {
                    if (inner.id() >= 0) out.add(inner.id());
                    else encodeText(unprotect(inner.text()), out);
                }
            }
        }
        return out.toArray();
    }

    /** Pre-tokenizes normalized text and runs BPE on every piece. */
    private void encodeText(String normalized, IntList out) {
        if (normalized.isEmpty()) return;
        if (rawSteps != null) {
            List<String> pieces = List.of(normalized);
            for (PreTokenizer step : rawSteps) pieces = step.apply(pieces);
            for (String p : pieces) model.tokenize(p, true, out);
            return;
        }
        if (preTokenizer == null) {
            model.tokenize(normalized, out);
            return;
        }
        List<String> pieces = new ArrayList<>();
        preTokenizer.split(normalized, pieces);
        for (String p : pieces) model.tokenize(p, out);
    }

    /**
     * Makes every added-token string in {@code content} inert for {@code encode(text, true)}: inserts
     * {@link #PROTECT} after the first character of each occurrence (before a one-character token). Existing
     * U+FFFF characters in content are dropped first (encode would drop them anyway), so
     * {@code encode(protect(c), true)} equals {@code encode(unprotect(c), false)}.
     */
    public String protect(String content) {
        String c = unprotect(content);
        if (allAdded.isEmpty()) return c;
        StringBuilder sb = new StringBuilder(c.length() + 8);
        for (int i = 0; i < c.length(); ) {
            int cp = c.codePointAt(i);
            int n = Character.charCount(cp);
            int longest = allAdded.longestAt(c, i);
            // A marker after the first code point interrupts every longer token starting here; a token of just
            // this code point gets a marker before it, which the matcher honours.
            if (longest > 0 && allAdded.hasExactly(c, i, i + n)) sb.append(PROTECT);
            sb.appendCodePoint(cp);
            if (longest > n) sb.append(PROTECT);
            i += n;
        }
        return sb.toString();
    }

    /** Removes {@link #PROTECT} markers, e.g. to display a rendered prompt. */
    public static String unprotect(String text) {
        if (text.indexOf(PROTECT) < 0) return text;
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch != PROTECT) sb.append(ch);
        }
        return sb.toString();
    }

    // --------------------------------------------------------------------------------------------- decoding

    /** Decodes ids to text, special tokens included (transformers' {@code skip_special_tokens=False}). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    public String decode(int[] ids, boolean skipSpecial) {
        if (!byteLevelDecoder) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                if (!decodes(id, skipSpecial)) continue;
                if (!sb.isEmpty()) sb.append(' ');
                sb.append(idToToken[id]);
            }
            return sb.toString();
        }
        int total = 0;
        for (int id : ids) if (decodes(id, skipSpecial)) total += idToBytes[id].length;
        byte[] bytes = new byte[total];
        int k = 0;
        for (int id : ids) {
            if (!decodes(id, skipSpecial)) continue;
            byte[] b = idToBytes[id];
            System.arraycopy(b, 0, bytes, k, b.length);
            k += b.length;
        }
        return Utf8.decode(bytes, total);
    }

    /** A streaming decoder that includes special tokens (as {@link #decode(int[])}). */
    public StreamDecoder streamDecoder() {
        return new StreamDecoder(this, false);
    }

    public StreamDecoder streamDecoder(boolean skipSpecial) {
        return new StreamDecoder(this, skipSpecial);
    }

    /** Whether decoding shows this id: it has a token (unknown ids are skipped, as in HF) and is not skipped. */
    boolean decodes(int id, boolean skipSpecial) {
        return id >= 0 && id < idToToken.length && idToToken[id] != null && !(skipSpecial && special[id]);
    }

    boolean byteLevelDecoder() {
        return byteLevelDecoder;
    }

    byte[] tokenBytes(int id) {
        return idToBytes[id];
    }

    // ------------------------------------------------------------------------------------------ vocabulary

    /** Max id + 1 over the model vocabulary and the added tokens. */
    public int vocabSize() {
        return idToToken.length;
    }

    /** Id of a vocabulary or added token string, -1 if none. */
    public int tokenId(String token) {
        Integer id = addedIds.get(token);
        if (id == null) id = vocab.get(token);
        return id == null ? -1 : id;
    }

    /** The raw token string (byte-level characters for vocabulary tokens), or null for an id without a token. */
    public String token(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** Contents of the added tokens marked special, in file order. */
    public List<String> specialTokens() {
        return specialTokens;
    }
}
