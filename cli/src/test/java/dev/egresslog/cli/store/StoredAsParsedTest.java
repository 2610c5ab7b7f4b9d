package dev.egresslog.cli.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.RecordColumns;
import dev.egresslog.parser.SquidRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The database says what the parser says: every column of every Envoy and Squid line stored
 * equals the parser's value, on the bundled sample logs, the shared corpus when it is there, and
 * lines whose addresses and cluster names are drawn from awkward pieces (IPv6, brackets, several
 * colons, ports out of range, Envoy internal addresses, clusters of many parts, non-ASCII text):
 * the guard for any change to how rows are staged and moved into the log tables.
 */
class StoredAsParsedTest {
    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyStoredColumnIsTheParsersValue() throws Exception {
        List<Path> inputs = new ArrayList<>();
        Path root = Path.of(System.getProperty("egresslog.root", ".."));
        try (Stream<Path> files = Files.walk(root.resolve("sample-logs"))) {
            files.filter(Files::isRegularFile).sorted().forEach(inputs::add);
        }
        Path corpus = root.resolve("../shared/corpus").normalize();
        if (Files.isDirectory(corpus)) {
            try (Stream<Path> files = Files.walk(corpus)) {
                files.filter(f -> f.toString().endsWith(".log")).sorted().forEach(inputs::add);
            }
        }
        inputs.add(awkwardEnvoyLines(tmp.resolve("awkward-envoy.log"), new Random(7), 3000));
        inputs.add(awkwardSquidLines(tmp.resolve("awkward-squid.log"), new Random(11), 2000));

        Map<String, List<Object>> expectedEnvoy = new HashMap<>();
        Map<String, List<Object>> expectedSquid = new HashMap<>();
        try (Store store = Store.open(tmp.resolve("t.duckdb"), null)) {
            try (Store.LogAppender appender = store.appender(false)) {
                AppendedFiles.append(store, appender, inputs, (id, raw, parsed) -> {
                    if (parsed instanceof EnvoyRecord r) {
                        expectedEnvoy.put(id + ":" + parsed.origin().line(), values(RecordColumns.ENVOY, r));
                    } else if (parsed instanceof SquidRecord r) {
                        expectedSquid.put(id + ":" + parsed.origin().line(), values(RecordColumns.SQUID, r));
                    }
                });
            }
            assertTrue(expectedEnvoy.size() > 3000 && expectedSquid.size() > 2000, "lines parsed: " + expectedEnvoy.size() + " Envoy, "
                    + expectedSquid.size() + " Squid");
            assertSame(expectedEnvoy, stored(store, "envoy_log", RecordColumns.ENVOY), RecordColumns.ENVOY);
            assertSame(expectedSquid, stored(store, "squid_log", RecordColumns.SQUID), RecordColumns.SQUID);
        }
    }

    /** Every parsed line stored, each column as parsed; the first difference named by line and column. */
    private static <T> void assertSame(Map<String, List<Object>> expected, Map<String, List<Object>> stored,
                                       List<RecordColumns<T>> columns) {
        assertEquals(expected.keySet(), stored.keySet(), "the lines stored (source:line)");
        for (Map.Entry<String, List<Object>> e : expected.entrySet()) {
            List<Object> row = stored.get(e.getKey());
            for (int i = 0; i < columns.size(); i++) {
                assertEquals(e.getValue().get(i), row.get(i), "line " + e.getKey() + ", column " + columns.get(i).name());
            }
        }
    }

    /** A record's columns as the database should hold them: lists comma-joined, maps as JSON (compared parsed), null for empty. */
    private static <T> List<Object> values(List<RecordColumns<T>> columns, T record) {
        List<Object> row = new ArrayList<>();
        for (RecordColumns<T> c : columns) {
            Object v = c.value().apply(record);
            if (v instanceof List<?> list) {
                v = list.isEmpty() ? null : String.join(",", list.stream().map(String::valueOf).toList());
            } else if (v instanceof Map<?, ?> map) {
                v = map.isEmpty() ? null : map;
            } else if (v instanceof Integer i) {
                v = i.longValue();
            }
            row.add(v);
        }
        return row;
    }

    private static <T> Map<String, List<Object>> stored(Store store, String table, List<RecordColumns<T>> columns) throws Exception {
        StringBuilder select = new StringBuilder("SELECT source_id || ':' || line");
        for (RecordColumns<T> c : columns) {
            select.append(", ").append(c.type().equals("TIMESTAMP") ? "epoch_ms(\"" + c.name() + "\")" : "\"" + c.name() + "\"");
        }
        Map<String, List<Object>> rows = new HashMap<>();
        try (Statement s = store.connection().createStatement(); ResultSet rs = s.executeQuery(select + " FROM " + table)) {
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 0; i < columns.size(); i++) {
                    Object v = rs.getObject(i + 2);
                    if (v != null && columns.get(i).type().equals("MAP")) {
                        v = JSON.readValue((String) v, Map.class);
                    } else if (v instanceof Number n && !(v instanceof Double)) {
                        v = n.longValue();
                    }
                    row.add(v);
                }
                rows.put(rs.getString(1), row);
            }
        }
        return rows;
    }

    private static final String[] ADDRESS_PIECES = {"10.0.0.1", "::1", "2001:db8::5", "[", "]", ":", "443", "65535", "65536",
            "0080", "123456", "envoy://internal_client_address/", "host-a.example", "é", "\uD83D\uDE00", "-", "1", "x"};
    private static final String[] CLUSTER_PIECES = {"outbound", "inbound", "|", "|", "_.", "443", "0443", "+1", "1234567890",
            "_", "", "proxy", "istio-egressgateway.istio-system.svc.cluster.local", ";", "x", "\uD83D\uDE00", "PassthroughCluster"};

    private static String draw(Random random, String[] pieces, int most) {
        StringBuilder s = new StringBuilder();
        int n = 1 + random.nextInt(most);
        for (int i = 0; i < n; i++) {
            s.append(pieces[random.nextInt(pieces.length)]);
        }
        return s.toString();
    }

    /** Istio's default TEXT format with drawn addresses and cluster names (and plain ones, so both paths run). */
    private static Path awkwardEnvoyLines(Path file, Random random, int count) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean plain = random.nextInt(3) == 0;
            String upstreamHost = plain ? "10.131.1.111:7777" : draw(random, ADDRESS_PIECES, 4);
            String cluster = plain ? "outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local" : draw(random, CLUSTER_PIECES, 8);
            String local = plain ? "10.131.1.250:33002" : draw(random, ADDRESS_PIECES, 4);
            String downstreamLocal = plain ? "10.0.0.15:8080" : draw(random, ADDRESS_PIECES, 4);
            String remote = plain ? "10.131.1.250:38380" : draw(random, ADDRESS_PIECES, 4);
            lines.add(String.format("[2022-04-20T06:40:%02d.541Z] \"- - -\" 0 - - - \"-\" 989 90274 %d - \"-\" \"-\" \"-\" \"-\" \"%s\" %s %s %s %s - - \"-\"",
                    i % 60, random.nextInt(100_000), upstreamHost, cluster, local, downstreamLocal, remote));
        }
        Files.write(file, lines);
        return file;
    }

    /** Squid's native format with drawn client addresses, and start times before 1970. */
    private static Path awkwardSquidLines(Path file, Random random, int count) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String client = random.nextInt(3) == 0 ? "10.0.0.98" : draw(random, ADDRESS_PIECES, 4);
            long end = random.nextInt(4) == 0 ? random.nextInt(50) : 1_650_436_832L + i;
            lines.add(String.format("%d.158 %6d %s TCP_TUNNEL/200 90274 CONNECT en.wikipedia.org:443 - HIER_DIRECT/208.80.154.224 -",
                    end, random.nextInt(100_000), client));
        }
        Files.write(file, lines);
        return file;
    }
}
