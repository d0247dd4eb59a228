package glmspark.grade;

import java.math.BigDecimal;
import java.math.BigInteger;

/** An exact fraction num/den in lowest terms with den > 0. Used to compare rational answers without rounding. */
record Rational(BigInteger num, BigInteger den) {

    static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
    static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

    Rational {
        if (den.signum() == 0) throw new ArithmeticException("zero denominator");
        if (den.signum() < 0) { num = num.negate(); den = den.negate(); }
        BigInteger g = num.gcd(den);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) { num = num.divide(g); den = den.divide(g); }
    }

    static Rational of(long n) { return new Rational(BigInteger.valueOf(n), BigInteger.ONE); }

    /** Parses a plain decimal literal such as "12", "3.50" or ".5" exactly. */
    static Rational ofDecimal(String s) {
        BigDecimal d = new BigDecimal(s.startsWith(".") ? "0" + s : s);
        if (d.scale() <= 0) return new Rational(d.toBigIntegerExact(), BigInteger.ONE);
        return new Rational(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
    }

    boolean isInteger() { return den.equals(BigInteger.ONE); }

    Rational add(Rational o) { return new Rational(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den)); }
    Rational sub(Rational o) { return add(o.negate()); }
    Rational mul(Rational o) { return new Rational(num.multiply(o.num), den.multiply(o.den)); }
    Rational div(Rational o) { return new Rational(num.multiply(o.den), den.multiply(o.num)); }
    Rational negate() { return new Rational(num.negate(), den); }

    /** this^e for an integer exponent; null when the result would be unreasonably large. */
    Rational pow(int e) {
        if (e == 0) return ONE;
        long bits = (long) Math.max(num.bitLength(), den.bitLength()) * Math.abs(e);
        if (bits > 100_000) return null;
        Rational r = new Rational(num.pow(Math.abs(e)), den.pow(Math.abs(e)));
        return e > 0 ? r : (r.num.signum() == 0 ? null : ONE.div(r));
    }

    /** The exact square root when both parts are perfect squares, else null. */
    Rational sqrtExact() {
        if (num.signum() < 0) return null;
        BigInteger a = num.sqrt(), b = den.sqrt();
        if (a.multiply(a).equals(num) && b.multiply(b).equals(den)) return new Rational(a, b);
        return null;
    }

    double toDouble() { return new BigDecimal(num).divide(new BigDecimal(den), java.math.MathContext.DECIMAL64).doubleValue(); }

    @Override public String toString() { return isInteger() ? num.toString() : num + "/" + den; }
}
