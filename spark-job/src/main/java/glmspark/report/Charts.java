package glmspark.report;

import java.util.List;
import java.util.Locale;

/**
 * Small inline-SVG charts for the HTML report: no scripts, no external fonts, text inherits the page font.
 * Every chart is an svg.chart with a title and desc (screen readers announce them), labelled axes, and
 * Okabe-Ito colours, which stay distinguishable with the common colour-vision deficiencies.
 */
final class Charts {

    static final String BLUE = "#0072B2", ORANGE = "#E69F00", SKY = "#56B4E9", GREEN = "#009E73",
            VERMILLION = "#D55E00", PURPLE = "#CC79A7", GREY = "#8C8C8C", INK = "#222222", GRID = "#E3E3E3", AXIS = "#666666";

    static final int WIDTH = 760;

    private Charts() { }

    /** One horizontal bar: a percentage with an optional interval and reference marker (NaN = absent). */
    record Bar(String label, double value, double low, double high, double reference, String detail) {}

    // ---------------------------------------------------------------------------------------------------------
    // horizontal bars with whiskers (accuracy, 0..100 %)

    static String hbars(String id, String title, String desc, List<Bar> bars, String axisLabel, String referenceLegend) {
        int maxLabel = 4;
        for (Bar b : bars) maxLabel = Math.max(maxLabel, Text.cut(b.label(), 34).length());
        boolean anyRef = false;
        for (Bar b : bars) anyRef |= Double.isFinite(b.reference());
        int left = Math.min(250, Math.max(70, maxLabel * 7 + 16)), right = 56, top = 34, rowH = 26, barH = 16;
        int pw = WIDTH - left - right, ph = Math.max(1, bars.size()) * rowH;
        int height = top + ph + 46;
        StringBuilder s = open(id, title, desc, height);
        // legend
        rect(s, left, 8, 14, 12, BLUE);
        text(s, left + 20, 18, "start", "pass@1");
        line(s, left + 80, 14, left + 100, 14, INK, 1.5);
        line(s, left + 80, 9, left + 80, 19, INK, 1.5);
        line(s, left + 100, 9, left + 100, 19, INK, 1.5);
        text(s, left + 106, 18, "start", "95% bootstrap interval");
        if (anyRef) {
            diamond(s, left + 270, 14, 6);
            text(s, left + 282, 18, "start", referenceLegend);
        }
        // grid and x axis (percent)
        for (int t = 0; t <= 100; t += 10) {
            double x = left + pw * t / 100.0;
            line(s, x, top, x, top + ph, t == 0 ? AXIS : GRID, 1);
            if (t % 20 == 0) text(s, x, top + ph + 16, "middle", t + "");
        }
        text(s, left + pw / 2.0, top + ph + 36, "middle", axisLabel);
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            double cy = top + i * rowH + rowH / 2.0;
            s.append("<g><title>").append(Text.html(b.label() + ": " + b.detail())).append("</title>");
            text(s, left - 8, cy + 4, "end", Text.cut(b.label(), 34));
            double v = clamp(b.value(), 0, 100);
            if (Double.isFinite(v) && v > 0) rect(s, left, cy - barH / 2.0, pw * v / 100.0, barH, BLUE);
            if (Double.isFinite(b.low()) && Double.isFinite(b.high())) {
                double x1 = left + pw * clamp(b.low(), 0, 100) / 100.0, x2 = left + pw * clamp(b.high(), 0, 100) / 100.0;
                line(s, x1, cy, x2, cy, INK, 1.5);
                line(s, x1, cy - 5, x1, cy + 5, INK, 1.5);
                line(s, x2, cy - 5, x2, cy + 5, INK, 1.5);
            }
            if (Double.isFinite(b.reference())) {
                double xr = left + pw * clamp(b.reference(), 0, 100) / 100.0;
                diamond(s, xr, cy, 6);
            }
            // values in a fixed column right of the plot, so none sits next to a published marker
            text(s, left + pw + 10, cy + 4, "start", Double.isFinite(b.value()) ? String.format(Locale.ROOT, "%.1f", b.value()) : Text.DASH);
            s.append("</g>");
        }
        return s.append("</svg>").toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // vertical columns, one per category (finish reasons)

    static String columns(String id, String title, String desc, List<String> labels, double[] values, String[] colours,
                          String xLabel, String yLabel) {
        int left = 62, right = 16, top = 16, ph = 190;
        int pw = WIDTH - left - right, height = top + ph + 52;
        double max = 0;
        for (double v : values) if (Double.isFinite(v)) max = Math.max(max, v);
        double step = niceStep(max, 5, true), yMax = Math.max(step, Math.ceil(max / step) * step);
        StringBuilder s = open(id, title, desc, height);
        yAxis(s, left, top, pw, ph, yMax, step, yLabel);
        int n = Math.max(1, labels.size());
        double slot = (double) pw / n, bw = Math.min(90, slot * 0.6);
        for (int i = 0; i < labels.size(); i++) {
            double v = Double.isFinite(values[i]) ? values[i] : 0;
            double cx = left + slot * (i + 0.5), h = ph * v / yMax;
            s.append("<g><title>").append(Text.html(labels.get(i) + ": " + Text.compact(v))).append("</title>");
            if (h > 0) rect(s, cx - bw / 2, top + ph - h, bw, h, colours[i % colours.length]);
            text(s, cx, top + ph - h - 5, "middle", Text.num(v, 0));
            text(s, cx, top + ph + 16, "middle", Text.cut(labels.get(i), 18));
            s.append("</g>");
        }
        text(s, left + pw / 2.0, top + ph + 40, "middle", xLabel);
        return s.append("</svg>").toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // stacked histogram over equal-width bins starting at 0 (reasoning length)

    static String histogram(String id, String title, String desc, double binWidth, int[][] counts, String[] seriesNames,
                            String[] colours, String xLabel, String yLabel) {
        int left = 62, right = 16, top = 30, ph = 190;
        int pw = WIDTH - left - right, height = top + ph + 52;
        int bins = counts[0].length;
        double max = 0;
        for (int b = 0; b < bins; b++) {
            int sum = 0;
            for (int[] series : counts) sum += series[b];
            max = Math.max(max, sum);
        }
        double step = niceStep(max, 5, true), yMax = Math.max(step, Math.ceil(max / step) * step);
        StringBuilder s = open(id, title, desc, height);
        double lx = left;
        for (int k = 0; k < seriesNames.length; k++) {
            rect(s, lx, 8, 14, 12, colours[k]);
            text(s, lx + 20, 18, "start", seriesNames[k]);
            lx += 30 + 7 * seriesNames[k].length();
        }
        yAxis(s, left, top, pw, ph, yMax, step, yLabel);
        double bw = (double) pw / Math.max(1, bins);
        for (int b = 0; b < bins; b++) {
            double y = top + ph;
            StringBuilder tip = new StringBuilder(Text.compact(b * binWidth) + "\u2013" + Text.compact((b + 1) * binWidth) + " tokens:");
            for (int k = 0; k < counts.length; k++) tip.append(' ').append(seriesNames[k]).append(' ').append(counts[k][b]);
            s.append("<g><title>").append(Text.html(tip.toString())).append("</title>");
            for (int k = 0; k < counts.length; k++) {
                double h = ph * counts[k][b] / yMax;
                if (h > 0) rect(s, left + b * bw + 0.5, y - h, Math.max(0.5, bw - 1), h, colours[k]);
                y -= h;
            }
            s.append("</g>");
        }
        // label bin edges, thinned to at most ~10 labels
        int every = Math.max(1, (int) Math.ceil(bins / 10.0));
        for (int b = 0; b <= bins; b += every) {
            double x = left + b * bw;
            line(s, x, top + ph, x, top + ph + 4, AXIS, 1);
            text(s, x, top + ph + 16, "middle", Text.compact(b * binWidth));
        }
        text(s, left + pw / 2.0, top + ph + 40, "middle", xLabel);
        return s.append("</svg>").toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // line over elapsed time (throughput)

    static String timeLine(String id, String title, String desc, double[] xSeconds, double[] y, String xLabel, String yLabel) {
        int left = 62, right = 20, top = 16, ph = 200;
        int pw = WIDTH - left - right, height = top + ph + 52;
        double xMax = 1, max = 0;
        for (double x : xSeconds) xMax = Math.max(xMax, x);
        for (double v : y) if (Double.isFinite(v)) max = Math.max(max, v);
        double step = niceStep(max, 5, false), yMax = Math.max(step, Math.ceil(max / step) * step);
        StringBuilder s = open(id, title, desc, height);
        yAxis(s, left, top, pw, ph, yMax, step, yLabel);
        long tStep = timeStep(xMax);
        for (long t = 0; t <= xMax + 1e-9; t += tStep) {
            double x = left + pw * t / xMax;
            line(s, x, top + ph, x, top + ph + 4, AXIS, 1);
            text(s, x, top + ph + 16, "middle", Text.clock(t, tStep >= 60));
        }
        text(s, left + pw / 2.0, top + ph + 40, "middle", xLabel);
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < y.length; i++) {
            double v = Double.isFinite(y[i]) ? y[i] : 0;
            pts.append(f(left + pw * xSeconds[i] / xMax)).append(',').append(f(top + ph - ph * v / yMax)).append(' ');
        }
        if (y.length > 1) {
            String area = f(left + pw * xSeconds[0] / xMax) + "," + f(top + ph) + " " + pts + f(left + pw * xSeconds[y.length - 1] / xMax) + "," + f(top + ph);
            s.append("<polygon points=\"").append(area).append("\" fill=\"").append(SKY).append("\" fill-opacity=\"0.35\"/>");
            s.append("<polyline points=\"").append(pts.toString().strip()).append("\" fill=\"none\" stroke=\"").append(BLUE)
                    .append("\" stroke-width=\"2\" stroke-linejoin=\"round\"/>");
        }
        if (y.length <= 40) {
            for (int i = 0; i < y.length; i++) {
                double v = Double.isFinite(y[i]) ? y[i] : 0;
                s.append("<circle cx=\"").append(f(left + pw * xSeconds[i] / xMax)).append("\" cy=\"").append(f(top + ph - ph * v / yMax))
                        .append("\" r=\"3\" fill=\"").append(BLUE).append("\"><title>").append(Text.html(Text.clock((long) xSeconds[i], true) + ": " + Text.num(v, 1) + " tokens/s"))
                        .append("</title></circle>");
            }
        }
        return s.append("</svg>").toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    private static StringBuilder open(String id, String title, String desc, int height) {
        StringBuilder s = new StringBuilder(4096);
        s.append("<svg class=\"chart\" id=\"").append(Text.html(id)).append("\" role=\"img\" aria-labelledby=\"")
                .append(Text.html(id)).append("-t ").append(Text.html(id)).append("-d\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" width=\"").append(WIDTH).append("\" height=\"").append(height).append("\" font-size=\"12\" fill=\"").append(INK).append("\">");
        s.append("<title id=\"").append(Text.html(id)).append("-t\">").append(Text.html(title)).append("</title>");
        s.append("<desc id=\"").append(Text.html(id)).append("-d\">").append(Text.html(desc)).append("</desc>");
        return s;
    }

    /** Horizontal gridlines with count labels and a rotated axis title. */
    private static void yAxis(StringBuilder s, int left, int top, int pw, int ph, double yMax, double step, String label) {
        for (double v = 0; v <= yMax + step * 1e-6; v += step) {
            double y = top + ph - ph * v / yMax;
            line(s, left, y, left + pw, y, v == 0 ? AXIS : GRID, 1);
            text(s, left - 6, y + 4, "end", Text.compact(v));
        }
        line(s, left, top, left, top + ph, AXIS, 1);
        double cy = top + ph / 2.0;
        s.append("<text x=\"14\" y=\"").append(f(cy)).append("\" text-anchor=\"middle\" transform=\"rotate(-90 14 ").append(f(cy)).append(")\">")
                .append(Text.html(label)).append("</text>");
    }

    /** A 1-2-5 step that gives about target intervals up to max; whole numbers only when integer is set. */
    static double niceStep(double max, int target, boolean integer) {
        if (!(max > 0) || !Double.isFinite(max)) return 1;
        double raw = max / target;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
        return integer ? Math.max(1, Math.rint(step)) : step;
    }

    /** Tick spacing for elapsed time: round clock values giving at most about 8 ticks. */
    static long timeStep(double spanSeconds) {
        long[] steps = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
        for (long st : steps) if (spanSeconds / st <= 8) return st;
        return (long) Math.ceil(spanSeconds / 8 / 86400) * 86400;
    }

    private static double clamp(double v, double lo, double hi) {
        return Double.isFinite(v) ? Math.max(lo, Math.min(hi, v)) : v;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static void rect(StringBuilder s, double x, double y, double w, double h, String fill) {
        s.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"").append(f(w)).append("\" height=\"")
                .append(f(h)).append("\" fill=\"").append(fill).append("\"/>");
    }

    private static void line(StringBuilder s, double x1, double y1, double x2, double y2, String stroke, double width) {
        s.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1)).append("\" x2=\"").append(f(x2)).append("\" y2=\"")
                .append(f(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"").append(width).append("\"/>");
    }

    private static void text(StringBuilder s, double x, double y, String anchor, String content) {
        s.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" text-anchor=\"").append(anchor).append("\">")
                .append(Text.html(content)).append("</text>");
    }

    private static void diamond(StringBuilder s, double cx, double cy, double r) {
        s.append("<polygon points=\"").append(f(cx)).append(',').append(f(cy - r)).append(' ').append(f(cx + r)).append(',').append(f(cy))
                .append(' ').append(f(cx)).append(',').append(f(cy + r)).append(' ').append(f(cx - r)).append(',').append(f(cy))
                .append("\" fill=\"").append(VERMILLION).append("\" stroke=\"#FFFFFF\" stroke-width=\"1\"/>");
    }
}
