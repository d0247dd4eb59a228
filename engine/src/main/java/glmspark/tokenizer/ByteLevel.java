package glmspark.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character table: printable Latin-1 bytes stand for themselves, the other 68
 * bytes are moved to U+0100.., so every byte sequence becomes a string of visible characters.
 */
final class ByteLevel {
    /** BYTE_TO_CHAR[b] = the character that stands for byte b. */
    static final char[] BYTE_TO_CHAR = new char[256];
    /** CHAR_TO_BYTE[c] = the byte that character c stands for, or -1; characters >= its length stand for none. */
    static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {
    }

    /** The byte-level string of {@code s}: one character per UTF-8 byte. */
    static String encode(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        return new String(out);
    }

    /**
     * The bytes a token stands for, as HF's ByteLevel decoder reads it: if every character is in the table, those
     * bytes; otherwise (e.g. an added token like {@code <｜end▁of▁sentence｜>}) the token's own UTF-8 bytes.
     */
    static byte[] tokenBytes(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) return token.getBytes(StandardCharsets.UTF_8);
            out[i] = (byte) CHAR_TO_BYTE[c];
        }
        return out;
    }
}
