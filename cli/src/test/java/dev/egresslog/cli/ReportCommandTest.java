package dev.egresslog.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.egresslog.cli.ParseCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `egresslog report`: one page that opens offline, checked in a real headless browser. */
class ReportCommandTest {
    private static final List<String> CHARTS = List.of("per-status", "failures", "durations", "bytes", "offsets", "scores");
    private static final List<String> TABLES = List.of("advice", "top-pods", "top-targets", "denials", "bypasses", "models", "proxy-keys");

    @TempDir
    Path dir;

    @RegisterExtension
    final TestProcesses started = new TestProcesses();


    /** Debian's Chromium, which .ci/run installs; a developer's machine without it skips the browser half. */
    static Path chromium() {
        for (String name : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(name))) {
                return Path.of(name);
            }
        }
        if (System.getenv("CI") != null) {
            throw new AssertionError("CI must install Chromium (.ci/run does) for the report's browser test");
        }
        Assumptions.assumeTrue(false, "no Chromium on this machine");
        return null;
    }

    @Test
    void theSampleLogsReportDrawsEveryChartWithDataInABrowser() throws Exception {
        Path db = dir.resolve("r.duckdb");
        assertEquals(0, run("trace", "--db", db.toString(), ParseCommandTest.SAMPLES.toString()).exit());
        Path page = dir.resolve("report.html");
        ParseCommandTest.Run report = run("report", "--db", db.toString(), "-o", page.toString());
        assertEquals(0, report.exit(), report.err());
        String html = Files.readString(page);
        assertTrue(Files.size(page) < 5_000_000);
        assertFalse(html.contains("<link") || html.contains("src=\"http") || html.contains("src='http"), "loads nothing from a network");

        Path chromium = chromium();
        Path err = dir.resolve("chromium.err");
        Path dom = dir.resolve("dom.html");
        Process browser = started.add(new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + dir.resolve("profile"), "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0",
                "--dump-dom", page.toUri().toString())
                .redirectOutput(dom.toFile()).redirectError(err.toFile()).start());
        assertTrue(browser.waitFor(120, TimeUnit.SECONDS), "chromium did not end");
        String drawn = Files.readString(dom);
        String log = Files.readString(err);
        assertTrue(drawn.contains("data-ready=\"yes\""), "the page's script ran to its end\n" + log);
        assertTrue(drawn.contains("data-errors=\"0\""), "no script error\n" + log);
        assertFalse(log.contains("Uncaught"), log);
        for (String chart : CHARTS) {
            assertTrue(attribute(drawn, chart, "data-points") > 0, chart + " drew with data");
        }
        for (String table : TABLES) {
            assertTrue(attribute(drawn, table, "data-rows") > 0, table + " has rows");
        }
    }

    @Test
    void anEmptySpanGivesAPageThatSaysSo() throws Exception {
        Path db = dir.resolve("r.duckdb");
        assertEquals(0, run("trace", "--db", db.toString(), ParseCommandTest.SAMPLES.toString()).exit());
        Path page = dir.resolve("empty.html");
        ParseCommandTest.Run report = run("report", "--db", db.toString(), "-o", page.toString(), "--from", "2030-01-01T00:00:00Z");
        assertEquals(0, report.exit(), report.err());
        assertTrue(Files.readString(page).contains("\"tunnels\":0"));
        ParseCommandTest.Run bad = run("report", "--db", db.toString(), "--from", "yesterday");
        assertEquals(ExitCodes.USAGE, bad.exit());
        assertEquals(1, bad.err().lines().count(), bad.err());
    }

    private static long attribute(String dom, String id, String name) {
        Matcher m = Pattern.compile("id=\"" + Pattern.quote(id) + "\"[^>]*" + name + "=\"(\\d+)\"").matcher(dom);
        if (!m.find()) {
            m = Pattern.compile(name + "=\"(\\d+)\"[^>]*id=\"" + Pattern.quote(id) + "\"").matcher(dom);
            if (!m.find()) {
                return -1;
            }
        }
        return Long.parseLong(m.group(1));
    }
}
