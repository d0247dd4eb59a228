package glmspark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Renders report.html in headless Chromium: every chart must be laid out with a non-zero size, no script error may
 * reach the console, and a screenshot must show the page (text and the charts' colours). Skips when no Chromium
 * is installed (CI installs Debian's "chromium" package). Output stays in target/report-browser-test for a look.
 */
class ReportInBrowserTest {

    private static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
            "/usr/bin/google-chrome-stable");
    private static final Path OUT = Path.of("target", "report-browser-test").toAbsolutePath();

    private static String browser;
    private static Path html;

    @BeforeAll
    static void writeReport() throws IOException {
        for (String b : BROWSERS) if (browser == null && Files.isExecutable(Path.of(b))) browser = b;
        SyntheticRun.realistic().writeTo(OUT);
        html = OUT.resolve("report.html");
    }

    private static void assumeBrowser() {
        assumeTrue(browser != null, "no headless browser: none of " + BROWSERS + " exists (install Debian package 'chromium')");
    }

    /** Runs the browser on the report with the given extra flags; returns {stdout, stderr}. */
    private static String[] run(String name, String... flags) throws Exception {
        Path profile = Files.createTempDirectory("report-chromium-");
        List<String> cmd = new ArrayList<>(List.of(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile));
        cmd.addAll(List.of(flags));
        cmd.add(html.toUri().toString());
        Path stdout = OUT.resolve(name + ".stdout"), stderr = OUT.resolve(name + ".stderr");
        Process p = new ProcessBuilder(cmd).directory(OUT.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(name + ": browser did not finish in 120 s: " + cmd);
            }
            assertEquals(0, p.exitValue(), name + ": browser failed: " + Files.readString(stderr));
            return new String[] {Files.readString(stdout), Files.readString(stderr)};
        } finally {
            deleteTree(profile);
        }
    }

    @Test
    void everyChartIsLaidOutAndNoScriptErrorReachesTheConsole() throws Exception {
        assumeBrowser();
        String[] out = run("dump-dom", "--dump-dom", "--enable-logging=stderr", "--v=0");
        int charts = RunReportTest.count(Files.readString(html), "<svg class=\"chart\"");
        assertTrue(charts >= 6, "charts in the report: " + charts);
        Matcher m = Pattern.compile("data-charts-rendered=\"(\\d+)/(\\d+)\"").matcher(out[0]);
        assertTrue(m.find(), "the self-check script did not run; dumped DOM starts: " + out[0].substring(0, Math.min(400, out[0].length())));
        assertEquals(charts, Integer.parseInt(m.group(2)), "charts the browser found");
        assertEquals(charts, Integer.parseInt(m.group(1)), "charts with a non-zero bounding box");
        // Chromium logs every console message (console.error, uncaught exceptions) as "...:CONSOLE:<line>] ..."; the report logs none
        for (String line : out[1].split("\n")) assertFalse(line.contains(":CONSOLE"), "console message: " + line);
    }

    @Test
    void screenshotShowsTextAndChartColours() throws Exception {
        assumeBrowser();
        Path png = OUT.resolve("report.png");
        Files.deleteIfExists(png);
        run("screenshot", "--screenshot=" + png, "--window-size=1200,2400", "--hide-scrollbars");
        assertTrue(Files.size(png) > 50_000, "screenshot bytes: " + Files.size(png));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1200, img.getWidth());
        assertEquals(2400, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        long nonWhite = 0, blue = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                int r = rgb >> 16, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
                if (r < 245 || g < 245 || b < 245) nonWhite++;
                if (near(r, g, b, 0x00, 0x72, 0xB2)) blue++;
            }
        }
        long pixels = (long) img.getWidth() * img.getHeight();
        assertTrue(colours.size() > 200, "distinct colours: " + colours.size());
        assertTrue(nonWhite > pixels / 20, "non-white pixels: " + nonWhite + " of " + pixels);
        // the bars of the pass@1 charts
        assertTrue(blue > 5_000, "pixels in the bar colour #0072B2: " + blue);
    }

    private static boolean near(int r, int g, int b, int r0, int g0, int b0) {
        return Math.abs(r - r0) <= 4 && Math.abs(g - g0) <= 4 && Math.abs(b - b0) <= 4;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
