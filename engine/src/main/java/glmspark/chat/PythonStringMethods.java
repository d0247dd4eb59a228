package glmspark.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} methods on strings inside templates. Without this, Jinjava would call Java's
 * {@code String} methods, which differ where it matters: Java's {@code split} takes a regex and drops trailing
 * empty strings ({@code "a</think>".split("</think>")[-1]} must be {@code ""}, not {@code "a"}), and Java's
 * {@code strip} does not treat U+00A0 / U+0085 as whitespace as Python does.
 * Only the methods below are intercepted; any other call on a string is left to Jinjava.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name)) return null;
        Object[] a = params == null ? new Object[0] : params;
        Object result;
        switch (name) {
            case "split" -> result = split(s, str(arg(a, 0), name), integer(arg(a, 1), -1, name));
            case "rsplit" -> result = rsplit(s, str(arg(a, 0), name), integer(arg(a, 1), -1, name));
            case "strip" -> result = strip(s, str(arg(a, 0), name), true, true);
            case "lstrip" -> result = strip(s, str(arg(a, 0), name), true, false);
            case "rstrip" -> result = strip(s, str(arg(a, 0), name), false, true);
            case "startswith" -> result = affix(s, arg(a, 0), true, name);
            case "endswith" -> result = affix(s, arg(a, 0), false, name);
            case "replace" -> result = replace(s, requireStr(arg(a, 0), name), requireStr(arg(a, 1), name),
                    integer(arg(a, 2), -1, name));
            case "lower" -> result = s.toLowerCase(Locale.ROOT);
            case "upper" -> result = s.toUpperCase(Locale.ROOT);
            case "capitalize" -> result = s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "title" -> result = title(s);
            case "find" -> result = (long) s.indexOf(requireStr(arg(a, 0), name));
            case "rfind" -> result = (long) s.lastIndexOf(requireStr(arg(a, 0), name));
            case "count" -> result = (long) count(s, requireStr(arg(a, 0), name));
            case "join" -> result = join(s, arg(a, 0));
            case "splitlines" -> result = splitlines(s);
            case "isspace" -> result = !s.isEmpty() && s.codePoints().allMatch(PythonStringMethods::isSpace);
            case "isdigit" -> result = !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> result = !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            default -> {
                return null; // not ours: Jinjava's resolver handles it
            }
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static final String LINE_BREAKS = "\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029";

    /** Python's str.splitlines(): splits on any line boundary, no empty string after a final break. */
    static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0, i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (LINE_BREAKS.indexOf(c) >= 0) {
                out.add(s.substring(start, i));
                i += (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    private static Object arg(Object[] a, int i) {
        return i < a.length ? a[i] : null;
    }

    private static String str(Object o, String method) {
        if (o == null) return null;
        if (o instanceof CharSequence cs) return cs.toString();
        throw new IllegalArgumentException("str." + method + "(): expected a string argument, got "
                + o.getClass().getSimpleName());
    }

    private static String requireStr(Object o, String method) {
        String s = str(o, method);
        if (s == null) throw new IllegalArgumentException("str." + method + "(): missing string argument");
        return s;
    }

    private static int integer(Object o, int absent, String method) {
        if (o == null) return absent;
        if (o instanceof Number n) return n.intValue();
        throw new IllegalArgumentException("str." + method + "(): expected an integer argument, got "
                + o.getClass().getSimpleName());
    }

    /** Python's str.isspace for one code point: Java's whitespace plus the no-break spaces and NEL. */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || c == 0x00A0 || c == 0x2007 || c == 0x202F || c == 0x0085;
    }

    static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    int end = n;
                    while (end > i && isSpace(s.charAt(end - 1))) end--;
                    out.add(s.substring(i, end));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("str.split(): empty separator");
        int start = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, start);
            if (at < 0) break;
            out.add(s.substring(start, at));
            start = at + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    static List<String> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0) return split(s, sep, -1);
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int end = s.length();
            while (true) {
                while (end > 0 && isSpace(s.charAt(end - 1))) end--;
                if (end == 0) break;
                if (out.size() == maxSplit) {
                    int begin = 0;
                    while (begin < end && isSpace(s.charAt(begin))) begin++;
                    out.add(0, s.substring(begin, end));
                    break;
                }
                int j = end;
                while (j > 0 && !isSpace(s.charAt(j - 1))) j--;
                out.add(0, s.substring(j, end));
                end = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("str.rsplit(): empty separator");
        int end = s.length();
        while (out.size() < maxSplit) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0 || end - sep.length() < 0) break;
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int begin = 0, end = s.length();
        if (left) while (begin < end && stripped(s.charAt(begin), chars)) begin++;
        if (right) while (end > begin && stripped(s.charAt(end - 1), chars)) end--;
        return s.substring(begin, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    private static boolean affix(String s, Object what, boolean prefix, String method) {
        if (what instanceof Collection<?> options) { // Python accepts a tuple of prefixes
            for (Object o : options) if (affix(s, o, prefix, method)) return true;
            return false;
        }
        String p = requireStr(what, method);
        return prefix ? s.startsWith(p) : s.endsWith(p);
    }

    private static String replace(String s, String old, String replacement, int count) {
        int limit = count < 0 ? Integer.MAX_VALUE : count;
        StringBuilder b = new StringBuilder();
        int done = 0;
        if (old.isEmpty()) { // Python inserts the replacement before every character and at the end
            for (int i = 0; i <= s.length(); i++) {
                if (done < limit) {
                    b.append(replacement);
                    done++;
                }
                if (i < s.length()) b.append(s.charAt(i));
            }
            return b.toString();
        }
        int start = 0;
        while (done < limit) {
            int at = s.indexOf(old, start);
            if (at < 0) break;
            b.append(s, start, at).append(replacement);
            start = at + old.length();
            done++;
        }
        return b.append(s, start, s.length()).toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1;
        int n = 0, at = 0;
        while ((at = s.indexOf(sub, at)) >= 0) {
            n++;
            at += sub.length();
        }
        return n;
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousCased = Character.isLetter(c);
        }
        return b.toString();
    }

    private static String join(String sep, Object iterable) {
        if (iterable == null) throw new IllegalArgumentException("str.join(): missing argument");
        Iterator<?> it;
        if (iterable instanceof Iterable<?> i) it = i.iterator();
        else if (iterable instanceof Object[] arr) it = List.of(arr).iterator();
        else if (iterable instanceof String str) it = str.codePoints().mapToObj(Character::toString).iterator();
        else throw new IllegalArgumentException("str.join(): can only join an iterable, got "
                    + iterable.getClass().getSimpleName());
        StringBuilder b = new StringBuilder();
        boolean first = true;
        while (it.hasNext()) {
            Object o = it.next();
            if (!(o instanceof CharSequence)) throw new IllegalArgumentException(
                    "str.join(): sequence item must be a string, got " + (o == null ? "None" : o.getClass().getSimpleName()));
            if (!first) b.append(sep);
            first = false;
            b.append(o);
        }
        return b.toString();
    }

    /** s[i] with Python's negative indices; other property access is not ours. */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (!(base instanceof String s)) return null;
        Integer index = null;
        if (property instanceof Number n && (n instanceof Integer || n instanceof Long)) index = n.intValue();
        else if (property instanceof String p && p.matches("-?\\d{1,9}")) index = Integer.parseInt(p);
        if (index == null) return null;
        int i = index < 0 ? index + s.length() : index;
        if (i < 0 || i >= s.length()) throw new IndexOutOfBoundsException("string index out of range: " + index);
        context.setPropertyResolved(true);
        return String.valueOf(s.charAt(i));
    }

    @Override public Class<?> getType(ELContext context, Object base, Object property) { return null; }
    @Override public void setValue(ELContext context, Object base, Object property, Object value) { }
    @Override public boolean isReadOnly(ELContext context, Object base, Object property) { return true; }
    @Override public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) { return null; }
    @Override public Class<?> getCommonPropertyType(ELContext context, Object base) { return null; }
}
