package dev.egresslog.cli.bench;

import dev.egresslog.cli.store.Store;
import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What reading and storing alone cost on the lines a trace read: the floors its time is measured
 * against. Parsing alone: every line of the logs through the parser, whole files on all cores,
 * records built, nothing stored. Storing alone: DuckDB loading the same envoy_log and squid_log
 * rows from Parquet files it wrote itself (its fastest input) into a new database file.
 */
final class Floors {
    record Result(double parseSeconds, long lines, double loadSeconds, long rows) {
    }

    private Floors() {
    }

    static Result measure(Path logs, Path db, Path work) throws IOException, SQLException, InterruptedException {
        AtomicLong lines = new AtomicLong();
        double parse = parse(logs, lines);
        double[] load = load(db, work);
        return new Result(parse, lines.get(), load[0], (long) load[1]);
    }

    /** Seconds to parse every line under {@code logs}; {@code lines} counts them. */
    private static double parse(Path logs, AtomicLong lines) throws IOException, InterruptedException {
        List<Path> files;
        try (var walk = Files.walk(logs)) {
            files = walk.filter(Files::isRegularFile).sorted((a, b) -> Long.compare(b.toFile().length(), a.toFile().length())).toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        try {
            List<Future<?>> done = new java.util.ArrayList<>();
            ThreadLocal<LogParser> parsers = ThreadLocal.withInitial(LogParser::new);
            for (Path file : files) {
                done.add(pool.submit(() -> {
                    long[] n = {0};
                    try (LineReader reader = LineReader.open(file)) {
                        InputParser.parse(reader, file.toString(), parsers.get(), line -> n[0]++);
                    }
                    lines.addAndGet(n[0]);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        } finally {
            pool.shutdown();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds to load the rows from Parquet into a new file, and the rows loaded. */
    private static double[] load(Path db, Path work) throws IOException, SQLException {
        Path envoy = work.resolve("floor-envoy.parquet");
        Path squid = work.resolve("floor-squid.parquet");
        Path target = work.resolve("floor.duckdb");
        try {
            try (Connection c = Store.openReadOnly(db); Statement s = c.createStatement()) {
                s.execute("COPY (SELECT * FROM envoy_log) TO '" + envoy + "' (FORMAT parquet)");
                s.execute("COPY (SELECT * FROM squid_log) TO '" + squid + "' (FORMAT parquet)");
            }
            Files.deleteIfExists(target);
            long rows;
            long t0 = System.nanoTime();
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + target); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE envoy_log AS SELECT * FROM read_parquet('" + envoy + "')");
                s.execute("CREATE TABLE squid_log AS SELECT * FROM read_parquet('" + squid + "')");
                s.execute("CHECKPOINT");
                try (var rs = s.executeQuery("SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log)")) {
                    rs.next();
                    rows = rs.getLong(1);
                }
            }
            return new double[] {(System.nanoTime() - t0) / 1e9, rows};
        } finally {
            Files.deleteIfExists(envoy);
            Files.deleteIfExists(squid);
            Files.deleteIfExists(target);
            Files.deleteIfExists(Path.of(target + ".wal"));
        }
    }
}
