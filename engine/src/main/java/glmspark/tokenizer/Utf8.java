package glmspark.tokenizer;

/**
 * UTF-8 decoding that replaces ill-formed bytes exactly as Rust's {@code String::from_utf8_lossy} does (the
 * Unicode "maximal subpart" practice): each maximal prefix of a valid sequence, or each single invalid byte,
 * becomes one U+FFFD. Written out here, not left to the JDK decoder, so that the behaviour is pinned and the
 * streaming decoder can find where a truncated sequence starts.
 */
final class Utf8 {
    private Utf8() {
    }

    /** Length of the sequence a lead byte announces, or 0 if the byte cannot start one. */
    static int sequenceLength(int b) {
        if (b < 0x80) return 1;
        if (b >= 0xC2 && b <= 0xDF) return 2;
        if (b >= 0xE0 && b <= 0xEF) return 3;
        if (b >= 0xF0 && b <= 0xF4) return 4;
        return 0;
    }

    /** Whether {@code b} may follow {@code lead} as the continuation byte at position {@code k} (1-based). */
    static boolean validContinuation(int lead, int k, int b) {
        if (k == 1) {
            return switch (lead) {
                case 0xE0 -> b >= 0xA0 && b <= 0xBF;
                case 0xED -> b >= 0x80 && b <= 0x9F;
                case 0xF0 -> b >= 0x90 && b <= 0xBF;
                case 0xF4 -> b >= 0x80 && b <= 0x8F;
                default -> b >= 0x80 && b <= 0xBF;
            };
        }
        return b >= 0x80 && b <= 0xBF;
    }

    /**
     * Decodes {@code bytes[from, to)} lossily into {@code out}. Returns the index where decoding stopped: {@code to},
     * or, when {@code keepIncompleteTail} is set and the range ends inside a sequence that is valid so far, the
     * start of that sequence (left for the caller to complete later).
     */
    static int decode(byte[] bytes, int from, int to, boolean keepIncompleteTail, StringBuilder out) {
        int i = from;
        while (i < to) {
            int lead = bytes[i] & 0xFF;
            int n = sequenceLength(lead);
            if (n == 1) {
                out.append((char) lead);
                i++;
                continue;
            }
            if (n == 0) {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int k = 1;
            int cp = lead & (0xFF >> (n + 1));
            while (k < n && i + k < to && validContinuation(lead, k, bytes[i + k] & 0xFF)) {
                cp = (cp << 6) | (bytes[i + k] & 0x3F);
                k++;
            }
            if (k == n) {
                out.appendCodePoint(cp);
                i += n;
            } else if (i + k == to && keepIncompleteTail) {
                return i; // truncated, but could still complete
            } else {
                out.append('\uFFFD'); // maximal subpart: the lead and its valid continuations so far
                i += k;
            }
        }
        return to;
    }

    static String decode(byte[] bytes, int length) {
        StringBuilder sb = new StringBuilder(length);
        decode(bytes, 0, length, false, sb);
        return sb.toString();
    }
}
