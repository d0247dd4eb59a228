package glmspark.tokenizer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Lossy decoding replaces maximal subparts, as the Unicode Standard (ch. 3, "U+FFFD Substitution of Maximal
 * Subparts", tables 3-8 to 3-11) and Rust's from_utf8_lossy specify.
 */
class Utf8Test {
    private static String decode(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        return Utf8.decode(b, b.length);
    }

    @Test
    void unicodeStandardExampleOfMaximalSubparts() {
        assertEquals("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd",
                decode(0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64));
    }

    @Test
    void nonShortestFormsAndSurrogatesAreOneReplacementPerByte() {
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFDA", decode(0xC0, 0xAF, 0xE0, 0x80, 0x41));
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xED, 0xA0, 0x80));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(0xF4, 0x90, 0x80, 0x80));
    }

    @Test
    void truncatedSequenceIsOneReplacement() {
        assertEquals("x\uFFFD", decode(0x78, 0xF0, 0x9F, 0x98));
        assertEquals("\uFFFDA", decode(0xE2, 0x82, 0x41));
    }

    @Test
    void validTextDecodes() {
        assertEquals("é😀€", decode(0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0xE2, 0x82, 0xAC));
    }

    @Test
    void incompleteTailIsKeptForLater() {
        byte[] b = {0x61, (byte) 0xF0, (byte) 0x9F};
        StringBuilder sb = new StringBuilder();
        assertEquals(1, Utf8.decode(b, 0, 3, true, sb));
        assertEquals("a", sb.toString());
    }
}
