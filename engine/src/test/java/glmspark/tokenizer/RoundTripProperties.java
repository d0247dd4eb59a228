package glmspark.tokenizer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.text.Normalizer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * decode(encode(s)) == s for any text, and streaming decode == decode, on GLM's tokenizer and others.
 *
 * <p>Strings are made of valid Unicode scalar values (a Java string with a lone surrogate has no UTF-8 form).
 * Qwen3 normalizes to NFC, so it cannot give back non-NFC input: for it the property is
 * decode(encode(s)) == NFC(s).
 */
class RoundTripProperties {

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> anyScalar = Arbitraries.integers().between(0, 0x10FFFF)
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF).map(Character::toString);
        Arbitrary<String> ascii = Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> combining = Arbitraries.integers().between(0x0300, 0x036F).map(Character::toString);
        Arbitrary<String> emoji = Arbitraries.of("👨\u200d👩\u200d👧\u200d👦", "🏳\uFE0F\u200d🌈", "👍🏽", "🇫🇷",
                "\u200d", "\uFE0F", "😀");
        Arbitrary<String> spaces = Arbitraries.strings().withChars(' ', '\t', '\n', '\r', '\u00A0', '\u3000', '\u2009')
                .ofMinLength(1).ofMaxLength(40);
        Arbitrary<String> cjk = Arbitraries.strings().withCharRange('\u4e00', '\u4fff').ofMinLength(1).ofMaxLength(6);
        Arbitrary<String> digits = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(9);
        Arbitrary<String> specials = Arbitraries.of("<|user|>", "[gMASK]", "<think>", "</think>", "<|im_end|>",
                "'s", "'LL", "ſ");
        Arbitrary<String> piece = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, anyScalar), net.jqwik.api.Tuple.of(4, ascii),
                net.jqwik.api.Tuple.of(2, combining), net.jqwik.api.Tuple.of(2, emoji),
                net.jqwik.api.Tuple.of(2, spaces), net.jqwik.api.Tuple.of(1, cjk),
                net.jqwik.api.Tuple.of(1, digits), net.jqwik.api.Tuple.of(1, specials));
        return piece.list().ofMaxSize(20).map(l -> String.join("", l));
    }

    @Property(tries = 300)
    void glmRoundTrips(@ForAll("texts") String s) {
        Tokenizer t = Fixtures.tokenizer("glm4-tiny");
        assertEquals(s, t.decode(t.encode(s)));
    }

    @Property(tries = 300)
    void llama3RoundTrips(@ForAll("texts") String s) {
        Tokenizer t = Fixtures.tokenizer("llama3");
        assertEquals(s, t.decode(t.encode(s)));
    }

    @Property(tries = 200)
    void qwen3RoundTripsToNfc(@ForAll("texts") String s) {
        Tokenizer t = Fixtures.tokenizer("qwen3");
        assertEquals(Normalizer.normalize(s, Normalizer.Form.NFC), t.decode(t.encode(s)));
    }

    @Property(tries = 200)
    void streamingDecodeEqualsDecodeOfEncodedText(@ForAll("texts") String s) {
        for (String name : List.of("glm4-tiny", "deepseek_v3")) {
            Tokenizer t = Fixtures.tokenizer(name);
            int[] ids = t.encode(s, true);
            assertEquals(t.decode(ids), streamed(t, ids, false), name);
        }
    }

    /** Arbitrary id sequences, including tokens that are pieces of UTF-8 characters and special tokens. */
    @Property(tries = 300)
    void streamingDecodeEqualsDecodeOfAnyIds(@ForAll @Size(max = 30) List<@IntRange(min = 0, max = 1913) Integer> list,
                                             @ForAll boolean skipSpecial) {
        Tokenizer t = Fixtures.tokenizer("glm4-tiny");
        int[] ids = list.stream().mapToInt(Integer::intValue).toArray();
        assertEquals(t.decode(ids, skipSpecial), streamed(t, ids, skipSpecial));
    }

    static String streamed(Tokenizer t, int[] ids, boolean skipSpecial) {
        StreamDecoder d = t.streamDecoder(skipSpecial);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = d.push(id);
            // A push never ends inside a surrogate pair: it returns whole characters only.
            if (!piece.isEmpty()) assertEquals(false, Character.isHighSurrogate(piece.charAt(piece.length() - 1)));
            sb.append(piece);
        }
        return sb.append(d.flush()).toString();
    }
}
