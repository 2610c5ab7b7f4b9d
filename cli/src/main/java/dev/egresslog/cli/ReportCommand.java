package dev.egresslog.cli;

import dev.egresslog.cli.report.ReportData;
import dev.egresslog.cli.report.ReportPage;
import dev.egresslog.cli.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes one self-contained HTML page (it opens offline) with charts and tables of the database: "
                + "tunnels over time, failures by hop, top pods and targets, durations and bytes, Squid clocks, join "
                + "confidence, denials and gateway bypasses.")
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOption database;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "report.html",
            description = "The page to write (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--from", paramLabel = "TIME", description = "Only tunnels that start at or after this UTC time (2026-04-12T13:00:00Z).")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "Only tunnels that start before this UTC time.")
    String to;

    @Override
    public Integer call() throws Exception {
        Long fromMs = time(from, "--from");
        Long toMs = time(to, "--to");
        long t0 = System.nanoTime();
        String page;
        Connection c;
        try {
            c = Store.openForQueries(database.db, false);
        } catch (Store.LockedException e) {
            throw new UserException("the database " + database.db + " is held by another process (" + e.holder()
                    + "); run report when the trace or stream ends", ExitCodes.FAILURE);
        }
        try (c) {
            page = ReportPage.render(new ReportData(c, fromMs, toMs).collect(), database.db.toString());
        } catch (SQLException e) {
            throw new UserException("database error: " + Store.firstLine(e), ExitCodes.FAILURE);
        }
        Path tmp = Path.of(output.toAbsolutePath() + ".tmp");
        try {
            Files.writeString(tmp, page, StandardCharsets.UTF_8);
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new UserException("cannot write " + output + ": " + e.getMessage(), ExitCodes.FAILURE);
        }
        spec.commandLine().getErr().printf("egresslog report: wrote %s (%,d bytes) in %.1f s%n", output, Files.size(output),
                (System.nanoTime() - t0) / 1e9);
        return ExitCodes.OK;
    }

    private static Long time(String text, String option) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new UserException(option + " expects a UTC time like 2026-04-12T13:00:00Z, found '" + text + "'");
        }
    }
}
