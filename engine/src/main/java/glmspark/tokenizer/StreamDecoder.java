package glmspark.tokenizer;

import java.util.Arrays;

/**
 * Incremental decoding for generation: {@link #push} returns the text that the new token completes and holds
 * back the bytes of a UTF-8 character that is not complete yet. The concatenation of all pushes and the final
 * {@link #flush} equals {@link Tokenizer#decode} of the same ids. Not thread-safe: one per sequence.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecial;
    private byte[] pending = new byte[16];
    private int pendingLength;
    private boolean first = true;

    StreamDecoder(Tokenizer tokenizer, boolean skipSpecial) {
        this.tokenizer = tokenizer;
        this.skipSpecial = skipSpecial;
    }

    /** Adds one token; returns the newly completed text ("" while a character is still incomplete). */
    public String push(int id) {
        if (!tokenizer.decodes(id, skipSpecial)) return "";
        if (!tokenizer.byteLevelDecoder()) {
            // Without a decoder HF joins the tokens with spaces.
            String s = (first ? "" : " ") + tokenizer.token(id);
            first = false;
            return s;
        }
        byte[] b = tokenizer.tokenBytes(id);
        if (pendingLength + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
        }
        System.arraycopy(b, 0, pending, pendingLength, b.length);
        pendingLength += b.length;
        StringBuilder sb = new StringBuilder();
        int stop = Utf8.decode(pending, 0, pendingLength, true, sb);
        System.arraycopy(pending, stop, pending, 0, pendingLength - stop);
        pendingLength -= stop;
        return sb.toString();
    }

    /** Ends the stream: an incomplete character left over becomes U+FFFD, as in {@link Tokenizer#decode}. */
    public String flush() {
        String s = Utf8.decode(pending, pendingLength);
        pendingLength = 0;
        return s;
    }
}
