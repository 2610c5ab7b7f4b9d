package dev.egresslog.cli.store;

import dev.egresslog.correlator.CorrelatorOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine runs with one DuckDB thread (it reads a row group at a time); after correlating, the
 * database has its threads back for whatever runs next.
 */
class CorrelationThreadsTest {
    private static final Path SEED = Path.of(System.getProperty("egresslog.root", "..")).resolve("sample-logs").resolve("seed");

    @Test
    void theDatabaseGetsItsThreadsBackAfterCorrelating(@TempDir Path dir) throws Exception {
        try (Store store = Store.open(dir.resolve("t.duckdb"), null)) {
            try (Store.LogAppender appender = store.appender(false)) {
                AppendedFiles.append(store, appender, List.of(SEED.resolve("sidecar-sleep.log"), SEED.resolve("egressgateway.log"),
                        SEED.resolve("squid-access.log")), (id, raw, parsed) -> { });
            }
            // a setting no machine's default gives, so that only its restoring can leave it
            DatabaseThreads.set(store.connection(), 7);
            new Correlation(store.connection(), CorrelatorOptions.DEFAULT, line -> { }).run();
            assertEquals(7, DatabaseThreads.of(store.connection()));
            try (Statement s = store.connection().createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM tunnels")) {
                rs.next();
                assertTrue(rs.getLong(1) > 0, "rows: " + rs.getLong(1));
            }
        }
    }
}
