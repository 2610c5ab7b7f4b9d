package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One scenario per status and per trap of correlation: lines in, the rows they must make out.
 * Every scenario has ordinary traffic around it (as a real capture has: the clocks are learned
 * from it); every one also checks the invariant (each line on an egress path in exactly one row).
 */
class EngineScenariosTest {

    /** Ordinary tunnels, with distinct byte counts, one every {@code everyMs} from {@code from}. */
    static void traffic(Mesh m, long from, int tunnels, long everyMs, Random random) {
        for (int i = 0; i < tunnels; i++) {
            m.complete(1 + random.nextInt(20), from + i * everyMs + random.nextInt(50), 50 + random.nextInt(3000),
                    200 + random.nextInt(3000), 1_000 + random.nextInt(1_000_000));
        }
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(
                scenario("complete", m -> m.complete(7, m.t0 + 31_000, 800, 1_200, 52_345)),
                scenario("denied", m -> m.denied(7, m.t0 + 31_000)),
                scenario("upstream_failed", m -> m.tunnel(7, m.t0 + 31_000, 900, 300, 4_012, "NONE_NONE/503", 503, false, false, false)),
                scenario("gateway_failed", m -> m.gatewayFailed(7, m.t0 + 31_000)),
                scenario("sidecar_failed, no local address", m -> m.sidecarFailed(7, m.t0 + 31_000, false)),
                scenario("sidecar_failed, with its local address", m -> m.sidecarFailed(7, m.t0 + 31_000, true)),
                scenario("bypass", m -> m.bypass(7, m.t0 + 31_000, 400, 77_777)),
                scenario("non_mesh", m -> m.nonMesh(m.t0 + 31_000, 300, 12_345)),
                scenario("partial: Squid's line lost", m -> m.tunnel(7, m.t0 + 31_000, 800, 1_200, 52_346, "TCP_TUNNEL/200", 200,
                        false, false, true)),
                scenario("partial: the sidecar's line lost", m -> m.tunnel(7, m.t0 + 31_000, 800, 1_200, 52_347, "TCP_TUNNEL/200", 200,
                        true, false, false)),
                scenario("the gateway's line lost", m -> m.tunnel(7, m.t0 + 31_000, 800, 1_200, 52_348, "TCP_TUNNEL/200", 200,
                        false, true, false)),
                scenario("SNAT: the gateway sees the node", m -> {
                    m.snat = true;
                    m.complete(7, m.t0 + 31_000, 800, 1_200, 52_349);
                    m.snat = false;
                }),
                scenario("a Squid clock 80 s behind", m -> m.squidOffsetMs = -80_000),
                scenario("a Squid clock 14 minutes ahead", m -> m.squidOffsetMs = 14 * 60_000),
                scenario("a gateway node's clock 280 ms ahead, another 150 ms behind", m -> m.gatewaySkewMs = new long[]{280, -150}),
                scenario("a Squid clock drifting 1,000 ppm", m -> m.driftPpm = 1_000),
                scenario("port reuse: one sidecar port again a minute later", m -> {
                    // the same upstream socket address twice (the mesh writes ports in sequence; this one is made to repeat)
                    m.complete(7, m.t0 + 20_000, 300, 900, 11_111);
                    m.complete(7, m.t0 + 80_000, 300, 900, 22_222);
                }));
    }

    private static Arguments scenario(String name, Consumer<Mesh> setup) {
        return Arguments.of(name, setup);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void eachScenarioMakesItsRows(String name, Consumer<Mesh> setup) {
        Mesh m = new Mesh(7);
        setup.accept(m);
        traffic(m, m.t0, 120, 1_000, new Random(11));
        assertEquals(m.expected, m.rows(), name);
    }

    /**
     * The incident the tool is opened for: pods retrying a blocked host 150 times in a second,
     * every Squid line the same 403 page, every Envoy line the same bytes, behind SNAT, while the
     * Squid clock drifts 1,000 ppm and a gateway node is 200 ms off. Lines 7 ms apart and a
     * latency of 1-2 ms: none is a twin of another, so every one must join right.
     */
    @Test
    void aBurstOfIdenticalDenialsThroughSnatWithDriftingClocksJoinsLineByLine() {
        Mesh m = new Mesh(3);
        m.driftPpm = 1_000;
        m.squidOffsetMs = -45_000;
        m.gatewaySkewMs = new long[]{200, 0};
        traffic(m, m.t0, 600, 1_000, new Random(5));
        m.snat = true;
        for (int i = 0; i < 150; i++) {
            m.denied(9, m.t0 + 300_000 + i * 7L);
        }
        m.snat = false;
        assertEquals(m.expected, m.rows());
    }

    /** Two pods behind one SNAT node retrying identical connections at once: the bytes from each client tell them apart. */
    @Test
    void twoPodsRetryingAtOnceBehindSnatAreToldApartByTheBytesTheySent() {
        Mesh m = new Mesh(4);
        traffic(m, m.t0, 200, 1_000, new Random(6));
        m.snat = true;
        for (int i = 0; i < 60; i++) {
            m.tunnel(11, m.t0 + 100_000 + i * 10L, 3, 115, 3428, "TCP_DENIED/403", 403, false, false, false);
            m.tunnel(12, m.t0 + 100_001 + i * 10L, 3, 122, 3428, "TCP_DENIED/403", 403, false, false, false);
        }
        m.snat = false;
        assertEquals(m.expected, m.rows());
    }

    /** Lines lost in a burst (one in twenty, on every hop): the rest still join line by line, nothing shifts by one. */
    @Test
    void linesLostInABurstShiftNothing() {
        Mesh m = new Mesh(5);
        traffic(m, m.t0, 300, 1_000, new Random(7));
        Random loss = new Random(8);
        for (int i = 0; i < 120; i++) {
            m.tunnel(13, m.t0 + 150_000 + i * 8L, 3, 115, 3428, "TCP_DENIED/403", 403, loss.nextInt(20) == 0, loss.nextInt(20) == 0,
                    loss.nextInt(20) == 0);
        }
        assertEquals(m.expected, m.rows());
    }

    /** The rows do not depend on the order the lines come in. */
    @Test
    void theOrderOfTheLinesChangesNothing() {
        Mesh m = new Mesh(6);
        m.driftPpm = 500;
        traffic(m, m.t0, 400, 500, new Random(9));
        for (int i = 0; i < 80; i++) {
            m.denied(14, m.t0 + 60_000 + i * 9L);
        }
        Set<String> inOrder = m.rows();
        Collections.shuffle(m.envoy, new Random(1));
        Collections.shuffle(m.squid, new Random(2));
        assertEquals(inOrder, m.rows());
        assertEquals(m.expected, inOrder);
    }

    /**
     * Identical connections closer than the latency between gateway and Squid cannot all be told
     * apart; the engine may guess among such twins, but each line still ends in exactly one row,
     * and no row is made of lines from different bursts.
     */
    @Test
    void twinsAreGuessedAmongButEveryLineIsInOneRow() {
        Mesh m = new Mesh(8);
        m.latencyMs = 25;
        traffic(m, m.t0, 100, 1_000, new Random(10));
        for (int i = 0; i < 200; i++) {
            m.denied(15, m.t0 + 40_000 + i * 3L);
        }
        Set<String> rows = m.rows();
        assertEquals(m.expected.size(), rows.size(), "one row per tunnel");
        List<String> problems = new ArrayList<>();
        for (String row : rows) {
            if (row.startsWith("invariant") || row.startsWith("line in two rows")) {
                problems.add(row);
            }
        }
        assertTrue(problems.isEmpty(), problems.toString());
        Set<String> statuses = new TreeSet<>();
        rows.forEach(r -> statuses.add(r.substring(0, r.indexOf(' '))));
        assertEquals(Set.of("complete", "denied"), statuses);
    }
}
