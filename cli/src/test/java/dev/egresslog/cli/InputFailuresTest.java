package dev.egresslog.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static dev.egresslog.cli.ParseCommandTest.run;
import static dev.egresslog.cli.TraceCommandTest.SEED_GATEWAY;
import static dev.egresslog.cli.TraceCommandTest.SEED_SIDECAR;
import static dev.egresslog.cli.TraceCommandTest.SEED_SQUID;
import static dev.egresslog.cli.TraceCommandTest.count;
import static dev.egresslog.cli.TraceCommandTest.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What operators feed egresslog besides clean log files, each case found by probing it: standard
 * input and pipes, the database's own directory, half-written and broken files, and arguments
 * that make no sense. Cases that depend on standard input, standard output or the working
 * directory run egresslog as a process of its own, as a user would.
 */
class InputFailuresTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final TestProcesses started = new TestProcesses();


    record Exec(int exit, String out, String err) {
    }

    /** egresslog as its own process in {@code cwd}, stdin from {@code stdin} (or none), stdout to {@code stdout} (or captured). */
    Exec egresslog(Path cwd, Path stdin, Path stdout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "err", ".txt");
        Path out = stdout != null ? stdout : Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectError(err.toFile()).redirectOutput(out.toFile());
        pb.redirectInput(stdin != null ? ProcessBuilder.Redirect.from(stdin.toFile()) : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        started.add(p);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "egresslog " + String.join(" ", args) + " did not end");
        String o = stdout != null ? "" : Files.readString(out);
        Exec e = new Exec(p.exitValue(), o, Files.readString(err));
        Files.deleteIfExists(err);
        if (stdout == null) {
            Files.deleteIfExists(out);
        }
        return e;
    }

    private Path seedLogs() throws IOException {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        TraceCommandTest.writeSeedLogs(logs);
        return logs;
    }

    @Test
    void theSameStandardInputTwiceIsStoredOnce() throws Exception {
        Path input = dir.resolve("piped.txt");
        Files.writeString(input, SEED_SIDECAR + "\n" + SEED_GATEWAY + "\n" + SEED_SQUID + "\n");
        Path db = dir.resolve("stdin.duckdb");
        for (int i = 0; i < 2; i++) {
            Exec trace = egresslog(dir, input, null, "trace", "--db", db.toString(), "-");
            assertEquals(0, trace.exit(), trace.err());
        }
        assertEquals(3, count(db, "SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log)"));
        assertEquals(1, count(db, "SELECT count(*) FROM sources"));
        // the same pod's log piped again later, with one more line: only that line is added
        Files.writeString(input, SEED_SIDECAR + "\n" + SEED_GATEWAY + "\n" + SEED_SQUID + "\n" + TraceCommandTest.LATER_SQUID + "\n");
        Exec third = egresslog(dir, input, null, "trace", "--db", db.toString(), "-");
        assertEquals(0, third.exit(), third.err());
        assertEquals(4, count(db, "SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log)"));
        assertFalse(Files.exists(Path.of(db + ".stdin")), "spooled input left behind");
    }

    @Test
    void traceInsideTheLogDirectoryNeverReadsItsOwnDatabase() throws Exception {
        Path logs = seedLogs();
        for (int i = 0; i < 2; i++) {
            Exec trace = egresslog(logs, null, null, "trace", ".");
            assertEquals(0, trace.exit(), trace.err());
        }
        Path db = logs.resolve("egresslog.duckdb");
        assertEquals(0, count(db, "SELECT count(*) FROM rejects"));
        assertEquals(3, count(db, "SELECT count(*) FROM sources WHERE kind IS DISTINCT FROM 'skipped'"));
        assertEquals(0, count(db, "SELECT count(*) FROM sources WHERE path LIKE '%duckdb%' AND kind IS DISTINCT FROM 'skipped'"));
        // named on the command line, it is refused
        Exec named = egresslog(logs, null, null, "trace", "egresslog.duckdb");
        assertEquals(ExitCodes.USAGE, named.exit());
        assertEquals(1, named.err().lines().count(), named.err());
    }

    @Test
    void parseNeverReadsTheFileItsOutputGoesTo() throws Exception {
        Path logs = seedLogs();
        Path out = logs.resolve("out.jsonl");
        Exec parse = egresslog(logs, null, out, "parse", "-o", "jsonl", ".");
        assertEquals(0, parse.exit(), parse.err());
        assertEquals(3, Files.readAllLines(out).size());
        assertTrue(parse.err().contains("skipped ./out.jsonl"), parse.err());
    }

    @Test
    void pipesAreReadAndOddDirectoryEntriesAreSaid() throws Exception {
        Path logs = seedLogs();
        Files.createSymbolicLink(logs.resolve("dangling.log"), logs.resolve("gone.log"));
        Files.createSymbolicLink(logs.resolve("loop"), logs);
        Path fifo = logs.resolve("pipe.log");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        Path db = dir.resolve("odd.duckdb");
        ParseCommandTest.Run trace = run("trace", "--db", db.toString(), logs.toString());
        assertEquals(0, trace.exit(), trace.err());
        assertTrue(trace.err().contains("skipped " + fifo + ": a pipe, socket or device"), trace.err());
        assertTrue(trace.err().contains("dangling.log: a symbolic link to nothing"), trace.err());
        assertTrue(trace.err().contains("a symbolic link loop"), trace.err());
        assertEquals(3, count(db, "SELECT count(*) FROM sources WHERE kind = 'skipped' AND error IS NOT NULL"));
        assertTrue(trace.out().contains("Not read: 3 entries"), trace.out());
        assertEquals(1, count(db, "SELECT count(*) FROM tunnels WHERE status = 'complete'"));

        // named on the command line, a pipe is read (as <(kubectl logs ...) is)
        Thread writer = new Thread(() -> {
            try (OutputStream o = Files.newOutputStream(fifo)) {
                o.write((SEED_SQUID + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        ParseCommandTest.Run parse = run("parse", fifo.toString());
        writer.join(30_000);
        assertEquals(0, parse.exit(), parse.err());
        assertEquals(1, parse.lines().size());
        assertTrue(parse.out().contains("\"kind\":\"squid\""), parse.out());
    }

    @Test
    void aHalfWrittenLastLineIsReadAgainWhenTheFileGrows() throws Exception {
        Path logs = seedLogs();
        Path squid = logs.resolve("access.log");
        String later = TraceCommandTest.LATER_SQUID;
        Files.writeString(squid, SEED_SQUID + "\n" + later.substring(0, 40));
        Path db = dir.resolve("half.duckdb");
        ParseCommandTest.Run first = run("trace", "--db", db.toString(), logs.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("has no line end yet"), first.err());
        assertEquals(1, count(db, "SELECT count(*) FROM rejects"));
        Files.writeString(squid, later.substring(40) + "\n", java.nio.file.StandardOpenOption.APPEND);
        ParseCommandTest.Run second = run("trace", "--db", db.toString(), logs.toString());
        assertEquals(0, second.exit(), second.err());
        assertEquals(0, count(db, "SELECT count(*) FROM rejects"));
        assertEquals(2, count(db, "SELECT count(*) FROM squid_log"));
        assertEquals(1, count(db, "SELECT count(*) FROM squid_log WHERE line = 2 AND bytes = 90305"));
        assertEquals(2, count(db, "SELECT records FROM sources WHERE path = '" + squid + "'"));
        assertEquals(0, count(db, "SELECT rejects FROM sources WHERE path = '" + squid + "'"));
    }

    @Test
    void brokenGzipKeepsEveryLineNumberAndParseGoesOn() throws Exception {
        StringBuilder text = new StringBuilder();
        int n = 5_000;
        for (int i = 0; i < n; i++) {
            text.append(SEED_SQUID).append('\n');
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = gz.toByteArray();
        Path cut = dir.resolve("cut.log.gz");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path magicOnly = dir.resolve("only-magic.gz");
        Files.write(magicOnly, new byte[] {0x1f, (byte) 0x8b});
        Path fine = dir.resolve("fine.log");
        Files.writeString(fine, SEED_SQUID + "\n");

        ParseCommandTest.Run parse = run("parse", magicOnly.toString(), fine.toString());
        assertEquals(ExitCodes.REJECTS, parse.exit(), parse.err());
        assertEquals(1, parse.lines().size(), "the file after the broken one is read");
        assertTrue(parse.err().contains("only-magic.gz: cannot read after line 0: the compressed stream ends early"), parse.err());

        Path db = dir.resolve("gz.duckdb");
        ParseCommandTest.Run trace = run("trace", "--db", db.toString(), cut.toString());
        assertEquals(0, trace.exit(), trace.err());
        long records = count(db, "SELECT count(*) FROM squid_log");
        long rejects = count(db, "SELECT count(*) FROM rejects");
        long lines = count(db, "SELECT lines FROM sources");
        assertTrue(records > 0 && records < n, "records " + records);
        // every line read keeps its number: the line the break cut is a reject, nothing past it
        assertEquals(lines, records + rejects);
        assertEquals(lines, count(db, "SELECT max(line) FROM (SELECT line FROM squid_log UNION ALL SELECT line FROM rejects)"));
        assertEquals(1, rejects);
        assertTrue(((String) rows(db, "SELECT reason FROM rejects").get(0).get("reason")).startsWith("the input breaks off in this line"));
    }

    @Test
    void optionsThatMakeNoSenseAreOneLineAndExitTwo() throws Exception {
        Path logs = seedLogs();
        Path db = dir.resolve("o.duckdb");
        String[][] cases = {
                {"trace", "--db", db.toString(), "--threads", "0", logs.toString()},
                {"trace", "--db", db.toString(), "--threads", "-3", logs.toString()},
                {"trace", "--db", db.toString(), "--proxy", "not a proxy", logs.toString()},
                {"trace", "--db", db.toString(), "--proxy", "10.0.0.5:99999", logs.toString()},
                {"trace", "--db", db.toString(), "--squid-proxy", "/nonexistent=10.0.0.5:3128", logs.toString()},
                {"trace", "--db", db.toString(), "--squid-proxy", logs.resolve("access.log") + "=squid", logs.toString()},
                {"parse", "--max-line", "0", logs.toString()},
                {"parse", "--max-line", "-1", logs.toString()}};
        for (String[] args : cases) {
            ParseCommandTest.Run r = run(args);
            assertEquals(ExitCodes.USAGE, r.exit(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), String.join(" ", args) + ": " + r.err());
        }
    }

    @Test
    void aRoleForcedAgainstTheLinesIsSaidLoudly() throws Exception {
        Path logs = seedLogs();
        Path db = dir.resolve("role.duckdb");
        ParseCommandTest.Run trace = run("trace", "--db", db.toString(), "--squid", logs.resolve("gateway.log").toString(),
                logs.resolve("sidecar.log").toString(), logs.resolve("access.log").toString());
        assertEquals(0, trace.exit(), trace.err());
        assertTrue(trace.err().contains("WARNING: --squid " + logs.resolve("gateway.log") + ", but it holds 1 Envoy lines"),
                trace.err());
        // an Envoy line forced to be Squid's joins nothing: a sidecar's line so forced is no hop of any row
        Path forcedSidecar = dir.resolve("role-sidecar.duckdb");
        assertEquals(0, run("trace", "--db", forcedSidecar.toString(), "--squid", logs.resolve("sidecar.log").toString(),
                logs.resolve("gateway.log").toString(), logs.resolve("access.log").toString()).exit());
        assertEquals(0, rows(forcedSidecar, "SELECT * FROM tunnels WHERE sidecar_file LIKE '%sidecar.log'").size());
        ParseCommandTest.Run right = run("trace", "--db", dir.resolve("role2.duckdb").toString(), "--gateway",
                logs.resolve("gateway.log").toString(), logs.resolve("sidecar.log").toString(), logs.resolve("access.log").toString());
        assertEquals(0, right.exit(), right.err());
        assertFalse(right.err().contains("WARNING"), right.err());
    }

    @Test
    void explainFindsTheLogFromAnotherDirectory() throws Exception {
        Path logs = seedLogs();
        Path db = dir.resolve("explain.duckdb");
        Exec trace = egresslog(logs, null, null, "trace", "--db", db.toString(), "sidecar.log", "gateway.log", "access.log");
        assertEquals(0, trace.exit(), trace.err());
        String id = (String) rows(db, "SELECT tunnel_id FROM tunnels WHERE status = 'complete'").get(0).get("tunnel_id");
        Exec explain = egresslog(dir, null, null, "explain", "--db", db.toString(), id);
        assertEquals(0, explain.exit(), explain.err());
        assertTrue(explain.out().contains(SEED_SQUID), explain.out());
        assertFalse(explain.out().contains("cannot be read again"), explain.out());
    }

    @Test
    void aFailedRunLeavesNoWorkFilesAndSaysHowToGoOn() throws Exception {
        Path logs = seedLogs();
        Path db = dir.resolve("oom.duckdb");
        ParseCommandTest.Run trace = run("trace", "--db", db.toString(), "--memory-limit", "1KB", logs.toString());
        assertEquals(ExitCodes.FAILURE, trace.exit(), trace.err());
        assertEquals(1, trace.err().lines().filter(l -> !l.startsWith("egresslog trace: ") || l.contains("--memory-limit")).count(),
                trace.err());
        assertTrue(trace.err().contains("run again with a larger --memory-limit"), trace.err());
        for (String side : List.of(".work", ".work.wal", ".tmp", ".stdin")) {
            assertFalse(Files.exists(Path.of(db + side)), side + " left behind");
        }
        ParseCommandTest.Run again = run("trace", "--db", db.toString(), logs.toString());
        assertEquals(0, again.exit(), again.err());
        assertEquals(1, count(db, "SELECT count(*) FROM tunnels WHERE status = 'complete'"));
    }
}
