package glmspark.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tokenizer.json {@code pre_tokenizer}s of the byte-level BPE family. Each one maps every piece of the
 * current split to zero or more pieces, as HF's {@code PreTokenizedString::split} does; empty pieces are dropped.
 */
sealed interface PreTokenizer {
    /** Appends the pieces {@code piece} splits into to {@code out}. */
    void split(String piece, List<String> out);

    default List<String> apply(List<String> pieces) {
        List<String> out = new ArrayList<>(pieces.size() * 2);
        for (String p : pieces) split(p, out);
        return out;
    }

    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /** Split on a regex (or a literal string, already quoted into one) with a delimiter behaviour. */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        public void split(String s, List<String> out) {
            if (s.isEmpty()) return;
            if (behavior == Behavior.ISOLATED && !invert) {
                // Every match and every gap is its own piece: no bookkeeping needed.
                Matcher m = pattern.matcher(s);
                int prev = 0;
                while (m.find()) {
                    if (prev != m.start()) out.add(s.substring(prev, m.start()));
                    if (m.end() > m.start()) out.add(s.substring(m.start(), m.end()));
                    prev = m.end();
                }
                if (prev != s.length()) out.add(s.substring(prev));
                return;
            }
            // (start, end, isMatch) triples covering s, as HF's Pattern::find_matches.
            List<int[]> parts = new ArrayList<>();
            Matcher m = pattern.matcher(s);
            int prev = 0;
            while (m.find()) {
                if (prev != m.start()) parts.add(new int[] {prev, m.start(), 0});
                parts.add(new int[] {m.start(), m.end(), 1});
                prev = m.end();
            }
            if (prev != s.length()) parts.add(new int[] {prev, s.length(), 0});
            if (invert) for (int[] p : parts) p[2] ^= 1;

            List<int[]> merged = switch (behavior) {
                case ISOLATED -> parts;
                case REMOVED -> parts.stream().filter(p -> p[2] == 0).toList();
                case MERGED_WITH_PREVIOUS -> {
                    List<int[]> acc = new ArrayList<>();
                    boolean previousMatch = false;
                    for (int[] p : parts) {
                        boolean isMatch = p[2] == 1;
                        if (isMatch && !previousMatch && !acc.isEmpty()) acc.getLast()[1] = p[1];
                        else acc.add(new int[] {p[0], p[1], 0});
                        previousMatch = isMatch;
                    }
                    yield acc;
                }
                case MERGED_WITH_NEXT -> {
                    List<int[]> acc = new ArrayList<>();
                    boolean previousMatch = false;
                    for (int k = parts.size() - 1; k >= 0; k--) {
                        int[] p = parts.get(k);
                        boolean isMatch = p[2] == 1;
                        if (isMatch && !previousMatch && !acc.isEmpty()) acc.getLast()[0] = p[0];
                        else acc.add(new int[] {p[0], p[1], 0});
                        previousMatch = isMatch;
                    }
                    yield acc.reversed();
                }
                case CONTIGUOUS -> {
                    List<int[]> acc = new ArrayList<>();
                    boolean previousMatch = false;
                    for (int[] p : parts) {
                        boolean isMatch = p[2] == 1;
                        if (isMatch == previousMatch && !acc.isEmpty()) acc.getLast()[1] = p[1];
                        else acc.add(new int[] {p[0], p[1], 0});
                        previousMatch = isMatch;
                    }
                    yield acc;
                }
            };
            for (int[] p : merged) if (p[1] > p[0]) out.add(s.substring(p[0], p[1]));
        }
    }

    /**
     * ByteLevel: optional prefix space, optional GPT-2 split, then each piece becomes its byte-level string
     * (one character per UTF-8 byte). {@code trim_offsets} only affects offsets, which we do not produce.
     */
    record ByteLevelSplit(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        static final Pattern GPT2 = OnigRegex.compile(
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
        private static final Split GPT2_SPLIT = new Split(GPT2, Behavior.ISOLATED, false);

        public void split(String s, List<String> out) {
            if (s.isEmpty()) return;
            if (addPrefixSpace && !s.startsWith(" ")) s = " " + s;
            if (useRegex) {
                List<String> pieces = new ArrayList<>();
                GPT2_SPLIT.split(s, pieces);
                for (String p : pieces) out.add(ByteLevel.encode(p));
            } else {
                out.add(ByteLevel.encode(s));
            }
        }
    }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public void split(String s, List<String> out) {
            List<String> pieces = List.of(s);
            for (PreTokenizer p : steps) pieces = p.apply(pieces);
            out.addAll(pieces);
        }
    }
}
