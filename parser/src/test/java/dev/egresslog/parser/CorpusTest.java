package dev.egresslog.parser;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real lines from public sources, read in place from ../shared/corpus (skipped when it is not
 * there). Line numbers and variants follow the corpus's PROVENANCE.md files.
 */
class CorpusTest {
    private static Path corpus;

    @BeforeAll
    static void locate() {
        String root = System.getProperty("egresslog.root", "..");
        corpus = Path.of(root).resolve("../shared/corpus").normalize();
        assumeTrue(Files.isDirectory(corpus), "no shared corpus at " + corpus);
    }

    private static List<ParsedLine> parse(String file) throws IOException {
        List<ParsedLine> out = new ArrayList<>();
        try (LineReader reader = LineReader.open(corpus.resolve(file))) {
            InputParser.parse(reader, file, new LogParser(), out::add);
        }
        return out;
    }

    @Test
    void envoyTextLinesByVariant() throws IOException {
        List<ParsedLine> lines = parse("envoy/text-lines.log");
        assertEquals(61, lines.size());
        for (ParsedLine line : lines) {
            long n = line.origin().line();
            String expected = n <= 4 ? "envoy-default" : n <= 11 ? "istio-pre-1.1" : n <= 13 ? "istio-1.1"
                    : n <= 19 ? "istio-1.3" : n == 20 ? "istio-1.8" : n == 44 ? "istio-1.9+-no-termination-details" : "istio-1.9+";
            assertEquals(expected, assertInstanceOf(EnvoyRecord.class, line, () -> "line " + n + ": " + line).format(), "line " + n);
        }
        EnvoyRecord toSquid = (EnvoyRecord) lines.get(4);
        assertEquals(702, toSquid.bytesReceived());
        assertEquals(87599, toSquid.bytesSent());
        assertEquals(92, toSquid.duration());
        assertEquals("my-company-proxy.com", toSquid.upstreamCluster().host());
        assertEquals(3128, toSquid.upstreamCluster().port());
        EnvoyRecord ztunnel = (EnvoyRecord) lines.get(57);
        assertEquals(Map.of("field_23", "capture", "field_24", "outbound", "field_25", "(no", "field_26", "waypoint",
                "field_27", "proxy)"), ztunnel.extras(), "free text after the format is kept, field by field");
        EnvoyRecord sidecar = (EnvoyRecord) lines.get(40);
        EnvoyRecord gateway = (EnvoyRecord) lines.get(37);
        assertEquals(sidecar.upstreamLocalAddress(), gateway.downstreamRemoteAddress(), "lines 41 and 38 correlate");
    }

    @Test
    void envoyJsonLines() throws IOException {
        List<ParsedLine> lines = parse("envoy/json-lines.log");
        assertEquals(28, lines.size());
        TreeSet<String> formats = new TreeSet<>();
        for (ParsedLine line : lines) {
            formats.add(assertInstanceOf(EnvoyRecord.class, line, () -> line.toString()).format());
        }
        assertEquals("istio-json", ((EnvoyRecord) lines.get(3)).format());
        assertEquals(List.of("UH"), ((EnvoyRecord) lines.get(3)).responseFlags());
        assertEquals(List.of("UF", "URX"), ((EnvoyRecord) lines.get(0)).responseFlags());
        assertEquals(10001, ((EnvoyRecord) lines.get(0)).duration());
        assertEquals(List.of("istio-json", "istio-json-strings"), List.copyOf(formats));
    }

    @Test
    void squidNativeLines() throws IOException {
        List<ParsedLine> lines = parse("squid/native-lines.log");
        assertEquals(154, lines.size());
        for (ParsedLine line : lines) {
            assertEquals("squid", assertInstanceOf(SquidRecord.class, line, () -> line.toString()).format());
        }
        SquidRecord seed = (SquidRecord) lines.get(100);
        assertEquals(1650436832158L, seed.endTime());
        assertEquals(18967, seed.elapsed());
        assertEquals(90274, seed.bytes());
        assertEquals("en.wikipedia.org", seed.connectHost());
    }

    @Test
    void squidCommonLines() throws IOException {
        List<ParsedLine> lines = parse("squid/other-format-lines.log");
        assertEquals(7, lines.size());
        for (ParsedLine line : lines) {
            assertEquals("common", assertInstanceOf(SquidRecord.class, line, () -> line.toString()).format());
        }
        assertEquals("TCP_TUNNEL", ((SquidRecord) lines.get(5)).resultCode());
    }

    @Test
    void squidMalformedLines() throws IOException {
        List<ParsedLine> lines = parse("squid/malformed-lines.log");
        assertEquals(44, lines.size());
        List<Long> rejected = lines.stream().filter(l -> l instanceof Reject).map(l -> l.origin().line()).toList();
        // fragments (5-8, 35), terminal-wrapped halves (10-13), a Squid line inside a Go logger line (29)
        assertEquals(List.of(5L, 6L, 7L, 8L, 10L, 11L, 12L, 13L, 29L, 35L), rejected);
        assertEquals("TCP_DENIED", ((SquidRecord) lines.get(22)).resultCode(), "syslog prefix peeled");
    }

    @Test
    void corpusFilesAreReadAsUtf8Text() throws IOException {
        for (String file : List.of("envoy/text-lines.log", "squid/native-lines.log")) {
            String text = Files.readString(corpus.resolve(file), StandardCharsets.UTF_8);
            assertEquals(text.lines().count(), parse(file).size(), file);
        }
    }
}
