package glmspark.grade;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The structured form of a normalised answer, and the type-aware comparison of two of them. */
sealed interface AnswerValue {

    record Scalar(Expr e) implements AnswerValue {}
    /** Ordered tuple, point or interval: brackets must match, elements compared in order. */
    record Seq(char open, char close, List<AnswerValue> items) implements AnswerValue {}
    /** Unordered collection: a bare comma list, \{..\}, or the two values of a \pm. */
    record SetOf(List<AnswerValue> items) implements AnswerValue {}
    record Union(List<AnswerValue> parts) implements AnswerValue {}
    record Matrix(List<List<Expr>> rows) implements AnswerValue {}
    record Equation(Expr lhs, Expr rhs) implements AnswerValue {}
    record Choice(char letter) implements AnswerValue {}
    record Text(String text) implements AnswerValue {}

    double EXACT_TOL = 1e-10;
    double DECIMAL_TOL = 1e-6;

    Pattern CHOICE = Pattern.compile("^\\(?([A-J])\\)?$");
    Pattern WORDS = Pattern.compile("^[A-Za-z][A-Za-z '\\-]*$");
    Pattern MATRIX = Pattern.compile("^\\\\begin\\{(?:[pbBvV]?matrix|array)\\}(?:\\{[^}]*\\})?(.*)\\\\end\\{(?:[pbBvV]?matrix|array)\\}$", Pattern.DOTALL);

    // ---------------------------------------------------------------- parsing

    /** Parses a normalised answer; text that is no expression becomes Text. */
    static AnswerValue parse(String s) {
        s = s.trim();
        String base = LatexNormalizer.baseNumber(s);
        if (base != null) return new Text(base);
        Matcher cm = CHOICE.matcher(s);
        if (cm.matches()) return new Choice(cm.group(1).charAt(0));
        if (WORDS.matcher(s).matches() && s.matches(".*[A-Za-z]{3,}.*")) return new Text(canonicalText(s));
        Matcher mm = MATRIX.matcher(s);
        if (mm.matches()) {
            AnswerValue m = parseMatrix(mm.group(1));
            return m != null ? m : new Text(canonicalText(s));
        }
        if (s.equals("\\emptyset")) return new SetOf(List.of());
        s = s.replaceAll("\\s+(?:and|or)\\s+", ", ").replaceAll("^(?:and|or)\\s+", "");
        List<String> unionParts = splitTop(s, "\\cup");
        if (unionParts.size() > 1) {
            List<AnswerValue> parts = new ArrayList<>();
            for (String p : unionParts) parts.add(parse(p));
            return new Union(parts);
        }
        if (s.startsWith("\\{") && s.endsWith("\\}") && closesAtEnd(s, 1)) {
            String inner = s.substring(2, s.length() - 2).trim();
            if (inner.isEmpty()) return new SetOf(List.of());
            return new SetOf(items(splitTop(inner, ",")));
        }
        char first = s.isEmpty() ? ' ' : s.charAt(0), last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        if ((first == '(' || first == '[') && (last == ')' || last == ']') && closesAtEnd(s, 0)) {
            List<String> parts = splitTop(s.substring(1, s.length() - 1), ",");
            if (parts.size() >= 2) {
                List<AnswerValue> items = new ArrayList<>();
                for (String p : parts) items.add(parseItem(p));
                return new Seq(first, last, items);
            }
        }
        List<String> parts = splitTop(s, ",");
        if (parts.size() == 1) parts = splitTop(s, ";");
        if (parts.size() >= 2) return new SetOf(items(parts));
        return parseItem(s, false);
    }

    /** One element: an equation, a \pm pair, or a scalar. */
    private static AnswerValue parseItem(String s) {
        return parseItem(s, true);
    }

    private static AnswerValue parseItem(String s, boolean nested) {
        s = s.trim();
        if (s.contains("\\pm") || s.contains("\\mp")) {
            List<AnswerValue> both = new ArrayList<>();
            for (String v : expandPm(s)) both.add(parseItem(v));
            return new SetOf(both);
        }
        List<String> sides = splitTop(s, "=");
        if (sides.size() >= 2) {
            Expr l = ExprParser.parse(sides.get(0)), r = ExprParser.parse(sides.get(sides.size() - 1));
            if (l != null && r != null) return new Equation(l, r);
            return new Text(canonicalText(s));
        }
        if (nested && (s.startsWith("\\{") || s.startsWith("(") || s.startsWith("["))) {
            AnswerValue structured = parse(s);
            if (!(structured instanceof Text)) return structured;
        }
        Expr e = ExprParser.parse(s);
        return e != null ? new Scalar(e) : new Text(canonicalText(s));
    }

    private static List<AnswerValue> items(List<String> parts) {
        List<AnswerValue> out = new ArrayList<>();
        for (String p : parts) {
            AnswerValue v = parseItem(p);
            // 1 \pm \sqrt{2} inside a list contributes both values
            if (v instanceof SetOf set && (p.contains("\\pm") || p.contains("\\mp"))) out.addAll(set.items());
            else out.add(v);
        }
        return out;
    }

    private static List<String> expandPm(String s) {
        int i = s.indexOf("\\pm"), j = s.indexOf("\\mp");
        int at = i < 0 ? j : (j < 0 ? i : Math.min(i, j));
        if (at < 0) return List.of(s);
        boolean pm = at == i;
        String head = s.substring(0, at), tail = s.substring(at + 3);
        List<String> out = new ArrayList<>();
        for (String t : expandPm(tail)) {
            out.add(head + (pm ? "+" : "-") + t);
            out.add(head + (pm ? "-" : "+") + t);
        }
        return out;
    }

    private static AnswerValue parseMatrix(String body) {
        List<List<Expr>> rows = new ArrayList<>();
        for (String row : body.split("\\\\\\\\")) {
            if (row.isBlank()) continue;
            List<Expr> cells = new ArrayList<>();
            for (String cell : row.split("&")) {
                Expr e = ExprParser.parse(cell.trim());
                if (e == null) return null;
                cells.add(e);
            }
            rows.add(cells);
        }
        return rows.isEmpty() ? null : new Matrix(rows);
    }

    /** Splits at separators outside any bracket; brackets of mixed type count alike so (3,4] nests. */
    static List<String> splitTop(String s, String sep) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && s.startsWith(sep, i) && depth == 0 && sep.startsWith("\\")) {
                out.add(s.substring(start, i).trim());
                start = i + sep.length();
                i = start - 1;
                continue;
            }
            if (c == '\\' && i + 1 < s.length() && !Character.isLetter(s.charAt(i + 1))) {
                char n = s.charAt(i + 1);
                if (n == '{' ) depth++;
                else if (n == '}') depth--;
                i++;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') depth--;
            else if (depth == 0 && !sep.startsWith("\\") && s.startsWith(sep, i)) {
                out.add(s.substring(start, i).trim());
                start = i + sep.length();
            }
        }
        out.add(s.substring(start).trim());
        return out;
    }

    /** True when the bracket opened at index open (a char, or \{ when s starts with it) closes at the last char. */
    private static boolean closesAtEnd(String s, int open) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '}')) {
                depth += s.charAt(i + 1) == '{' ? 1 : -1;
                i++;
                if (depth == 0 && i < s.length() - 1) return false;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') depth++;
            else if (c == ')' || c == ']' || c == '}') {
                depth--;
                if (depth == 0 && i < s.length() - 1) return false;
            }
        }
        return depth == 0;
    }

    static String canonicalText(String s) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("\\\\(?:text|textbf|mathrm|mbox)\\s*", "");
        t = t.replace("{", "").replace("}", "").replaceAll("\\s+", " ").trim();
        while (t.endsWith(".")) t = t.substring(0, t.length() - 1).trim();
        return t;
    }

    // ---------------------------------------------------------------- comparison

    static boolean equal(AnswerValue g, AnswerValue p) {
        if (g instanceof Equation ge && p instanceof Equation pe) return equationsEqual(ge, pe);
        if (g instanceof Equation ge && ge.lhs() instanceof Expr.Var) return equal(new Scalar(ge.rhs()), p);
        if (p instanceof Equation pe && pe.lhs() instanceof Expr.Var) return equal(g, new Scalar(pe.rhs()));
        if (g instanceof Choice a && p instanceof Choice b) return a.letter() == b.letter();
        if (g instanceof Text a && p instanceof Text b) return a.text().equals(b.text());
        if (g instanceof Scalar a && p instanceof Scalar b) return exprEqual(a.e(), b.e());
        if (g instanceof Seq a && p instanceof Seq b) {
            if (a.open() != b.open() || a.close() != b.close() || a.items().size() != b.items().size()) return false;
            for (int k = 0; k < a.items().size(); k++) if (!equal(a.items().get(k), b.items().get(k))) return false;
            return true;
        }
        if (g instanceof SetOf a && p instanceof SetOf b) return unorderedEqual(a.items(), b.items());
        if (g instanceof Union a && p instanceof Union b) return unorderedEqual(a.parts(), b.parts());
        if (g instanceof SetOf a && a.items().size() == 1) return equal(a.items().get(0), p);
        if (p instanceof SetOf b && b.items().size() == 1) return equal(g, b.items().get(0));
        if (g instanceof Matrix a && p instanceof Matrix b) {
            if (a.rows().size() != b.rows().size()) return false;
            for (int r = 0; r < a.rows().size(); r++) {
                List<Expr> x = a.rows().get(r), y = b.rows().get(r);
                if (x.size() != y.size()) return false;
                for (int c = 0; c < x.size(); c++) if (!exprEqual(x.get(c), y.get(c))) return false;
            }
            return true;
        }
        return false;
    }

    /** Every gold item matched by a distinct predicted item (small lists: backtracking is cheap). */
    private static boolean unorderedEqual(List<AnswerValue> g, List<AnswerValue> p) {
        if (g.size() != p.size()) return false;
        return match(g, p, 0, new boolean[p.size()]);
    }

    private static boolean match(List<AnswerValue> g, List<AnswerValue> p, int k, boolean[] used) {
        if (k == g.size()) return true;
        for (int j = 0; j < p.size(); j++) {
            if (used[j] || !equal(g.get(k), p.get(j))) continue;
            used[j] = true;
            if (match(g, p, k + 1, used)) return true;
            used[j] = false;
        }
        return false;
    }

    private static boolean equationsEqual(Equation g, Equation p) {
        if (g.lhs() instanceof Expr.Var gv && p.lhs() instanceof Expr.Var pv) {
            if (gv.equals(pv)) return exprEqual(g.rhs(), p.rhs());
        }
        // general equations: lhs-rhs proportional with a non-zero constant (2x+2y=2 is x+y=1)
        Expr fg = new Expr.Sub(g.lhs(), g.rhs()), fp = new Expr.Sub(p.lhs(), p.rhs());
        Set<String> vg = vars(fg), vp = vars(fp);
        if (!vg.equals(vp) || vg.isEmpty()) return false;
        double tol = Expr.hasDecimal(fg) || Expr.hasDecimal(fp) ? DECIMAL_TOL : 1e-8;
        Expr.Complex ratio = null;
        int valid = 0;
        for (Map<String, Expr.Complex> env : points(vg)) {
            Expr.Complex a = Expr.eval(fg, env), b = Expr.eval(fp, env);
            if (!a.finite() || !b.finite()) continue;
            if (b.abs() < 1e-12 || a.abs() < 1e-12) {
                if (b.abs() < 1e-12 && a.abs() < 1e-12) continue;
                return false;
            }
            Expr.Complex r = a.div(b);
            if (ratio == null) ratio = r;
            else if (!close(ratio, r, tol)) return false;
            valid++;
        }
        return valid >= 3;
    }

    static boolean exprEqual(Expr g, Expr p) {
        if (Expr.hasInfinity(g) || Expr.hasInfinity(p)) {
            int sg = Expr.infinitySign(g);
            return sg != 0 && sg == Expr.infinitySign(p);
        }
        Set<String> vg = vars(g), vp = vars(p);
        if (!vg.equals(vp)) return false;
        boolean decimals = Expr.hasDecimal(g) || Expr.hasDecimal(p);
        if (vg.isEmpty()) {
            Rational rg = Expr.exact(g), rp = Expr.exact(p);
            if (rg != null && rp != null) {
                if (rg.equals(rp)) return true;
                // a rounded decimal for a non-terminating fraction (0.333333 for 1/3), never for an integer gold
                return Expr.hasDecimal(p) && !rg.isInteger() && !Expr.hasDecimal(g)
                        && approximates(new Expr.Complex(rp.toDouble(), 0), new Expr.Complex(rg.toDouble(), 0), Expr.decimalPlaces(p));
            }
            if (rg != null && rg.isInteger() && Expr.hasDecimal(p)) return false;
            Expr.Complex a = Expr.eval(g, Map.of()), b = Expr.eval(p, Map.of());
            if (!a.finite() || !b.finite()) return false;
            if (Expr.hasDecimal(p) && !Expr.hasDecimal(g)) return approximates(b, a, Expr.decimalPlaces(p));
            return close(a, b, decimals ? DECIMAL_TOL : EXACT_TOL);
        }
        int valid = 0;
        for (Map<String, Expr.Complex> env : points(vg)) {
            Expr.Complex a = Expr.eval(g, env), b = Expr.eval(p, env);
            boolean fa = a.finite(), fb = b.finite();
            if (!fa && !fb) continue;
            if (fa != fb) return false;
            if (!close(a, b, decimals ? DECIMAL_TOL : 1e-8)) return false;
            valid++;
        }
        return valid >= 3;
    }

    private static Set<String> vars(Expr e) {
        Set<String> s = new TreeSet<>();
        Expr.collectVars(e, s);
        return s;
    }

    /** Fixed pseudo-random evaluation points (identity testing): 3 positive, 3 negative assignments. */
    private static List<Map<String, Expr.Complex>> points(Set<String> vars) {
        Random rnd = new Random(0x5eed_2024L);
        List<Map<String, Expr.Complex>> out = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            Map<String, Expr.Complex> env = new TreeMap<>();
            for (String v : vars) {
                double x = 0.3 + 2.0 * rnd.nextDouble();
                env.put(v, new Expr.Complex(t < 3 ? x : -x, 0));
            }
            out.add(env);
        }
        return out;
    }

    /**
     * A decimal prediction for an exact non-integer value: within relative 1e-6, or correctly rounded to at least
     * 6 decimal places (Math-Verify rounds to 6 places: 0.333333 is 1/3, 0.3333 is not).
     */
    static boolean approximates(Expr.Complex pred, Expr.Complex exact, int places) {
        if (close(pred, exact, DECIMAL_TOL)) return true;
        return places >= 6 && pred.sub(exact).abs() <= 0.5 * Math.pow(10, -places) * (1 + 1e-9);
    }

    static boolean close(Expr.Complex a, Expr.Complex b, double relTol) {
        double diff = a.sub(b).abs();
        if (diff <= 1e-12) return true;
        return diff <= relTol * Math.max(a.abs(), b.abs());
    }
}
