package dev.egresslog.cli.store;

import dev.egresslog.parser.Reject;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each line's text, kept (stream, trace --keep-raw), is stored as read, compressed with zstd once written to the file. */
class RawTextTest {
    @TempDir
    Path tmp;

    @Test
    void theTextOfEveryLineIsStoredAsReadAndCompressedWithZstd() throws Exception {
        List<Path> inputs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of(System.getProperty("egresslog.root", "..")).resolve("sample-logs"))) {
            files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".json")).sorted().forEach(inputs::add);
        }
        Map<String, String> expected = new HashMap<>();
        Path db = tmp.resolve("t.duckdb");
        try (Store store = Store.open(db, null, null, true)) {
            try (Store.LogAppender appender = store.appender(true)) {
                AppendedFiles.append(store, appender, inputs, (id, raw, parsed) -> {
                    if (!(parsed instanceof Reject)) {
                        expected.put(id + ":" + parsed.origin().line(), raw);
                    }
                });
            }
            try (Statement s = store.connection().createStatement()) {
                s.execute("CHECKPOINT");
            }
        }
        assertTrue(expected.size() > 500, "lines: " + expected.size());
        try (Store store = Store.open(db, null); Statement s = store.connection().createStatement()) {
            Map<String, String> stored = new HashMap<>();
            try (ResultSet rs = s.executeQuery("SELECT source_id || ':' || line, raw FROM envoy_log UNION ALL "
                    + "SELECT source_id || ':' || line, raw FROM squid_log")) {
                while (rs.next()) {
                    stored.put(rs.getString(1), rs.getString(2));
                }
            }
            assertEquals(expected, stored);
            for (String table : List.of("envoy_log", "squid_log")) {
                assertEquals("[ZSTD]", rawCompression(s, table), table + ".raw");
            }
        }
    }

    @Test
    void aDatabaseMadeWithoutTheTextLeavesItsEmptyColumnToDuckDb() throws Exception {
        Path db = tmp.resolve("none.duckdb");
        Path input = Path.of(System.getProperty("egresslog.root", "..")).resolve("sample-logs/seed");
        try (Store store = Store.open(db, null, null, false); Store.LogAppender appender = store.appender(false);
             Stream<Path> files = Files.walk(input)) {
            AppendedFiles.append(store, appender, files.filter(Files::isRegularFile).sorted().toList(), (id, raw, parsed) -> { });
        }
        try (Store store = Store.open(db, null); Statement s = store.connection().createStatement()) {
            s.execute("CHECKPOINT");
            assertTrue(!rawCompression(s, "envoy_log").contains("ZSTD"), rawCompression(s, "envoy_log"));
        }
    }

    /** The compressions of the stored segments of a log table's text column, as "[...]" . */
    private static String rawCompression(Statement s, String table) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT list(DISTINCT compression ORDER BY compression) FROM pragma_storage_info('" + table
                + "') WHERE column_name = 'raw' AND segment_type = 'VARCHAR'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
