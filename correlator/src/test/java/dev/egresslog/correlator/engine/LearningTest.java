package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream's learning, kept across passes: fed the lines as their time becomes final, in pieces
 * of any size, it learns what one run over the same lines learns, and a pass's copy of it, fed
 * the newer lines, leaves it as it was.
 */
class LearningTest {
    private final Mesh mesh = drifting();

    /** Ten minutes of tunnels through a Squid 40 s ahead that drifts 1,000 ppm, gateway clocks skewed, a burst of denials. */
    private static Mesh drifting() {
        Mesh m = new Mesh(21);
        m.squidOffsetMs = 40_000;
        m.driftPpm = 1_000;
        m.gatewaySkewMs = new long[]{180, -120};
        m.latencyMs = 10;
        EngineScenariosTest.traffic(m, m.t0, 3_000, 200, new Random(22));
        for (int i = 0; i < 200; i++) {
            m.denied(30, m.t0 + 300_000 + i * 4L);
        }
        return m;
    }

    @Test
    void learningFedInPiecesMakesTheRowsOfOneRun() {
        List<Tunnel> all = new ArrayList<>();
        Engine.correlate(mesh.envoy, mesh.squid, JoinSettings.defaults(), all::add);
        Set<String> oneRun = rows(all);
        long first = mesh.envoy.stream().mapToLong(h -> h.start() + h.duration()).min().orElseThrow();
        long last = mesh.envoy.stream().mapToLong(h -> h.start() + h.duration()).max().orElseThrow();
        for (long piece : new long[]{1_000, 7_000, 45_000}) {
            Learning learning = new Learning(JoinSettings.defaults());
            // every feed is handed all the lines: one read twice (not only those after where the
            // learning stands) changes the rows
            for (long before = first - 1; before <= last + piece; before += piece) {
                learning.feed(mesh.envoy, mesh.squid, before);
            }
            assertEquals(oneRun, rowsOf(learning), "fed in pieces of " + piece + " ms");
            assertEquals(oneRun, rowsOf(learning), "a pass's copy learns alone");
        }
    }

    @Test
    void aPassesCopyFedTheNewerLinesLeavesTheLearningAsItWas() {
        long middle = mesh.t0 + 300_000;
        Learning learning = new Learning(JoinSettings.defaults());
        learning.feed(mesh.envoy, mesh.squid, middle);
        int before = support(learning);
        Learning pass = learning.copy();
        pass.feed(mesh.envoy, mesh.squid, Long.MAX_VALUE);
        assertTrue(support(pass) > before + 100, "the newer lines teach: " + support(pass) + " pairs agree with the clock, " + before + " before");
        assertEquals(before, support(learning), "the copy's lines are not in the original");
        assertEquals(middle, learning.envoyFedBefore());
        assertEquals(middle - JoinSettings.defaults().maxSkewMs(), learning.squidFedBefore());
    }

    /**
     * A pass's copy fed its newer lines to the end (the bound Long.MAX_VALUE) keeps the certain pairs
     * it found while fed, and those the learning had: the same as one run over the lines. (The
     * pairs were forgotten before the bound less {@link Learning#KEEP_PAIRS_MS}: with the bound at
     * the end of time, every pair went but those found when the learning finished, the last
     * minutes' of a pass. On the 1 M-tunnel backlog a stream's passes then placed a Squid's lines
     * minutes off and split its bypass tunnels.) A largest skew of a minute, so that lines are
     * looked at while fed, not only when the learning finishes.
     */
    @Test
    void aPassesCopyFedToTheEndKeepsItsCertainPairs() {
        var d = JoinSettings.defaults();
        JoinSettings settings = new JoinSettings(60_000, d.proxyWindowMs(), d.meshWindowMs(), d.proxyAddresses(), d.squidProxy(),
                d.priorOffsetMs(), d.priorProxy());
        int oneRun = Engine.correlate(mesh.envoy, mesh.squid, settings, t -> { }).squidClocks().values().stream()
                .mapToInt(ClockModel::support).sum();
        Learning learning = new Learning(settings);
        learning.feed(mesh.envoy, mesh.squid, mesh.t0 + 300_000);
        Learning pass = learning.copy();
        pass.feed(mesh.envoy, mesh.squid, Long.MAX_VALUE);
        int passSupport = Engine.correlate(pass, mesh.envoy, mesh.squid, settings, t -> { }, Engine.Slices.ALL).squidClocks().values()
                .stream().mapToInt(ClockModel::support).sum();
        assertTrue(oneRun > 1_000, "one run's pairs: " + oneRun);
        assertEquals(oneRun, passSupport, 0.02 * oneRun, "pairs agreeing with the clock: one run " + oneRun + ", the pass " + passSupport);
    }

    /** The rows of all the lines, learning from a copy of {@code learning} fed every line (as a pass at the end would). */
    private Set<String> rowsOf(Learning learning) {
        Learning pass = learning.copy();
        pass.feed(mesh.envoy, mesh.squid, Long.MAX_VALUE);
        return rowsJoined(pass);
    }

    /** The rows of all the lines, learning from {@code learning} as it stands (a copy of it: it goes on). */
    private Set<String> rowsJoined(Learning learning) {
        List<Tunnel> out = new ArrayList<>();
        Engine.correlate(learning.copy(), mesh.envoy, mesh.squid, JoinSettings.defaults(), out::add, Engine.Slices.ALL);
        return rows(out);
    }

    /** How many certain pairs agree with the Squid clock learned from a copy of {@code learning} as it stands. */
    private int support(Learning learning) {
        Engine.Result result = Engine.correlate(learning.copy(), mesh.envoy, mesh.squid, JoinSettings.defaults(), t -> { }, Engine.Slices.ALL);
        return result.squidClocks().values().stream().mapToInt(ClockModel::support).sum();
    }

    private static Set<String> rows(List<Tunnel> out) {
        Set<String> rows = new TreeSet<>();
        for (Tunnel t : out) {
            rows.add(t.status() + " " + t.sidecar() + " " + t.gateway() + " " + t.squid());
        }
        assertTrue(rows.size() > 3_000, "rows: " + rows.size());
        return rows;
    }
}
