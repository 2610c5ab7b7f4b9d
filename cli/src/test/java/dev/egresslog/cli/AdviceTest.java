package dev.egresslog.cli;

import dev.egresslog.cli.report.Advice;
import dev.egresslog.cli.sim.MeshSimulator;
import dev.egresslog.cli.sim.SimulationConfig;
import dev.egresslog.cli.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.egresslog.cli.ParseCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of advice speaks when the data shows its problem, and is silent when it does not. */
class AdviceTest {
    @TempDir
    Path dir;

    private Set<String> kinds(Path db) throws Exception {
        Set<String> kinds = new TreeSet<>();
        try (Connection c = Store.openReadOnly(db)) {
            for (Advice.Item item : Advice.of(c)) {
                kinds.add(item.kind());
            }
        }
        return kinds;
    }

    private Path trace(Path logs, String... options) {
        Path db = dir.resolve(logs.getParent().getFileName() + "-" + logs.getFileName() + ".duckdb");
        List<String> args = new java.util.ArrayList<>(List.of("trace", "--db", db.toString()));
        args.addAll(List.of(options));
        args.add(logs.toString());
        ParseCommandTest.Run run = run(args.toArray(String[]::new));
        assertEquals(0, run.exit(), run.err());
        return db;
    }

    @Test
    void squidWithoutTheClientPortIsToldTheLogformatLine() throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain").resolve("logs"));
        TraceCommandTest.writeSeedLogs(plain);
        Path db = trace(plain);
        assertTrue(kinds(db).contains("squid-port"));
        ParseCommandTest.Run summary = run("trace", "--db", db.toString(), plain.toString());
        assertTrue(summary.out().contains("Tunnels joined to Squid lines on time and bytes alone (") && summary.out().contains("access.log 1 of 1)"), summary.out());
        assertTrue(summary.out().contains("%>a:%>p"), summary.out());

        // the same tunnel with Squid logging the client port: joined on it, nothing to say
        Path withPort = Files.createDirectories(dir.resolve("port").resolve("logs"));
        TraceCommandTest.writeSeedLogs(withPort);
        Files.writeString(withPort.resolve("access.log"), TraceCommandTest.SEED_SQUID.replace(" 10.0.0.98 ", " 10.0.0.98:39040 ") + "\n");
        Path portDb = trace(withPort, "--squid-logformat", "%ts.%03tu %6tr %>a:%>p %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt");
        assertEquals(1L, TraceCommandTest.count(portDb, "SELECT count(*) FROM tunnels WHERE proxy_link_key = 'client-port'"));
        assertFalse(kinds(portDb).contains("squid-port"));
    }

    @Test
    void aDriftingSquidClockIsMeasuredInPpm() throws Exception {
        Path drifting = dir.resolve("drifting");
        MeshSimulator.run(new SimulationConfig(3_000, 1, 16, 4, 90, 3_600, 0, 3), drifting);
        Path db = trace(drifting.resolve("logs"));
        assertTrue(kinds(db).contains("squid-drift"), kinds(db).toString());
        Path steady = dir.resolve("steady");
        MeshSimulator.run(new SimulationConfig(3_000, 1, 16, 4, 90, 40, 0, 3), steady);
        assertFalse(kinds(trace(steady.resolve("logs"))).contains("squid-drift"));
    }

    @Test
    void sidecarsWithoutPodNamesAreToldHowToGetThem() throws Exception {
        Path sim = dir.resolve("files");
        MeshSimulator.run(new SimulationConfig(500, 50, 16, 4, 90, 40, 0, 4), sim);
        assertTrue(kinds(trace(sim.resolve("logs"))).contains("pod-names"));
        Path named = trace(sim.resolve("logs"), "--pods", sim.resolve("pods.json").toString());
        assertFalse(kinds(named).contains("pod-names"));
    }

    @Test
    void missingGatewayLinesAreCounted() throws Exception {
        Path lossy = dir.resolve("lossy");
        MeshSimulator.run(new SimulationConfig(1_000, 50, 16, 4, 90, 40, 0.05, 6), lossy);
        assertTrue(kinds(trace(lossy.resolve("logs"))).contains("lost-lines"));
        Path whole = dir.resolve("whole");
        MeshSimulator.run(new SimulationConfig(1_000, 50, 16, 4, 90, 40, 0, 6), whole);
        assertFalse(kinds(trace(whole.resolve("logs"))).contains("lost-lines"));
    }
}
