package glmspark.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} output format, byte for byte, for the values a chat template sees (maps, lists,
 * strings, numbers, booleans, null). transformers' {@code tojson} filter is
 * {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}, so its defaults are
 * the ones used here.
 *
 * <p>Python rules reproduced: separators default to {@code (", ", ": ")} without indent and to
 * {@code (",", ": ")} with indent; indent n inserts a newline and n spaces per level (0 gives bare newlines,
 * a string indent is used as is); empty containers are {@code []} / {@code {}}; floats use Python's repr
 * (shortest round-trip digits, exponent form below 1e-4 and from 1e16, {@code NaN}/{@code Infinity});
 * strings escape {@code " \ \n \r \t \b \f} and other control characters as {@code \\u00XX}, and with
 * ensure_ascii every character outside space..~ as {@code \\uXXXX} (UTF-16 units, lowercase hex).
 */
public final class PythonJson {

    private final boolean ensureAscii;
    private final String indent;      // null: single line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    public PythonJson(boolean ensureAscii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : (indent != null ? "," : ", ");
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    /** json.dumps(value) with ensure_ascii=True and no indent, as Python's defaults. */
    public static String dumps(Object value) {
        return new PythonJson(true, null, null, null, false).write(value);
    }

    public String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, 0, 0);
        return out.toString();
    }

    private void write(Object value, StringBuilder out, int level, int depth) {
        if (depth > 1000) throw new IllegalArgumentException("tojson: value nested more than 1000 levels (circular?)");
        value = unwrap(value);
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence s) {
            writeString(s.toString(), out);
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Number n) {
            out.append(number(n));
        } else if (value instanceof Map<?, ?> map) {
            writeMap(map, out, level, depth);
        } else if (value instanceof Collection<?> c) {
            writeList(new ArrayList<>(c), out, level, depth);
        } else if (value instanceof Object[] array) {
            writeList(List.of(array), out, level, depth);
        } else if (value instanceof Character c) {
            writeString(c.toString(), out);
        } else {
            throw new IllegalArgumentException("tojson: object of type " + value.getClass().getSimpleName()
                    + " is not JSON serializable");
        }
    }

    /** Jinjava wraps strings marked safe; its Namespace is a map. */
    private static Object unwrap(Object value) {
        if (value instanceof com.hubspot.jinjava.objects.SafeString s) return s.toString();
        return value;
    }

    private void writeMap(Map<?, ?> map, StringBuilder out, int level, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>(map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) entries.add(Map.entry(key(e.getKey()), nullable(e.getValue())));
        if (sortKeys) entries.sort((a, b) -> compareCodePoints(a.getKey(), b.getKey()));
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : entries) {
            if (!first) out.append(itemSeparator);
            first = false;
            newline(out, level + 1);
            writeString(e.getKey(), out);
            out.append(keySeparator);
            write(e.getValue() == NULL ? null : e.getValue(), out, level + 1, depth + 1);
        }
        newline(out, level);
        out.append('}');
    }

    private static final Object NULL = new Object();

    private static Object nullable(Object v) {
        return v == null ? NULL : v;
    }

    private void writeList(List<?> list, StringBuilder out, int level, int depth) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) out.append(itemSeparator);
            newline(out, level + 1);
            write(list.get(i), out, level + 1, depth + 1);
        }
        newline(out, level);
        out.append(']');
    }

    private void newline(StringBuilder out, int level) {
        if (indent == null) return;
        out.append('\n');
        for (int i = 0; i < level; i++) out.append(indent);
    }

    /** Python converts str, int, float, bool and None keys; anything else is a TypeError. */
    private static String key(Object k) {
        k = unwrap(k);
        if (k instanceof CharSequence s) return s.toString();
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (k instanceof Number n) return number(n);
        throw new IllegalArgumentException("tojson: keys must be str, int, float, bool or None, not "
                + k.getClass().getSimpleName());
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    static String number(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) {
            return n.toString();
        }
        if (n instanceof BigDecimal bd) return floatRepr(bd.doubleValue());
        return floatRepr(n.doubleValue());
    }

    /** Python's repr(float): shortest round-trip digits; scientific when the exponent is < -4 or >= 16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        // Double.toString gives the shortest digits that round-trip (JDK 19+); re-lay them out Python's way.
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exponent = digits.length() - 1 - bd.scale(); // value = d.ddd * 10^exponent
        StringBuilder s = new StringBuilder();
        if (d < 0) s.append('-');
        if (exponent < -4 || exponent >= 16) {
            s.append(digits.charAt(0));
            if (digits.length() > 1) s.append('.').append(digits, 1, digits.length());
            s.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            if (e < 10) s.append('0');
            s.append(e);
        } else if (exponent < 0) {
            s.append("0.");
            for (int i = -1; i > exponent; i--) s.append('0');
            s.append(digits);
        } else if (digits.length() <= exponent + 1) {
            s.append(digits);
            for (int i = digits.length(); i <= exponent; i++) s.append('0');
            s.append(".0");
        } else {
            s.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
        return s.toString();
    }

    private void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append("\\u");
                        String hex = Integer.toHexString(c);
                        for (int k = hex.length(); k < 4; k++) out.append('0');
                        out.append(hex);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
