package glmspark.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Oniguruma (Ruby syntax) meanings that java.util.regex spells differently. */
class OnigRegexTest {
    private static boolean matches(String onig, String s) {
        return OnigRegex.compile(onig).matcher(s).matches();
    }

    @Test
    void whitespaceIsUnicodeWhiteSpace() {
        assertTrue(matches("\\s+", " \t\n\u00A0\u3000\u2009\u2028\u0085"));
        assertFalse(matches("\\s", "\u200B")); // zero width space is not White_Space
        assertTrue(matches("\\S", "\u200B"));
    }

    @Test
    void caseInsensitiveGroupIsUnicodeAware() {
        assertTrue(matches("(?i:'s|'ll)", "'LL"));
        assertTrue(matches("(?i:'s)", "'\u017F")); // long s folds to s
    }

    @Test
    void hIsAHexDigit() {
        assertTrue(matches("\\h+", "0aF9"));
        assertFalse(matches("\\h", " "));
        assertTrue(matches("[\\hx]+", "x0f"));
    }

    @Test
    void scriptPropertiesAndNegatedProperties() {
        assertTrue(matches("\\p{Han}+", "中文"));
        assertTrue(matches("\\p{^L}", "1"));
        assertTrue(matches("[[:alpha:]]+", "abc"));
    }

    @Test
    void rubyMultilineOptionIsDotAll() {
        assertEquals("(?s:a.b)", OnigRegex.translate("(?m:a.b)"));
        assertTrue(matches("(?m:a.b)", "a\nb"));
        assertFalse(matches("a.b", "a\nb"));
        assertTrue(matches("a.b", "a\rb")); // Ruby's dot excludes only \n
    }

    @Test
    void anchorsAreLineAnchors() {
        assertTrue(OnigRegex.compile("^b").matcher("a\nb").find());
        assertFalse(OnigRegex.compile("^b").matcher("a\rb").find());
    }

    @Test
    void escapedBracketsInsideClassesStayLiteral() {
        Pattern p = OnigRegex.compile("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+");
        assertTrue(p.matcher("[abc").matches());
        assertTrue(p.matcher("\\x").matches());
        assertTrue(matches("[]a]+", "]a"));
    }
}
