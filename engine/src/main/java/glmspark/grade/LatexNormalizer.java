package glmspark.grade;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * String clean-up shared by gold and predicted answers before parsing: delimiters, \left/\right, \dfrac, spacing
 * commands, degrees, percent, currency, units, \text wrappers, thousands separators, unicode symbols.
 * Follows the Hendrycks / Math-Verify normalisation steps (see shared/notes/research-grading.md §3).
 */
final class LatexNormalizer {

    private LatexNormalizer() { }

    private static final Pattern TEXT_CMD = Pattern.compile(
            "\\\\(?:text|textbf|textit|textrm|textnormal|textsf|texttt|mathrm|mathbf|mathit|mathsf|mathtt|mbox|emph|boldsymbol|bm|hbox)\\s*\\{([^{}]*)\\}");
    private static final Pattern TRAILING_TEXT_UNIT = Pattern.compile(
            "^(.*?[0-9}a-zA-Z)\\]])\\s*\\\\(?:text|mbox|mathrm|textrm|textnormal)\\s*\\{\\s*[a-zA-Z][a-zA-Z .]*\\}\\s*(?:\\^\\s*\\{?\\s*[23]\\s*\\}?)?$");
    private static final String UNIT_WORDS = "units?|square units|sq units|square feet|square inches|square meters|"
            + "square centimeters|cubic units|cubic feet|cubic inches|cm|centimeters?|mm|millimeters?|meters?|km|kilometers?|"
            + "inches|inch|feet|foot|ft|yards?|yd|miles?|mph|km/h|degrees?|radians?|dollars?|cents?|hours?|hrs?|"
            + "minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|pounds?|lbs?|ounces?|oz|kg|kilograms?|grams?|"
            + "liters?|litres?|ml|gallons?|people|persons?|students?|ways|points?|percent|percentage|pct|times|"
            + "apples|eggs|pages|marbles|books|cookies|boxes|bottles|pieces|sq\\.? ?ft|sqft";
    private static final Pattern TRAILING_UNIT_WORD = Pattern.compile(
            "^(.*?[0-9}])\\s*(?:" + UNIT_WORDS + ")(?:\\s*\\^\\s*\\{?\\s*[23]\\s*\\}?)?\\s*\\.?$", Pattern.CASE_INSENSITIVE);
    private static final Pattern THOUSANDS = Pattern.compile("^[-+]?\\d{1,3}(,\\d{3})+(\\.\\d+)?$");
    private static final Pattern SPACE_THOUSANDS = Pattern.compile("^[-+]?\\d{1,3}( \\d{3})+(\\.\\d+)?$");
    private static final Pattern BASE_NUMBER = Pattern.compile("^\\(?([0-9A-Za-z]+)\\)?_\\{?\\s*\\(?(\\d+)\\)?\\s*\\}?$");
    private static final Pattern ORDINAL = Pattern.compile("(\\d)\\s*(?:\\^\\{?\\\\(?:text|mathrm)\\{(?:st|nd|rd|th)\\}\\}?|\\\\(?:text|mathrm)\\{(?:st|nd|rd|th)\\}|(?:st|nd|rd|th)\\b)");

    /** Cleans one answer string; never returns null. */
    static String normalize(String in) {
        String s = in.trim();
        s = s.replace('\u2212', '-').replace('\u2013', '-').replace("\u00d7", "\\times ").replace("\u00b7", "\\cdot ")
                .replace("\u03c0", "\\pi ").replace("\u221e", "\\infty ").replace("\u221a", "\\sqrt")
                .replace("\u00b0", "").replace("\u2009", " ").replace("\u00a0", " ");
        s = stripDelimiters(s);
        s = unwrapCommand(s, "boxed");
        s = unwrapCommand(s, "fbox");
        s = s.replace("\\$", "").replace("$", "");
        // thousands separators written as ,\! or {,} (MATH style)
        s = s.replaceAll(",\\\\!\\s*", "").replace("{,}", "");
        s = s.replaceAll("\\\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\\s*\\.", "");
        s = s.replaceAll("\\\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big)(?![a-zA-Z])", "");
        s = s.replace("\\lbrace", "\\{").replace("\\rbrace", "\\}").replace("\\lvert", "|").replace("\\rvert", "|");
        s = s.replaceAll("\\\\[dtc]frac(?![a-zA-Z])", "\\\\frac");
        s = s.replace("\\displaystyle", "").replace("\\!", "");
        s = s.replaceAll("\\\\(?:,|;|:|quad|qquad)(?![a-zA-Z])", " ").replaceAll("(?<!\\\\)\\\\ ", " ").replace("~", " ");
        // degrees: ^\circ, ^{\circ}, \degree
        s = s.replaceAll("\\^\\s*\\{?\\s*\\\\circ\\s*\\}?", "").replace("\\degree", "").replace("\\circ", "");
        s = s.replace("\\%", "").replace("%", "");
        s = s.replaceAll("\\\\mathbb\\s*\\{?R\\}?", "(-\\\\infty,\\\\infty)");
        s = s.replaceAll("\\\\(?:emptyset|varnothing)|\\\\\\{\\s*\\\\\\}", "\\\\emptyset");
        s = ORDINAL.matcher(s).replaceAll("$1");
        // units: a trailing \text{ cm}^2 after a value, then trailing unit words
        for (int k = 0; k < 3; k++) {
            Matcher m = TRAILING_TEXT_UNIT.matcher(s.trim());
            if (m.matches() && m.group(1).matches(".*[0-9}].*")) s = m.group(1);
            else break;
        }
        s = unwrapTextCommands(s);
        for (int k = 0; k < 3; k++) {
            Matcher m = TRAILING_UNIT_WORD.matcher(s.trim());
            if (m.matches()) s = m.group(1);
            else break;
        }
        s = s.replaceAll("(?<![\\\\a-zA-Z])(?:infinity|inf)(?![a-zA-Z])", "\\\\infty");
        s = s.replaceAll("\\s+", " ").trim();
        // trailing sentence period or line break
        while (s.endsWith(".") || s.endsWith("\\\\")) s = s.substring(0, s.length() - (s.endsWith(".") ? 1 : 2)).trim();
        // "x \in [-2,7]" -> the set
        s = s.replaceAll("^[a-zA-Z]\\s*\\\\in\\s*", "");
        if (THOUSANDS.matcher(s).matches()) s = s.replace(",", "");
        if (SPACE_THOUSANDS.matcher(s).matches()) s = s.replace(" ", "");
        // leading zeros of integers (AIME "025") and a leading "+"
        if (s.matches("^\\+?0+\\d+(\\.\\d+)?$")) s = s.replaceFirst("^\\+?0+(?=\\d)", "");
        if (s.matches("^\\+\\d+(\\.\\d+)?$")) s = s.substring(1);
        return s;
    }

    /** A base-subscript number such as 52_8 or 4210_{5} in a canonical "52_8" form, or null. */
    static String baseNumber(String s) {
        Matcher m = BASE_NUMBER.matcher(s.trim());
        if (!m.matches()) return null;
        String digits = m.group(1);
        if (!digits.matches(".*\\d.*")) return null;
        return digits.toUpperCase(java.util.Locale.ROOT) + "_" + Integer.parseInt(m.group(2));
    }

    static String stripDelimiters(String s) {
        while (true) {
            String t = s.trim();
            if (t.length() >= 4 && t.startsWith("$$") && t.endsWith("$$")) s = t.substring(2, t.length() - 2);
            else if (t.length() >= 2 && t.startsWith("$") && t.endsWith("$") && t.indexOf('$', 1) == t.length() - 1) s = t.substring(1, t.length() - 1);
            else if (t.startsWith("\\(") && t.endsWith("\\)")) s = t.substring(2, t.length() - 2);
            else if (t.startsWith("\\[") && t.endsWith("\\]")) s = t.substring(2, t.length() - 2);
            else return t;
        }
    }

    /** \boxed{X} spanning the whole string becomes X. */
    private static String unwrapCommand(String s, String cmd) {
        String t = s.trim();
        String head = "\\" + cmd + "{";
        if (t.startsWith(head)) {
            int close = matchBrace(t, head.length() - 1);
            if (close == t.length() - 1) return t.substring(head.length(), close).trim();
        }
        return t;
    }

    private static String unwrapTextCommands(String s) {
        String prev;
        do {
            prev = s;
            s = TEXT_CMD.matcher(s).replaceAll(m -> Matcher.quoteReplacement(" " + m.group(1) + " "));
        } while (!s.equals(prev));
        return s;
    }

    /** Index of the brace closing the one at open (escaped \{ \} ignored), or -1. */
    static int matchBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '}')) { i++; continue; }
            if (c == '{') depth++;
            else if (c == '}') { depth--; if (depth == 0) return i; }
        }
        return -1;
    }
}
