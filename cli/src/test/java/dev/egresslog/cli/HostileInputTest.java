package dev.egresslog.cli;

import dev.egresslog.cli.sim.HostileLines;
import dev.egresslog.parser.LogParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.egresslog.cli.ParseCommandTest.run;
import static dev.egresslog.cli.TraceCommandTest.count;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Seeded hostile lines through parse and trace: every line is a record or a reject, and no run fails. */
class HostileInputTest {
    @Test
    void everyHostileLineIsARecordOrARejectAndTheRunsSucceed(@TempDir Path dir) throws Exception {
        int n = 30_000;
        Path log = dir.resolve("hostile.log");
        new HostileLines(42).write(log, n);

        Path db = dir.resolve("fuzz.duckdb");
        ParseCommandTest.Run trace = run("trace", "--db", db.toString(), "--squid-logformat", HostileLines.CUSTOM_SQUID, log.toString());
        assertEquals(0, trace.exit(), trace.err());
        assertEquals(n, count(db, "SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log) "
                + "+ (SELECT count(*) FROM rejects)"));
        assertEquals(n, count(db, "SELECT count(DISTINCT line) FROM (SELECT line FROM envoy_log UNION ALL "
                + "SELECT line FROM squid_log UNION ALL SELECT line FROM rejects) WHERE line BETWEEN 1 AND " + n));
        assertEquals(0, count(db, "SELECT count(*) FROM rejects WHERE reason = '' OR starts_with(reason, '"
                + LogParser.INTERNAL_ERROR.replace("'", "''") + "')"));
        // both outcomes occur, or the generator tests nothing
        long rejects = count(db, "SELECT count(*) FROM rejects");
        assertEquals(true, rejects > n / 10 && rejects < n * 9 / 10, "rejects: " + rejects);

        ParseCommandTest.Run parse = run("parse", "-o", "jsonl", "--squid-logformat", HostileLines.CUSTOM_SQUID, log.toString());
        assertEquals(ExitCodes.REJECTS, parse.exit(), parse.err());
        assertEquals(n, parse.out().lines().count());
        assertEquals(0, parse.out().lines().filter(l -> l.contains("internal error")).count());
    }
}
