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

    /**
     * Split on a regex (or a literal string, already quoted into one) with a delimiter behaviour.
     *
     * <p>The regex comes from a tokenizer.json and Java's matcher backtracks: a pattern such as {@code (a+)+$}
     * takes exponential time on some inputs, and a repeated group recurses once per repetition. Rejecting such
     * patterns at load time cannot be done reliably, so each piece is matched under a step budget
     * ({@link BoundedText}: {@value #STEPS_PER_CHAR} character reads per character plus {@value #BASE_STEPS});
     * real pre-tokenizer regexes read each character a handful of times. Past the budget, or on a
     * StackOverflowError inside the matcher, encoding fails with an IllegalArgumentException naming the
     * regex's source.
     */
    record Split(Pattern pattern, Behavior behavior, boolean invert, String source) implements PreTokenizer {
        static final long STEPS_PER_CHAR = 1000;
        static final long BASE_STEPS = 100_000;

        Split(Pattern pattern, Behavior behavior, boolean invert) {
            this(pattern, behavior, invert, "pre-tokenizer regex");
        }

        public void split(String s, List<String> out) {
            if (s.isEmpty()) return;
            try {
                splitBounded(s, out);
            } catch (BoundedText.OutOfSteps e) {
                throw new IllegalArgumentException(source + " /" + pattern.pattern() + "/ read more than "
                        + e.budget + " characters while splitting a piece of " + s.length()
                        + " characters (catastrophic backtracking?); the tokenizer refuses this input", e);
            } catch (StackOverflowError e) {
                throw new IllegalArgumentException(source + " /" + pattern.pattern() + "/ overflowed the stack on a piece of "
                        + s.length() + " characters (a repeated group recurses per repetition)");
            }
        }

        private void splitBounded(String s, List<String> out) {
            BoundedText text = new BoundedText(s, BASE_STEPS + STEPS_PER_CHAR * s.length());
            if (behavior == Behavior.ISOLATED && !invert) {
                // Every match and every gap is its own piece: no bookkeeping needed.
                Matcher m = pattern.matcher(text);
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
            Matcher m = pattern.matcher(text);
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

    /** A string whose reads are counted: the matcher's work on it is bounded (see {@link Split}). */
    final class BoundedText implements CharSequence {
        private final String s;
        private final long budget;
        private long left;

        BoundedText(String s, long budget) {
            this.s = s;
            this.budget = budget;
            this.left = budget;
        }

        @Override
        public char charAt(int index) {
            if (--left < 0) throw new OutOfSteps(budget);
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }

        static final class OutOfSteps extends RuntimeException {
            final long budget;

            OutOfSteps(long budget) {
                super(null, null, false, false);
                this.budget = budget;
            }
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
