package glmspark.grade;

import java.util.Set;

/**
 * Recursive-descent parser for the LaTeX subset that final answers use: numbers, variables, + - * / ^, implicit
 * multiplication, \frac, \sqrt, \pi, \infty, i, e, factorial, \binom, trig/log functions, mixed numbers.
 * Input is already normalised (no \left, \dfrac, $, units). Returns null when the text is not such an expression.
 */
final class ExprParser {

    private static final Set<String> GREEK = Set.of("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta",
            "eta", "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon",
            "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega");
    private static final Set<String> FUNCS = Set.of("sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos",
            "arctan", "sinh", "cosh", "tanh", "exp", "ln", "log");

    private static final class Fail extends RuntimeException {
        Fail(String m) { super(m, null, false, false); }
    }

    private final String s;
    private int pos;
    /** Set by parsePrimary when it just parsed \frac{int}{int}: the right operand of a mixed number. */
    private boolean lastWasIntFrac;

    private ExprParser(String s) { this.s = s; }

    static Expr parse(String text) {
        if (text == null || text.isBlank()) return null;
        ExprParser p = new ExprParser(text);
        try {
            Expr e = p.parseExpr();
            p.skipWs();
            if (p.pos != p.s.length()) return null;
            return e;
        } catch (Fail | ArithmeticException | NumberFormatException | StackOverflowError ex) {
            return null;
        }
    }

    private void skipWs() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    private char peek() { return pos < s.length() ? s.charAt(pos) : '\0'; }

    private boolean lookingAt(String t) { return s.startsWith(t, pos); }

    /** The command name after a backslash at pos, without consuming it. */
    private String peekCommand() {
        if (peek() != '\\') return null;
        int j = pos + 1;
        while (j < s.length() && Character.isLetter(s.charAt(j))) j++;
        return s.substring(pos + 1, j);
    }

    private Expr parseExpr() {
        Expr left = parseTerm();
        while (true) {
            skipWs();
            char c = peek();
            if (c == '+') { pos++; left = new Expr.Add(left, parseTerm()); }
            else if (c == '-') { pos++; left = new Expr.Sub(left, parseTerm()); }
            else return left;
        }
    }

    private Expr parseTerm() {
        skipWs();
        boolean startsWithDigit = Character.isDigit(peek());
        Expr left = parseUnary();
        int factors = 1;
        while (true) {
            skipWs();
            char c = peek();
            String cmd = peekCommand();
            if (c == '*') { pos++; left = new Expr.Mul(left, parseUnary()); }
            else if (c == '/') { pos++; left = new Expr.Div(left, parseUnary()); }
            else if ("cdot".equals(cmd) || "times".equals(cmd) || "ast".equals(cmd)) {
                pos += cmd.length() + 1; left = new Expr.Mul(left, parseUnary());
            } else if ("div".equals(cmd)) { pos += 4; left = new Expr.Div(left, parseUnary()); }
            else if (startsPrimary()) {
                lastWasIntFrac = false;
                Expr right = parsePower();
                boolean mixed = factors == 1 && startsWithDigit && lastWasIntFrac
                        && left instanceof Expr.Num n && n.integerLiteral() && !n.decimal();
                left = mixed ? new Expr.Add(left, right) : new Expr.Mul(left, right);
            } else return left;
            factors++;
        }
    }

    private boolean startsPrimary() {
        char c = peek();
        if (Character.isLetterOrDigit(c) || c == '(' || c == '{' || c == '.') return true;
        if (c == '\\') {
            String cmd = peekCommand();
            return cmd != null && !cmd.isEmpty() && !cmd.equals("cdot") && !cmd.equals("times") && !cmd.equals("div")
                    && !cmd.equals("ast") && !cmd.equals("pm") && !cmd.equals("mp") && !cmd.equals("cup")
                    && !cmd.equals("cap") && !cmd.equals("le") && !cmd.equals("ge") && !cmd.equals("leq")
                    && !cmd.equals("geq") && !cmd.equals("ne") && !cmd.equals("neq") && !cmd.equals("in");
        }
        return false;
    }

    private Expr parseUnary() {
        skipWs();
        char c = peek();
        if (c == '-') { pos++; return new Expr.Neg(parseUnary()); }
        if (c == '+') { pos++; return parseUnary(); }
        return parsePower();
    }

    private Expr parsePower() {
        Expr base = parsePostfix();
        skipWs();
        if (peek() == '^') {
            pos++;
            Expr exp = parseScriptArg();
            lastWasIntFrac = false;
            return new Expr.Pow(base, exp);
        }
        return base;
    }

    private Expr parseScriptArg() {
        skipWs();
        char c = peek();
        if (c == '{') return parseArg();
        if (c == '-') { pos++; return new Expr.Neg(parseScriptArg()); }
        if (Character.isDigit(c)) {
            // x^10 without braces: read as x^{10} (what the writer meant; LaTeX would render x^1 0)
            int start = pos;
            while (Character.isDigit(peek())) pos++;
            return new Expr.Num(Rational.ofDecimal(s.substring(start, pos)), false, true, 0);
        }
        if (Character.isLetter(c) || c == '\\') return parseArg();
        if (c == '(') return parsePrimary();
        throw new Fail("bad superscript");
    }

    private Expr parsePostfix() {
        Expr e = parsePrimary();
        while (true) {
            skipWs();
            if (peek() == '!') { pos++; e = new Expr.Fact(e); lastWasIntFrac = false; }
            else return e;
        }
    }

    /** A \frac / \sqrt argument: a braced group, or a single character or command (\frac12, \sqrt3). */
    private Expr parseArg() {
        skipWs();
        char c = peek();
        if (c == '{') {
            pos++;
            Expr e = parseExpr();
            skipWs();
            if (peek() != '}') throw new Fail("expected }");
            pos++;
            return e;
        }
        if (Character.isDigit(c)) { pos++; return new Expr.Num(Rational.of(c - '0'), false, true, 0); }
        if (Character.isLetter(c)) { pos++; return letter(c); }
        if (c == '\\') return parsePrimary();
        throw new Fail("bad argument");
    }

    private Expr letter(char c) {
        if (c == 'i') return Expr.Constant.I;
        if (c == 'e') return Expr.Constant.E;
        String name = String.valueOf(c);
        // subscripted variable x_1, a_{n}
        if (peek() == '_') {
            int save = pos;
            pos++;
            if (peek() == '{') {
                int close = s.indexOf('}', pos);
                if (close < 0) throw new Fail("unclosed subscript");
                name = name + "_" + s.substring(pos + 1, close).trim();
                pos = close + 1;
            } else if (Character.isLetterOrDigit(peek())) {
                name = name + "_" + peek();
                pos++;
            } else pos = save;
        }
        return new Expr.Var(name);
    }

    private Expr parsePrimary() {
        skipWs();
        lastWasIntFrac = false;
        char c = peek();
        if (Character.isDigit(c) || (c == '.' && pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1)))) {
            int start = pos;
            while (Character.isDigit(peek())) pos++;
            boolean decimal = false;
            int places = 0;
            if (peek() == '.' && pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1))) {
                decimal = true;
                pos++;
                while (Character.isDigit(peek())) { pos++; places++; }
            }
            if (peek() == '_') throw new Fail("base subscript");
            String lit = s.substring(start, pos);
            Rational v = Rational.ofDecimal(lit);
            // "18.0" is written as a decimal but is exactly an integer; keep the flag for tolerance decisions
            return new Expr.Num(v, decimal, !decimal, places);
        }
        if (c == '(' || c == '[' || c == '{') {
            char close = c == '(' ? ')' : c == '[' ? ']' : '}';
            pos++;
            Expr e = parseExpr();
            skipWs();
            if (peek() != close) throw new Fail("expected " + close);
            pos++;
            return e;
        }
        if (c == '|') {
            pos++;
            Expr e = parseExpr();
            skipWs();
            if (peek() != '|') throw new Fail("expected |");
            pos++;
            return new Expr.Func("abs", e);
        }
        if (Character.isLetter(c)) {
            pos++;
            return letter(c);
        }
        if (c == '\\') {
            String cmd = peekCommand();
            if (cmd == null || cmd.isEmpty()) throw new Fail("bad command");
            pos += cmd.length() + 1;
            switch (cmd) {
                case "frac", "dfrac", "tfrac", "cfrac" -> {
                    Expr a = parseArg(), b = parseArg();
                    lastWasIntFrac = a instanceof Expr.Num na && na.integerLiteral() && b instanceof Expr.Num nb && nb.integerLiteral();
                    return new Expr.Div(a, b);
                }
                case "sqrt" -> {
                    skipWs();
                    Expr index = new Expr.Num(Rational.of(2), false, true, 0);
                    if (peek() == '[') {
                        pos++;
                        index = parseExpr();
                        skipWs();
                        if (peek() != ']') throw new Fail("expected ]");
                        pos++;
                    }
                    return new Expr.Root(index, parseArg());
                }
                case "binom", "dbinom", "tbinom" -> { Expr n = parseArg(), k = parseArg(); return new Expr.Binom(n, k); }
                case "pi" -> { return Expr.Constant.PI; }
                case "infty", "infinity" -> { return Expr.Constant.INFINITY; }
                case "operatorname" -> {
                    skipWs();
                    if (peek() != '{') throw new Fail("operatorname");
                    int close = s.indexOf('}', pos);
                    if (close < 0) throw new Fail("operatorname");
                    String name = s.substring(pos + 1, close).trim();
                    pos = close + 1;
                    if (!FUNCS.contains(name)) throw new Fail("unknown function " + name);
                    return function(name);
                }
                default -> {
                    if (FUNCS.contains(cmd)) return function(cmd);
                    if (GREEK.contains(cmd)) return new Expr.Var("\\" + cmd);
                    throw new Fail("unknown command \\" + cmd);
                }
            }
        }
        throw new Fail("unexpected '" + c + "'");
    }

    /** \sin x, \sin^2 x, \log_2 8, \ln(x): the power binds to the function value. */
    private Expr function(String name) {
        skipWs();
        Expr power = null;
        Expr base = null;
        if (name.equals("log") && peek() == '_') { pos++; base = parseScriptArg(); skipWs(); }
        if (peek() == '^') { pos++; power = parseScriptArg(); skipWs(); }
        if (name.equals("log") && base == null && peek() == '_') { pos++; base = parseScriptArg(); skipWs(); }
        Expr arg = (peek() == '(' || peek() == '{' || peek() == '[') ? parsePrimary() : parsePower();
        Expr f = new Expr.Func(name.equals("log") ? "ln" : name, arg);
        if (base != null) f = new Expr.Div(f, new Expr.Func("ln", base));
        lastWasIntFrac = false;
        return power == null ? f : new Expr.Pow(f, power);
    }
}
