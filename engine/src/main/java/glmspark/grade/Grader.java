package glmspark.grade;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Final-answer extraction and equivalence for math benchmarks (AIME, MATH-500, GSM8K, multiple choice).
 * Rules follow the leading graders (Math-Verify, Qwen2.5-Math, prm800k, lm-eval; see
 * shared/notes/research-grading.md). Policy: conservative, a false negative is preferred over a false positive.
 */
public final class Grader {

    private Grader() { }

    private static final Pattern FINAL_ANSWER = Pattern.compile("(?i)final answer(?: is|:)\\s*[:\\-]?\\s*");
    private static final Pattern ANSWER_IS = Pattern.compile("(?i)\\banswer is\\s*[:\\-]?\\s*");
    private static final Pattern ANSWER_COLON = Pattern.compile("(?i)\\banswer\\s*:\\s*");
    private static final Pattern HASHES = Pattern.compile("####\\s*");
    private static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?|-?\\.\\d+");
    private static final Pattern LETTER = Pattern.compile("^\\(?\\s*([A-Ja-j])\\s*\\)?(?:[.:)]|\\s|$)");
    private static final Pattern PAREN_LETTER = Pattern.compile("\\(([A-J])\\)");

    /** Extracts the final answer from the visible (post-reasoning) text. */
    public static Optional<String> extract(String visibleAnswer, AnswerType type) {
        if (visibleAnswer == null) return Optional.empty();
        String text = visibleAnswer;
        int think = text.lastIndexOf("</think>");
        if (think >= 0) text = text.substring(think + "</think>".length());
        String boxed = lastBoxed(text);
        String found = null;
        if (boxed != null) found = boxed;
        if (found == null && type == AnswerType.NUMBER) found = afterLast(text, HASHES);
        if (found == null) found = afterLast(text, FINAL_ANSWER);
        if (found == null) found = afterLast(text, ANSWER_IS);
        if (found == null) found = afterLast(text, ANSWER_COLON);
        switch (type) {
            case NUMBER -> {
                if (found != null) {
                    String n = numberIn(found);
                    if (n != null) return Optional.of(n);
                }
                // GSM8K-style fallback: the last number of the text
                String last = null;
                Matcher m = NUMBER.matcher(text.replaceAll("(\\d),(\\d{3})", "$1$2"));
                while (m.find()) last = m.group();
                if (last != null) return Optional.of(stripNumber(last));
                return Optional.ofNullable(found);
            }
            case CHOICE -> {
                if (found != null) {
                    Character c = letterIn(found);
                    if (c != null) return Optional.of(String.valueOf(c));
                }
                String last = null;
                Matcher m = PAREN_LETTER.matcher(text);
                while (m.find()) last = m.group(1);
                if (last == null) {
                    Character c = letterIn(text.trim());
                    if (c != null && text.trim().length() <= 3) last = String.valueOf(c);
                }
                return Optional.ofNullable(last);
            }
            default -> {
                if (found == null || found.isBlank()) return Optional.empty();
                return Optional.of(found.trim());
            }
        }
    }

    /** True when predicted (an extracted answer) is equivalent to gold. */
    public static boolean equivalent(String gold, String predicted, AnswerType type) {
        if (gold == null || predicted == null || predicted.isBlank()) return false;
        switch (type) {
            case CHOICE -> {
                Character g = letterIn(LatexNormalizer.normalize(gold)), p = letterIn(LatexNormalizer.normalize(predicted));
                return g != null && p != null && Character.toUpperCase(g) == Character.toUpperCase(p);
            }
            case TEXT -> {
                return AnswerValue.canonicalText(LatexNormalizer.normalize(gold))
                        .equals(AnswerValue.canonicalText(LatexNormalizer.normalize(predicted)));
            }
            default -> {
                String g = LatexNormalizer.normalize(gold), p = LatexNormalizer.normalize(predicted);
                if (g.isEmpty() || p.isEmpty()) return false;
                if (squash(g).equals(squash(p))) return true;
                AnswerValue gv = AnswerValue.parse(g), pv = AnswerValue.parse(p);
                if (AnswerValue.equal(gv, pv)) return true;
                if (type == AnswerType.NUMBER && pv instanceof AnswerValue.Text) {
                    // "18 dollars a day": compare the single number the text holds
                    String n = numberIn(p);
                    return n != null && AnswerValue.equal(gv, AnswerValue.parse(n));
                }
                return false;
            }
        }
    }

    public static Grade grade(String gold, String visibleAnswer, AnswerType type) {
        if (visibleAnswer == null) return new Grade(null, false);
        Optional<String> e = extract(visibleAnswer, type);
        if (e.isEmpty()) return new Grade(null, false);
        return new Grade(e.get(), equivalent(gold, e.get(), type));
    }

    /** The gold final answer from a dataset field: GSM8K "#### 42", a \boxed solution, or the answer itself. */
    public static String extractGold(String goldField, AnswerType type) {
        if (goldField == null) throw new IllegalArgumentException("gold answer is null");
        String g = goldField.trim();
        int hashes = g.lastIndexOf("####");
        if (hashes >= 0) g = g.substring(hashes + 4).trim();
        else {
            String boxed = lastBoxed(g);
            if (boxed != null) g = boxed;
        }
        if (type == AnswerType.NUMBER) g = g.replaceAll("(\\d),(\\d{3})", "$1$2").replaceAll("(\\d),(\\d{3})", "$1$2");
        return g.trim();
    }

    /** The answer type for a dataset name (gsm8k: NUMBER; aime, math: MATH; mmlu/gpqa-like: CHOICE). */
    public static AnswerType typeForDataset(String dataset) {
        String d = dataset == null ? "" : dataset.toLowerCase(Locale.ROOT);
        if (d.startsWith("gsm")) return AnswerType.NUMBER;
        if (d.contains("mmlu") || d.contains("gpqa") || d.contains("choice")) return AnswerType.CHOICE;
        return AnswerType.MATH;
    }

    /** Drops spaces except between two digits ("2 0 4" is not 204). */
    private static String squash(String s) {
        return s.replaceAll("(?<![0-9]) | (?![0-9])", "");
    }

    // ---------------------------------------------------------------- extraction helpers

    /**
     * Content of the last \boxed{..} / \fbox{..} / \framebox{..} (nested braces matched), or "\boxed 5". Boxes
     * separated only by commas, "and" or $ are merged (a multi-part answer written as several boxes).
     */
    static String lastBoxed(String text) {
        List<int[]> spans = new ArrayList<>();   // {contentStart, contentEnd, boxStart, boxEnd}
        Matcher m = Pattern.compile("\\\\(?:boxed|fbox|framebox)\\s*").matcher(text);
        while (m.find()) {
            int i = m.end();
            if (i < text.length() && text.charAt(i) == '{') {
                int close = LatexNormalizer.matchBrace(text, i);
                if (close < 0) continue;   // unclosed box: not an answer
                spans.add(new int[] {i + 1, close, m.start(), close + 1});
            } else if (i < text.length()) {
                int j = i;
                while (j < text.length() && text.charAt(j) != '$' && !Character.isWhitespace(text.charAt(j))) j++;
                if (j > i) spans.add(new int[] {i, j, m.start(), j});
            }
        }
        if (spans.isEmpty()) return null;
        int k = spans.size() - 1;
        String result = text.substring(spans.get(k)[0], spans.get(k)[1]).trim();
        while (k > 0) {
            String between = text.substring(spans.get(k - 1)[3], spans.get(k)[2]);
            if (!between.matches("\\s*\\$?\\s*(?:,|and|,\\s*and|\\\\text\\{\\s*and\\s*\\})\\s*\\$?\\s*")) break;
            result = text.substring(spans.get(k - 1)[0], spans.get(k - 1)[1]).trim() + ", " + result;
            k--;
        }
        return result;
    }

    /** Text after the last match of p, up to the end of its line or sentence (". I hope" / ". " / newline). */
    private static String afterLast(String text, Pattern p) {
        Matcher m = p.matcher(text);
        int start = -1;
        while (m.find()) start = m.end();
        if (start < 0) return null;
        String rest = text.substring(start);
        int nl = rest.indexOf('\n');
        if (nl >= 0) rest = rest.substring(0, nl);
        int hope = rest.indexOf(". I hope");
        if (hope >= 0) rest = rest.substring(0, hope);
        rest = rest.trim();
        // inline math: take the first $...$ or \(...\) when the phrase is followed by one
        if (rest.startsWith("$")) {
            int end = rest.indexOf('$', rest.startsWith("$$") ? 2 : 1);
            if (end > 0) rest = rest.substring(rest.startsWith("$$") ? 2 : 1, end);
        } else if (rest.startsWith("\\(") && rest.contains("\\)")) {
            rest = rest.substring(2, rest.indexOf("\\)"));
        } else {
            // sentence end: a period followed by a space (not a decimal point)
            Matcher end = Pattern.compile("\\.(\\s|$)").matcher(rest);
            if (end.find()) rest = rest.substring(0, end.start());
        }
        rest = rest.trim();
        while (rest.endsWith(".")) rest = rest.substring(0, rest.length() - 1).trim();
        return rest.isEmpty() ? null : rest;
    }

    /** The number in a short answer phrase: the whole string when it is a number, else its only number. */
    private static String numberIn(String s) {
        String t = LatexNormalizer.normalize(s);
        if (t.matches("-?\\d+(\\.\\d+)?")) return t;
        Expr e = ExprParser.parse(t);
        if (e != null && Expr.exact(e) != null) return t;
        Matcher m = NUMBER.matcher(t.replaceAll("(\\d),(\\d{3})", "$1$2"));
        String first = null;
        while (m.find()) {
            if (first == null) first = m.group();
            else if (!stripNumber(first).equals(stripNumber(m.group()))) return stripNumber(first);
        }
        return first == null ? null : stripNumber(first);
    }

    private static String stripNumber(String n) {
        String t = n.replace(",", "");
        while (t.endsWith(".")) t = t.substring(0, t.length() - 1);
        return t;
    }

    private static Character letterIn(String s) {
        String t = s.trim().replaceAll("^\\\\text(?:bf)?\\{(.*)\\}$", "$1").trim();
        Matcher m = LETTER.matcher(t);
        if (m.find()) return Character.toUpperCase(m.group(1).charAt(0));
        Matcher p = PAREN_LETTER.matcher(t);
        if (p.find()) return p.group(1).charAt(0);
        return null;
    }
}
