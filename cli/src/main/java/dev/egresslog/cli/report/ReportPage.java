package dev.egresslog.cli.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One self-contained HTML page: uPlot (from its WebJar, inlined), the page's own script and
 * style, and the data as JSON. It opens offline, from a laptop or a ticket attachment.
 */
public final class ReportPage {
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";

    private ReportPage() {
    }

    public static String render(ObjectNode data, String database) {
        String json;
        try {
            json = new ObjectMapper().writeValueAsString(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8">
                <title>egresslog report: %1$s</title>
                <style>%2$s
                %3$s</style></head>
                <body>
                <h1>egresslog report</h1>
                <p class="note">Database %1$s. <span id="summary"></span></p>
                <h2>What would make the next trace exact</h2><ul id="advice"></ul>
                <h2>Tunnels over time</h2><div class="chart" id="per-status"></div>
                <h2>What failed where</h2><div class="chart" id="failures"></div>
                <h2>Top pods</h2><div id="top-pods"></div>
                <h2>Top targets</h2><div id="top-targets"></div>
                <h2>How long, how much</h2><div class="chart" id="durations"></div><div class="chart" id="bytes"></div>
                <h2>Squid clocks</h2><div class="chart" id="offsets"></div><div id="models"></div>
                <h2>How sure are the joins</h2><div class="chart" id="scores"></div>
                <p class="note" id="time-alone"></p><div id="proxy-keys"></div>
                <h2>Denials</h2><p class="note">Pod to target, with a tunnel_id for <code>egresslog explain</code>.</p><div id="denials"></div>
                <h2>Gateway bypasses</h2><p class="note">Sidecars that dialled a proxy themselves.</p><div id="bypasses"></div>
                <script>%4$s</script>
                <script type="application/json" id="data">%5$s</script>
                <script>%6$s</script>
                </body></html>
                """.formatted(escapeHtml(database), resource(UPLOT + "uPlot.min.css"), resource("report.css"),
                resource(UPLOT + "uPlot.iife.min.js"), json.replace("</", "<\\/"), resource("report.js"));
    }

    private static String resource(String name) {
        try (InputStream in = ReportPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
