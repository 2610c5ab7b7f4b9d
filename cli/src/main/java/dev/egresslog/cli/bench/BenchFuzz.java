package dev.egresslog.cli.bench;

import dev.egresslog.cli.ExitCodes;
import dev.egresslog.cli.Main;
import dev.egresslog.cli.UserException;
import dev.egresslog.cli.sim.HostileLines;
import dev.egresslog.cli.store.Store;
import dev.egresslog.parser.LogParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.Callable;

/**
 * Hostile lines through the whole input path: writes them to a file, runs {@code trace} on it,
 * and counts what became of every line.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = "Writes seeded hostile lines (every field of every format with empty, huge, negative, non-ASCII and "
                + "wrong-typed values; envelopes; cut lines; garbage), runs trace on them, and prints lines, records, "
                + "rejects by reason, crashes and peak memory.")
public final class BenchFuzz implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--lines", paramLabel = "N", defaultValue = "1000000", description = "Lines (default: ${DEFAULT-VALUE}).")
    int lines;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where to write the lines and the database (default: a temporary directory, deleted after).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (lines <= 0) {
            throw new UserException("--lines must be positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = dir == null;
        Path root = temporary ? Files.createTempDirectory("egresslog-fuzz-") : Files.createDirectories(dir);
        try {
            Path log = root.resolve("hostile.log");
            new HostileLines(seed).write(log, lines);
            out.printf("%,d hostile lines (seed %d), %.1f MB%n", lines, seed, Files.size(log) / 1e6);
            out.flush();
            Path db = root.resolve("fuzz.duckdb");
            Files.deleteIfExists(db);
            var cli = Main.createCommandLine();
            StringWriter traceErr = new StringWriter();
            cli.setOut(new PrintWriter(new StringWriter()));
            cli.setErr(new PrintWriter(traceErr));
            long t0 = System.nanoTime();
            int exit = cli.execute("trace", "--db", db.toString(), "--squid-logformat", HostileLines.CUSTOM_SQUID, log.toString());
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf("trace: exit %d in %.1f s (%,.0f lines/s); peak RSS %d MB%n", exit, seconds, lines / seconds,
                    BenchCommand.peakRssMb());
            if (exit != 0) {
                out.println("CRASH: " + traceErr.toString().strip());
                return ExitCodes.FAILURE;
            }
            try (Connection c = Store.openReadOnly(db); Statement s = c.createStatement()) {
                long records = single(s, "SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log)");
                long rejects = single(s, "SELECT count(*) FROM rejects");
                long distinct = single(s, "SELECT count(DISTINCT line) FROM (SELECT line FROM envoy_log UNION ALL "
                        + "SELECT line FROM squid_log UNION ALL SELECT line FROM rejects)");
                long internal = single(s, "SELECT count(*) FROM rejects WHERE starts_with(reason, '"
                        + LogParser.INTERNAL_ERROR.replace("'", "''") + "')");
                out.printf("lines %,d: records %,d + rejects %,d = %,d (%s); lines with a row: %,d%n", lines, records, rejects,
                        records + rejects, records + rejects == lines ? "every line accounted for" : "MISMATCH", distinct);
                out.printf("crashes: %d (trace exit 0; internal-error rejects %d)%n", internal, internal);
                out.println("rejects by reason (values masked), top 25:");
                try (ResultSet rs = s.executeQuery("""
                        SELECT left(regexp_replace(regexp_replace(reason, '''[^'']*''|"[^"]*"', '…', 'g'), '[0-9]+', 'N', 'g'), 100) AS r,
                               count(*) AS n
                        FROM rejects GROUP BY r ORDER BY n DESC, r LIMIT 25""")) {
                    while (rs.next()) {
                        out.printf("  %,9d  %s%n", rs.getLong(2), rs.getString(1));
                    }
                }
                out.flush();
                return records + rejects == lines && internal == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
            }
        } finally {
            if (temporary) {
                BenchCommand.deleteTree(root);
            }
        }
    }

    private static long single(Statement s, String sql) throws java.sql.SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
