package dev.egresslog.cli.ingest;

import dev.egresslog.cli.store.DatabaseThreads;
import dev.egresslog.cli.store.Store;
import dev.egresslog.parser.ParserOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reading limits DuckDB to the cores the workers leave (each worker moves its own rows); after it,
 * the database has its threads back for correlating, whose statements use them all.
 */
class IngestThreadsTest {
    private static final Path SEED = Path.of(System.getProperty("egresslog.root", "..")).resolve("sample-logs").resolve("seed");

    @Test
    void theDatabaseGetsItsThreadsBackAfterReading(@TempDir Path dir) throws Exception {
        List<Ingest.Source> sources = List.of(
                new Ingest.Source(new Inputs.Input("sidecar-sleep.log", SEED.resolve("sidecar-sleep.log"), false), null),
                new Ingest.Source(new Inputs.Input("squid-access.log", SEED.resolve("squid-access.log"), false), null));
        long lines = 0;
        for (Ingest.Source source : sources) {
            try (var all = Files.lines(source.input.path())) {
                lines += all.count();
            }
        }
        StringWriter err = new StringWriter();
        try (Store store = Store.open(dir.resolve("t.duckdb"), "256MB", new PrintWriter(err), false)) {
            // a setting no machine's default gives, so that only its restoring can leave it
            DatabaseThreads.set(store.connection(), 7);
            Ingest.Totals totals = new Ingest(store, ParserOptions.DEFAULT, 2, false, 1 << 20, new PrintWriter(err)).run(sources);
            assertEquals(7, DatabaseThreads.of(store.connection()));
            assertEquals(lines, totals.lines());
            try (Statement s = store.connection().createStatement();
                 ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log)"
                         + " + (SELECT count(*) FROM rejects)")) {
                rs.next();
                assertEquals(lines, rs.getLong(1));
            }
        }
    }
}
