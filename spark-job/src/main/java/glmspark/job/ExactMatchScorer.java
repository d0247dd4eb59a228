package glmspark.job;

/**
 * A minimal grader (see {@link Scorer}), independent of the engine's: the content of the last {@code \boxed{...}} (braces balanced), else the
 * last number for NUMBER answers; correct when it equals the gold after trimming, dropping {@code $} and spaces,
 * and (NUMBER) comparing as decimals. No symbolic equivalence.
 */
public final class ExactMatchScorer implements Scorer {

    @Override
    public Score score(String gold, String answer, String answerType) {
        String extracted = extract(answer, answerType);
        if (gold == null) return new Score(extracted, null);
        if (extracted == null) return new Score(null, false);
        String a = norm(extracted), b = norm(gold);
        boolean ok = a.equals(b);
        if (!ok && "NUMBER".equals(answerType)) {
            try {
                ok = new java.math.BigDecimal(a.replace(",", "")).compareTo(new java.math.BigDecimal(b.replace(",", ""))) == 0;
            } catch (NumberFormatException ignored) {
                ok = false;
            }
        }
        return new Score(extracted, ok);
    }

    static String extract(String text, String answerType) {
        if (text == null) return null;
        int at = text.lastIndexOf("\\boxed{");
        if (at >= 0) {
            int depth = 0;
            int start = at + "\\boxed{".length();
            for (int i = start; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '{') depth++;
                else if (c == '}') {
                    if (depth == 0) return text.substring(start, i).trim();
                    depth--;
                }
            }
        }
        if ("NUMBER".equals(answerType)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?\\d[\\d,]*(\\.\\d+)?").matcher(text);
            String last = null;
            while (m.find()) last = m.group();
            return last;
        }
        return null;
    }

    private static String norm(String s) {
        return s.replace("$", "").replaceAll("\\s+", "").trim();
    }
}
