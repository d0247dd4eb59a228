package glmspark.grade;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** A parsed scalar math expression. Evaluated exactly (rationals) where possible, else as complex doubles. */
sealed interface Expr {

    /** A number literal; decimal marks literals written with a decimal point (approximations), places its digits after the point. */
    record Num(Rational value, boolean decimal, boolean integerLiteral, int places) implements Expr {}
    record Var(String name) implements Expr {}
    enum Constant implements Expr { PI, E, I, INFINITY }
    record Neg(Expr a) implements Expr {}
    record Add(Expr a, Expr b) implements Expr {}
    record Sub(Expr a, Expr b) implements Expr {}
    record Mul(Expr a, Expr b) implements Expr {}
    record Div(Expr a, Expr b) implements Expr {}
    record Pow(Expr base, Expr exp) implements Expr {}
    /** n-th root; \sqrt{x} is Root(2, x). */
    record Root(Expr index, Expr arg) implements Expr {}
    record Fact(Expr a) implements Expr {}
    record Binom(Expr n, Expr k) implements Expr {}
    record Func(String name, Expr arg) implements Expr {}

    record Complex(double re, double im) {
        static final Complex NAN = new Complex(Double.NaN, Double.NaN);
        Complex add(Complex o) { return new Complex(re + o.re, im + o.im); }
        Complex sub(Complex o) { return new Complex(re - o.re, im - o.im); }
        Complex mul(Complex o) { return new Complex(re * o.re - im * o.im, re * o.im + im * o.re); }
        Complex div(Complex o) {
            double d = o.re * o.re + o.im * o.im;
            if (d == 0) return NAN;
            return new Complex((re * o.re + im * o.im) / d, (im * o.re - re * o.im) / d);
        }
        double abs() { return Math.hypot(re, im); }
        boolean finite() { return Double.isFinite(re) && Double.isFinite(im); }
        Complex log() { return new Complex(Math.log(abs()), Math.atan2(im, re)); }
        Complex exp() { double m = Math.exp(re); return new Complex(m * Math.cos(im), m * Math.sin(im)); }
        Complex pow(Complex e) {
            if (e.im == 0 && e.re == Math.rint(e.re) && Math.abs(e.re) <= 64) {
                Complex r = new Complex(1, 0), b = this;
                int n = (int) Math.abs(e.re);
                for (int k = 0; k < n; k++) r = r.mul(b);
                return e.re < 0 ? new Complex(1, 0).div(r) : r;
            }
            if (re == 0 && im == 0) return e.re > 0 ? new Complex(0, 0) : NAN;
            // real base, real exponent: stay real where the real power exists (cube root of a negative)
            if (im == 0 && e.im == 0 && re >= 0) return new Complex(Math.pow(re, e.re), 0);
            return e.mul(log()).exp();
        }
    }

    /** The exact rational value, or null when the expression is not (provably) rational. */
    static Rational exact(Expr e) {
        try {
            return exactOrThrow(e);
        } catch (ArithmeticException ex) {
            return null;
        }
    }

    private static Rational exactOrThrow(Expr e) {
        switch (e) {
            case Num n -> { return n.value(); }
            case Neg n -> { Rational a = exactOrThrow(n.a()); return a == null ? null : a.negate(); }
            case Add a -> { Rational x = exactOrThrow(a.a()), y = x == null ? null : exactOrThrow(a.b()); return y == null ? null : x.add(y); }
            case Sub a -> { Rational x = exactOrThrow(a.a()), y = x == null ? null : exactOrThrow(a.b()); return y == null ? null : x.sub(y); }
            case Mul a -> { Rational x = exactOrThrow(a.a()), y = x == null ? null : exactOrThrow(a.b()); return y == null ? null : x.mul(y); }
            case Div a -> {
                Rational x = exactOrThrow(a.a()), y = x == null ? null : exactOrThrow(a.b());
                if (y == null) return null;
                if (y.num().signum() == 0) throw new ArithmeticException("division by zero");
                return x.div(y);
            }
            case Pow p -> {
                Rational b = exactOrThrow(p.base()), x = b == null ? null : exactOrThrow(p.exp());
                if (x == null) return null;
                if (x.isInteger() && x.num().bitLength() < 31) {
                    if (b.num().signum() == 0 && x.num().signum() < 0) throw new ArithmeticException("0^-n");
                    return b.pow(x.num().intValue());
                }
                if (x.equals(new Rational(java.math.BigInteger.ONE, java.math.BigInteger.TWO))) return b.sqrtExact();
                return null;
            }
            case Root r -> {
                Rational idx = exactOrThrow(r.index()), a = idx == null ? null : exactOrThrow(r.arg());
                if (a == null || !idx.equals(Rational.of(2))) return null;
                return a.sqrtExact();
            }
            case Fact f -> {
                Rational a = exactOrThrow(f.a());
                if (a == null || !a.isInteger() || a.num().signum() < 0 || a.num().compareTo(java.math.BigInteger.valueOf(200)) > 0) return null;
                java.math.BigInteger r = java.math.BigInteger.ONE;
                for (int k = 2; k <= a.num().intValue(); k++) r = r.multiply(java.math.BigInteger.valueOf(k));
                return new Rational(r, java.math.BigInteger.ONE);
            }
            case Binom b -> {
                Rational n = exactOrThrow(b.n()), k = n == null ? null : exactOrThrow(b.k());
                if (k == null || !n.isInteger() || !k.isInteger() || n.num().bitLength() > 20 || k.num().signum() < 0) return null;
                int nn = n.num().intValue(), kk = k.num().intValue();
                if (kk > nn || nn < 0) return Rational.ZERO;
                java.math.BigInteger r = java.math.BigInteger.ONE;
                for (int j = 1; j <= kk; j++) r = r.multiply(java.math.BigInteger.valueOf(nn - kk + j)).divide(java.math.BigInteger.valueOf(j));
                return new Rational(r, java.math.BigInteger.ONE);
            }
            default -> { return null; }
        }
    }

    /** Complex-double value with the given variable assignment; NaN parts when undefined. */
    static Complex eval(Expr e, Map<String, Complex> env) {
        switch (e) {
            case Num n -> { return new Complex(n.value().toDouble(), 0); }
            case Var v -> { Complex c = env.get(v.name()); return c == null ? Complex.NAN : c; }
            case Constant c -> {
                return switch (c) {
                    case PI -> new Complex(Math.PI, 0);
                    case E -> new Complex(Math.E, 0);
                    case I -> new Complex(0, 1);
                    case INFINITY -> new Complex(Double.POSITIVE_INFINITY, 0);
                };
            }
            case Neg n -> { Complex a = eval(n.a(), env); return new Complex(-a.re(), -a.im()); }
            case Add a -> { return eval(a.a(), env).add(eval(a.b(), env)); }
            case Sub a -> { return eval(a.a(), env).sub(eval(a.b(), env)); }
            case Mul a -> { return eval(a.a(), env).mul(eval(a.b(), env)); }
            case Div a -> { return eval(a.a(), env).div(eval(a.b(), env)); }
            case Pow p -> { return eval(p.base(), env).pow(eval(p.exp(), env)); }
            case Root r -> {
                Complex idx = eval(r.index(), env), a = eval(r.arg(), env);
                // odd real roots of negative reals stay real, as in school algebra
                if (a.im() == 0 && idx.im() == 0 && a.re() < 0 && idx.re() % 2 == 1) {
                    return new Complex(-Math.pow(-a.re(), 1.0 / idx.re()), 0);
                }
                if (a.im() == 0 && a.re() < 0 && idx.re() == 2 && idx.im() == 0) return new Complex(0, Math.sqrt(-a.re()));
                return a.pow(new Complex(1, 0).div(idx));
            }
            case Fact f -> {
                Complex a = eval(f.a(), env);
                if (a.im() != 0 || a.re() < 0 || a.re() != Math.rint(a.re()) || a.re() > 170) return Complex.NAN;
                double r = 1;
                for (int k = 2; k <= (int) a.re(); k++) r *= k;
                return new Complex(r, 0);
            }
            case Binom b -> {
                Complex n = eval(b.n(), env), k = eval(b.k(), env);
                if (n.im() != 0 || k.im() != 0 || k.re() != Math.rint(k.re()) || k.re() < 0 || k.re() > 1000) return Complex.NAN;
                double r = 1;
                for (int j = 1; j <= (int) k.re(); j++) r = r * (n.re() - k.re() + j) / j;
                return new Complex(r, 0);
            }
            case Func f -> { return applyFunc(f.name(), eval(f.arg(), env)); }
        }
    }

    private static Complex applyFunc(String name, Complex x) {
        if (x.im() != 0) {
            return switch (name) {
                case "exp" -> x.exp();
                case "ln", "log" -> x.log();
                case "abs" -> new Complex(x.abs(), 0);
                default -> Complex.NAN;
            };
        }
        double v = x.re();
        double r = switch (name) {
            case "sin" -> Math.sin(v);
            case "cos" -> Math.cos(v);
            case "tan" -> Math.tan(v);
            case "cot" -> 1 / Math.tan(v);
            case "sec" -> 1 / Math.cos(v);
            case "csc" -> 1 / Math.sin(v);
            case "arcsin" -> Math.asin(v);
            case "arccos" -> Math.acos(v);
            case "arctan" -> Math.atan(v);
            case "sinh" -> Math.sinh(v);
            case "cosh" -> Math.cosh(v);
            case "tanh" -> Math.tanh(v);
            case "exp" -> Math.exp(v);
            case "ln", "log" -> v > 0 ? Math.log(v) : Double.NaN;
            case "log10" -> v > 0 ? Math.log10(v) : Double.NaN;
            case "log2" -> v > 0 ? Math.log(v) / Math.log(2) : Double.NaN;
            case "abs" -> Math.abs(v);
            case "floor" -> Math.floor(v);
            case "ceil" -> Math.ceil(v);
            default -> Double.NaN;
        };
        return new Complex(r, 0);
    }

    static void collectVars(Expr e, Set<String> out) {
        switch (e) {
            case Var v -> out.add(v.name());
            case Neg n -> collectVars(n.a(), out);
            case Add a -> { collectVars(a.a(), out); collectVars(a.b(), out); }
            case Sub a -> { collectVars(a.a(), out); collectVars(a.b(), out); }
            case Mul a -> { collectVars(a.a(), out); collectVars(a.b(), out); }
            case Div a -> { collectVars(a.a(), out); collectVars(a.b(), out); }
            case Pow p -> { collectVars(p.base(), out); collectVars(p.exp(), out); }
            case Root r -> { collectVars(r.index(), out); collectVars(r.arg(), out); }
            case Fact f -> collectVars(f.a(), out);
            case Binom b -> { collectVars(b.n(), out); collectVars(b.k(), out); }
            case Func f -> collectVars(f.arg(), out);
            default -> { }
        }
    }

    /** True when a literal with a decimal point occurs (the value is then an approximation). */
    static boolean hasDecimal(Expr e) {
        return switch (e) {
            case Num n -> n.decimal();
            case Neg n -> hasDecimal(n.a());
            case Add a -> hasDecimal(a.a()) || hasDecimal(a.b());
            case Sub a -> hasDecimal(a.a()) || hasDecimal(a.b());
            case Mul a -> hasDecimal(a.a()) || hasDecimal(a.b());
            case Div a -> hasDecimal(a.a()) || hasDecimal(a.b());
            case Pow p -> hasDecimal(p.base()) || hasDecimal(p.exp());
            case Root r -> hasDecimal(r.index()) || hasDecimal(r.arg());
            case Fact f -> hasDecimal(f.a());
            case Binom b -> hasDecimal(b.n()) || hasDecimal(b.k());
            case Func f -> hasDecimal(f.arg());
            default -> false;
        };
    }

    /** The most digits after a decimal point among the literals (0 when none). */
    static int decimalPlaces(Expr e) {
        return switch (e) {
            case Num n -> n.places();
            case Neg n -> decimalPlaces(n.a());
            case Add a -> Math.max(decimalPlaces(a.a()), decimalPlaces(a.b()));
            case Sub a -> Math.max(decimalPlaces(a.a()), decimalPlaces(a.b()));
            case Mul a -> Math.max(decimalPlaces(a.a()), decimalPlaces(a.b()));
            case Div a -> Math.max(decimalPlaces(a.a()), decimalPlaces(a.b()));
            default -> 0;
        };
    }

    static boolean hasInfinity(Expr e) {
        return switch (e) {
            case Constant c -> c == Constant.INFINITY;
            case Neg n -> hasInfinity(n.a());
            case Add a -> hasInfinity(a.a()) || hasInfinity(a.b());
            case Sub a -> hasInfinity(a.a()) || hasInfinity(a.b());
            case Mul a -> hasInfinity(a.a()) || hasInfinity(a.b());
            case Div a -> hasInfinity(a.a()) || hasInfinity(a.b());
            case Pow p -> hasInfinity(p.base()) || hasInfinity(p.exp());
            default -> false;
        };
    }

    /** Signed infinity written as \infty, +\infty or -\infty; 0 otherwise. */
    static int infinitySign(Expr e) {
        return switch (e) {
            case Constant c when c == Constant.INFINITY -> 1;
            case Neg n -> -infinitySign(n.a());
            default -> 0;
        };
    }

    static List<String> functionNames() {
        return List.of("sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                "exp", "ln", "log");
    }
}
