package glmspark.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a Hugging Face tokenizer regex (Oniguruma, Ruby syntax, as the {@code tokenizers} crate uses it) to
 * {@link java.util.regex.Pattern} with the same meaning.
 *
 * <p>Dialect differences handled:
 * <ul>
 * <li>{@code \s \S \w \d \b} are Unicode in Oniguruma (UTF-8 encoding): {@code UNICODE_CHARACTER_CLASS} gives Java
 *     the same (White_Space, Alphabetic+marks+digits+connectors, Nd); it also makes {@code (?i)} Unicode-aware.</li>
 * <li>{@code ^ $} are always line anchors in Ruby syntax, and only {@code \n} ends a line: MULTILINE | UNIX_LINES
 *     (UNIX_LINES also makes {@code .} exclude only {@code \n}, as in Ruby).</li>
 * <li>Ruby's inline option {@code m} means dot-all: rewritten to Java's {@code s}.</li>
 * <li>{@code \h \H} are hex digits in Oniguruma (horizontal space in Java).</li>
 * <li>{@code \p{Han}}-style script names need Java's {@code Is} prefix; {@code \p{^X}} is {@code \P{X}};
 *     POSIX brackets {@code [:alpha:]} inside a class become {@code \p{Alpha}}.</li>
 * </ul>
 * Possessive quantifiers, atomic groups and lookaround have the same syntax in both.
 */
final class OnigRegex {
    static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.MULTILINE | Pattern.UNIX_LINES;

    private OnigRegex() {
    }

    static Pattern compile(String onig) {
        String java = translate(onig);
        return Pattern.compile(java, FLAGS);
    }

    static String translate(String re) {
        StringBuilder out = new StringBuilder(re.length() + 16);
        int classDepth = 0;
        int i = 0;
        int n = re.length();
        while (i < n) {
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < n) {
                char e = re.charAt(i + 1);
                if (e == 'h' || e == 'H') {
                    if (classDepth > 0 && e == 'H') {
                        throw new PatternSyntaxException("\\H inside a character class is not supported", re, i);
                    }
                    out.append(classDepth > 0 ? "0-9a-fA-F" : (e == 'h' ? "[0-9a-fA-F]" : "[^0-9a-fA-F]"));
                    i += 2;
                } else if ((e == 'p' || e == 'P') && i + 2 < n && re.charAt(i + 2) == '{') {
                    int close = re.indexOf('}', i + 3);
                    if (close < 0) throw new PatternSyntaxException("unclosed \\p{", re, i);
                    String name = re.substring(i + 3, close);
                    boolean negate = e == 'P';
                    if (name.startsWith("^")) {
                        negate = !negate;
                        name = name.substring(1);
                    }
                    out.append(property(name, negate, re, i));
                    i = close + 1;
                } else {
                    out.append(c).append(e);
                    i += 2;
                }
            } else if (c == '[') {
                if (classDepth > 0 && re.startsWith("[:", i)) {
                    int close = re.indexOf(":]", i + 2);
                    if (close < 0) throw new PatternSyntaxException("unclosed POSIX bracket", re, i);
                    String name = re.substring(i + 2, close);
                    boolean negate = name.startsWith("^");
                    if (negate) name = name.substring(1);
                    if (name.isEmpty()) throw new PatternSyntaxException("empty POSIX bracket [::]", re, i);
                    String javaName = Character.toUpperCase(name.charAt(0)) + name.substring(1);
                    out.append(negate ? "\\P{" : "\\p{").append(javaName).append('}');
                    i = close + 2;
                    continue;
                }
                classDepth++;
                out.append(c);
                i++;
                // A ']' right after '[' or '[^' is a literal in both dialects.
                if (i < n && re.charAt(i) == '^') {
                    out.append('^');
                    i++;
                }
                if (i < n && re.charAt(i) == ']') {
                    out.append("\\]");
                    i++;
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
                i++;
            } else if (c == '(' && classDepth == 0 && i + 1 < n && re.charAt(i + 1) == '?') {
                // Inline options: (?imx-imx) or (?imx-imx:...). Ruby's m is Java's s.
                int j = i + 2;
                while (j < n && "imx-".indexOf(re.charAt(j)) >= 0) j++;
                if (j > i + 2 && j < n && (re.charAt(j) == ')' || re.charAt(j) == ':')) {
                    out.append("(?").append(re.substring(i + 2, j).replace('m', 's'));
                    i = j;
                } else {
                    out.append(c);
                    i++;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String property(String name, boolean negate, String re, int at) {
        String p = negate ? "\\P{" : "\\p{";
        for (String candidate : new String[] {name, "Is" + name}) {
            String attempt = p + candidate + "}";
            try {
                Pattern.compile(attempt, FLAGS);
                return attempt;
            } catch (PatternSyntaxException ignored) {
                // try the next spelling
            }
        }
        throw new PatternSyntaxException("unknown Unicode property \\p{" + name + "}", re, at);
    }
}
