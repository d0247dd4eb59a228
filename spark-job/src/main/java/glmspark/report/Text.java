package glmspark.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Escaping and number formatting shared by the Markdown and HTML writers. Non-finite numbers print as a dash, never NaN. */
final class Text {

    static final String DASH = "\u2014";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Text() { }

    /** Escapes text for HTML element content and quoted attribute values (also valid inside inline SVG). */
    static String html(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // control characters other than tab / newline are not allowed in HTML text
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') b.append('\uFFFD');
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    /**
     * Escapes text for one Markdown table cell: one line, no pipe, no Markdown emphasis or links, and no raw HTML
     * (Markdown renderers pass HTML through, so ids and answers from users must not reach them as tags).
     */
    static String md(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '|' -> b.append("\\|");
                case '\n', '\r', '\t' -> b.append(' ');
                case '\\', '`', '*', '_', '[', ']', '#', '~' -> b.append('\\').append(c);
                default -> b.append(c < 0x20 ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /** A fraction in [0,1] as a percentage with one decimal: 0.7667 -> "76.7". */
    static String pct(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.1f", fraction * 100) : DASH;
    }

    /** A number with the given decimals and thousands separators. */
    static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%,." + decimals + "f", v) : DASH;
    }

    /** A signed difference in percentage points: "+1.2" / "-3.4". */
    static String signed(double v) {
        if (!Double.isFinite(v)) return DASH;
        String s = String.format(Locale.ROOT, "%+.1f", v);
        return s.equals("-0.0") ? "+0.0" : s;
    }

    /** Axis labels: 0, 250, 1.5k, 12k, 1.2M. */
    static String compact(double v) {
        if (!Double.isFinite(v)) return DASH;
        double a = Math.abs(v);
        if (a >= 1e6) return trim(String.format(Locale.ROOT, "%.1f", v / 1e6)) + "M";
        if (a >= 1e3) return trim(String.format(Locale.ROOT, "%.1f", v / 1e3)) + "k";
        if (a == Math.rint(a)) return String.format(Locale.ROOT, "%.0f", v);
        return trim(String.format(Locale.ROOT, "%.2f", v));
    }

    private static String trim(String s) {
        if (!s.contains(".")) return s;
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    static String time(long epochMillis) {
        return epochMillis > 0 ? TIME.format(Instant.ofEpochMilli(epochMillis)) : DASH;
    }

    /** A duration as "1 h 02 min 03 s", "4 min 05 s" or "12.3 s". */
    static String duration(long millis) {
        if (millis < 0) return DASH;
        if (millis < 60_000) return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        long s = millis / 1000, h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d h %02d min %02d s", h, m, sec) : String.format(Locale.ROOT, "%d min %02d s", m, sec);
    }

    /** A round bucket width: "15 s", "2 min", "1 h". */
    static String bucket(long millis) {
        if (millis % 3_600_000 == 0) return millis / 3_600_000 + " h";
        if (millis % 60_000 == 0) return millis / 60_000 + " min";
        if (millis % 1000 == 0) return millis / 1000 + " s";
        return duration(millis);
    }

    /** Elapsed time for axis ticks: "45s" (short spans), else "0:45", "12:30", "1:02:00". */
    static String clock(long seconds, boolean minutes) {
        if (!minutes) return seconds + "s";
        long h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }

    /** At most max characters, with an ellipsis when cut. */
    static String cut(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + "\u2026";
    }
}
