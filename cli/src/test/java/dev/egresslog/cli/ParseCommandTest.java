package dev.egresslog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `egresslog parse` as a user runs it: real files, exit codes, output formats. */
class ParseCommandTest {
    static final Path SAMPLES = Path.of(System.getProperty("egresslog.root", "..")).resolve("sample-logs");
    static final String SQUID_LINE = TraceCommandTest.seedLine("squid-access.log");

    record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    static Run run(String... args) {
        CommandLine cli = Main.createCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void parsesTheSampleLogsAsJsonLines() throws IOException {
        Run run = run("parse", SAMPLES.toString());
        assertEquals(0, run.exit(), run.err());
        ObjectMapper json = new ObjectMapper();
        List<String> lines = run.lines();
        long expected = 0;
        try (var files = Files.walk(SAMPLES)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                try (dev.egresslog.parser.LineReader reader = dev.egresslog.parser.LineReader.open(f)) {
                    while (reader.next() != null) {
                        expected++;
                    }
                }
            }
        }
        assertEquals(expected, lines.size(), "one output line per input line");
        for (String line : lines) {
            JsonNode record = json.readTree(line);
            assertTrue(record.get("kind").asText().matches("envoy|squid"), line);
        }
        JsonNode squid = lines.stream().map(l -> {
            try {
                return json.readTree(l);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).filter(n -> n.get("kind").asText().equals("squid")).findFirst().orElseThrow();
        assertEquals("squid", squid.get("format").asText());
        for (String field : List.of("end_time", "elapsed_ms", "client_address", "result_code", "http_status", "bytes",
                "method", "url", "connect_host", "connect_port", "user", "hierarchy", "server_ip", "content_type")) {
            assertTrue(squid.has(field), "squid output has " + field);
        }
    }

    @Test
    void rejectsGiveExitCodeOneAndAReason(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mixed.log");
        Files.writeString(file, SQUID_LINE + "\nnot a log line\n");
        Run run = run("parse", file.toString());
        assertEquals(1, run.exit());
        List<String> lines = run.lines();
        assertEquals(2, lines.size());
        JsonNode reject = new ObjectMapper().readTree(lines.get(1));
        assertEquals("reject", reject.get("kind").asText());
        assertEquals(2, reject.get("line").asInt());
        assertEquals(file.toString(), reject.get("source").asText());
        assertTrue(reject.get("reason").asText().startsWith("no known format fits"), reject.toString());
    }

    @Test
    void csvAndTableOutput() {
        Run csv = run("parse", "-o", "csv", SAMPLES.resolve("seed/squid-access.log").toString());
        assertEquals(0, csv.exit(), csv.err());
        assertTrue(csv.lines().get(0).startsWith("kind,format,source,line,"), csv.lines().get(0));
        assertTrue(csv.lines().get(1).startsWith("squid,squid,"), csv.lines().get(1));
        Run table = run("parse", "-o", "table", SAMPLES.resolve("seed/squid-access.log").toString());
        assertTrue(table.lines().get(0).startsWith("SOURCE:LINE"), table.out());
        assertTrue(table.lines().get(1).contains("TCP_TUNNEL/200 CONNECT en.wikipedia.org:443"), table.out());
    }

    @Test
    void standardInputAndGzip(@TempDir Path dir) throws IOException {
        Path gz = dir.resolve("access.log.2.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write((SQUID_LINE + "\n" + SQUID_LINE + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Run fromGz = run("parse", "-o", "csv", gz.toString());
        assertEquals(3, fromGz.lines().size());

        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream((SQUID_LINE + "\n").getBytes(StandardCharsets.UTF_8)));
            Run fromStdin = run("parse", "-");
            assertEquals(0, fromStdin.exit(), fromStdin.err());
            assertTrue(fromStdin.out().contains("\"source\":\"-\""), fromStdin.out());
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void customFormatsFromTheCommandLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("custom.log");
        Files.writeString(file, "2022-04-20T06:40:24.541Z 10.131.1.250:38380 90274\n");
        Path format = dir.resolve("format.txt");
        Files.writeString(format, "%START_TIME% %DOWNSTREAM_REMOTE_ADDRESS% %BYTES_SENT%\n");
        Run run = run("parse", "--envoy-format-file", format.toString(), file.toString());
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("\"format\":\"custom\""), run.out());
        assertTrue(run.out().contains("\"bytes_sent\":90274"), run.out());

        Path squid = dir.resolve("squid.log");
        Files.writeString(squid, "1650436832.158 10.0.0.98:39040 TCP_TUNNEL/200 90274\n");
        Run custom = run("parse", "--squid-logformat", "logformat mine %ts.%03tu %>a:%>p %Ss/%03>Hs %<st", squid.toString());
        assertEquals(0, custom.exit(), custom.out() + custom.err());
        assertTrue(custom.out().contains("\"format\":\"mine\"") && custom.out().contains("\"client_port\":39040"), custom.out());
    }

    @Test
    void userErrorsAreOneLineAndExitTwo() {
        Run missing = run("parse", "no/such/file.log");
        assertEquals(2, missing.exit());
        assertEquals("egresslog parse: no such file or directory: no/such/file.log", missing.err().strip());

        Run badFormat = run("parse", "--envoy-format", "[%START_TIME%] %BYTES", SAMPLES.toString());
        assertEquals(2, badFormat.exit());
        assertEquals(1, badFormat.err().strip().lines().count(), badFormat.err());
        assertTrue(badFormat.err().startsWith("egresslog parse: envoy format 'custom', column "), badFormat.err());

        Run badOption = run("parse", "--no-such-option", SAMPLES.toString());
        assertEquals(2, badOption.exit());
        assertEquals("egresslog parse: Unknown option: '--no-such-option' (see 'egresslog parse --help')",
                badOption.err().strip());
        Run noFile = run("parse");
        assertEquals(2, noFile.exit());
        assertEquals(1, noFile.err().strip().lines().count(), noFile.err());
    }
}
