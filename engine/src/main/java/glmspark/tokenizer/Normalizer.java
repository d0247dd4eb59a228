package glmspark.tokenizer;

import java.util.List;
import java.util.Locale;

/** The tokenizer.json {@code normalizer}s of the byte-level BPE family. */
sealed interface Normalizer {
    String normalize(String s);

    /** No normalizer ({@code null} in the file) or an empty Sequence. */
    record Identity() implements Normalizer {
        public String normalize(String s) {
            return s;
        }
    }

    /** NFC, NFD, NFKC, NFKD. */
    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        public String normalize(String s) {
            return java.text.Normalizer.normalize(s, form);
        }
    }

    record Lowercase() implements Normalizer {
        public String normalize(String s) {
            return s.toLowerCase(Locale.ROOT);
        }
    }

    record Sequence(List<Normalizer> steps) implements Normalizer {
        public String normalize(String s) {
            for (Normalizer n : steps) s = n.normalize(s);
            return s;
        }
    }
}
