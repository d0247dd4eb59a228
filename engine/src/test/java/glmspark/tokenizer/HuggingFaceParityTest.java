package glmspark.tokenizer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of the HF fixtures (transformers encode with add_special_tokens=False, which parses added tokens
 * in the text, and decode with special tokens kept) gives the same ids and the same decoded text.
 */
class HuggingFaceParityTest {
    static final List<String> NAMES = Fixtures.NAMES;

    @ParameterizedTest
    @FieldSource("NAMES")
    void encodesEveryFixtureCaseToTheReferenceIds(String name) {
        Tokenizer tok = Fixtures.tokenizer(name);
        List<Fixtures.Case> cases = Fixtures.cases(name);
        assertTrue(cases.size() >= 150, "fixture has its cases");
        List<String> failures = new ArrayList<>();
        for (Fixtures.Case c : cases) {
            int[] got = tok.encode(c.text(), true);
            if (!Arrays.equals(got, c.ids())) {
                failures.add(repr(c.text()) + "\n  want " + Arrays.toString(c.ids()) + "\n  got  " + Arrays.toString(got));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())),
                failures.size() + " of " + cases.size() + " cases differ");
    }

    @ParameterizedTest
    @FieldSource("NAMES")
    void decodesEveryFixtureCaseToTheReferenceText(String name) {
        Tokenizer tok = Fixtures.tokenizer(name);
        for (Fixtures.Case c : Fixtures.cases(name)) {
            assertEquals(c.decoded(), tok.decode(c.ids()), () -> "decode of " + repr(c.text()));
        }
    }

    /** Texts without added-token strings encode the same with parseSpecial off. */
    @ParameterizedTest
    @FieldSource("NAMES")
    void plainTextDoesNotDependOnParseSpecial(String name) {
        Tokenizer tok = Fixtures.tokenizer(name);
        int checked = 0;
        for (Fixtures.Case c : Fixtures.cases(name)) {
            if (tok.specialTokens().stream().anyMatch(c.text()::contains) || c.text().contains("think>")) continue;
            assertEquals(Arrays.toString(c.ids()), Arrays.toString(tok.encode(c.text(), false)), repr(c.text()));
            checked++;
        }
        assertTrue(checked > 100);
    }

    /** Added tokens in the text are plain text with parseSpecial off: not their ids. */
    @ParameterizedTest
    @FieldSource("NAMES")
    void addedTokenStringsAreTextWithoutParseSpecial(String name) {
        Tokenizer tok = Fixtures.tokenizer(name);
        String s = tok.specialTokens().getFirst();
        int id = tok.tokenId(s);
        int[] asText = tok.encode("a" + s + "b", false);
        assertTrue(Arrays.stream(asText).noneMatch(x -> x == id), Arrays.toString(asText));
        assertEquals("a" + s + "b", tok.decode(asText));
        assertTrue(Arrays.stream(tok.encode("a" + s + "b", true)).anyMatch(x -> x == id));
    }

    static String repr(String s) {
        String r = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return "\"" + r.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "\"";
    }
}
