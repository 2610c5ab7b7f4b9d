package dev.egresslog.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The baseline trace is measured against: what an operator would write by hand in DuckDB's SQL on
 * the same files. read_csv with one column for the lines, regexp_extract for the fields of the
 * Istio 1.9+ TEXT and Squid native formats (no other format, no wrappers but a prefix before the
 * bracket), sidecar to gateway by address within 2 s, gateway to Squid by bytes in the same
 * 2-second bucket (the clocks taken to agree, as a hand-written join does). It is fast and mostly
 * wrong; only its time is compared.
 */
final class HandWrittenSql {
    record Result(double seconds, long lines, long rows) {
    }

    private HandWrittenSql() {
    }

    static Result run(Path logs, Path work) throws SQLException {
        Path db = work.resolve("handwritten.duckdb");
        String glob = logs.toAbsolutePath() + "/**";
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            // each line as one column: a delimiter and quote that log lines do not hold
            s.execute("CREATE TABLE lines AS SELECT filename, line FROM read_csv('" + glob.replace("'", "''") + "', "
                    + "columns = {'line': 'VARCHAR'}, delim = '\u001f', quote = '', escape = '', header = false, "
                    + "auto_detect = false, filename = true, null_padding = true, ignore_errors = true)");
            s.execute("""
                    CREATE TABLE envoy AS
                    SELECT filename, s.a::TIMESTAMP AS start_time, s.b AS flags, s.c::BIGINT AS up, s.d::BIGINT AS down,
                           s.e::BIGINT AS dur, s.f AS upstream_host, s.g AS cluster, s.h AS ula, s.i AS dla, s.j AS dra
                    FROM (SELECT filename, regexp_extract(line,
                            '\\[([^\\]]+)\\] "- - -" 0 (\\S+) \\S+ \\S+ "[^"]*" (\\d+) (\\d+) (\\d+) \\S+ "[^"]*" "[^"]*" "[^"]*" "[^"]*" "([^"]*)" (\\S+) (\\S+) (\\S+) (\\S+)',
                            ['a','b','c','d','e','f','g','h','i','j']) AS s FROM lines) x
                    WHERE s.a <> ''
                    """);
            s.execute("""
                    CREATE TABLE squid AS
                    SELECT filename, to_timestamp(s.t::DOUBLE) AS end_time, s.el::BIGINT AS elapsed, s.client AS client,
                           s.result AS result, s.bytes::BIGINT AS bytes, s.target AS target
                    FROM (SELECT filename, regexp_extract(line, '^(\\d+\\.\\d+)\\s+(\\d+) (\\S+) (\\S+) (\\d+) CONNECT (\\S+)',
                            ['t','el','client','result','bytes','target']) AS s FROM lines) x
                    WHERE s.t <> ''
                    """);
            s.execute("""
                    CREATE TABLE tunnels AS
                    SELECT sc.filename AS sidecar_file, g.filename AS gateway_file, q.filename AS squid_file, q.target, q.result,
                           sc.dra AS client, sc.start_time
                    FROM envoy sc
                    JOIN envoy g ON g.dra = sc.ula AND abs(epoch_ms(g.start_time) - epoch_ms(sc.start_time)) <= 2000
                    LEFT JOIN squid q ON q.bytes = g.down
                         AND (epoch_ms(q.end_time) - q.elapsed) // 2000 = epoch_ms(g.start_time) // 2000
                    WHERE sc.cluster LIKE '%egressgateway%'
                    """);
            long lines;
            long rows;
            try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM lines), (SELECT count(*) FROM tunnels)")) {
                rs.next();
                lines = rs.getLong(1);
                rows = rs.getLong(2);
            }
            return new Result((System.nanoTime() - t0) / 1e9, lines, rows);
        } finally {
            try {
                Files.deleteIfExists(db);
                Files.deleteIfExists(Path.of(db + ".wal"));
            } catch (IOException e) {
                // a temporary file of the benchmark
            }
        }
    }
}
