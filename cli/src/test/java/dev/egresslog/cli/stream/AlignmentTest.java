package dev.egresslog.cli.stream;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Partitions of a backlog kept at about the same event time: the ones ahead wait, nothing stalls. */
class AlignmentTest {
    private static final long AHEAD = 30_000;
    private static final long IDLE = 30_000;
    private static final long T = 1_650_000_000_000L;
    /** Wall time. */
    private static final long NOW = 1_700_000_000_000L;

    private static Map<String, Long> lag(Object... partitionAndLag) {
        Map<String, Long> lag = new HashMap<>();
        for (int i = 0; i < partitionAndLag.length; i += 2) {
            lag.put((String) partitionAndLag[i], (Long) partitionAndLag[i + 1]);
        }
        return lag;
    }

    @Test
    void aPartitionAheadOfTheSlowestWaitsUntilItIsWithinHalfTheBound() {
        Alignment a = new Alignment(AHEAD, IDLE);
        a.delivered("envoy/0", T, NOW);
        a.delivered("squid/0", T + AHEAD + 1, NOW);
        Alignment.Decision d = a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of(), NOW);
        assertEquals(Set.of("squid/0"), d.pause());
        assertEquals(Set.of(), d.resume());

        // exactly at the bound: not paused
        a.delivered("squid/0", T + AHEAD, NOW);
        assertEquals(Set.of(), a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of(), NOW).pause());

        // paused, it waits while more than half the bound ahead...
        a.delivered("envoy/0", T + AHEAD / 2 - 1, NOW);
        assertEquals(new Alignment.Decision(Set.of(), Set.of()),
                a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of("squid/0"), NOW));
        // ...and goes on once the slowest is within half of it
        a.delivered("envoy/0", T + AHEAD / 2, NOW);
        assertEquals(Set.of("squid/0"), a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of("squid/0"), NOW).resume());
    }

    @Test
    void aPartitionThatDeliveredNothingYetIsTheSlowestOfAll() {
        Alignment a = new Alignment(AHEAD, IDLE);
        a.delivered("envoy/0", T, NOW);
        Alignment.Decision d = a.decide(lag("envoy/0", 1_000L, "squid/0", 5L), Set.of(), NOW);
        assertEquals(Set.of("envoy/0"), d.pause(), "the others wait for its first records");
        // its lag not known yet: it sets no pace
        assertEquals(Set.of(), a.decide(lag("envoy/0", 1_000L, "squid/0", null), Set.of(), NOW).pause());
    }

    @Test
    void nothingWaitsBehindAPartitionWithNoRecordsWaiting() {
        Alignment a = new Alignment(AHEAD, IDLE);
        a.delivered("envoy/0", T + 3_600_000, NOW);
        a.delivered("squid/0", T, NOW); // drained long ago (a Squid taken out of service)
        assertEquals(Set.of(), a.decide(lag("envoy/0", 1_000L, "squid/0", 0L), Set.of(), NOW).pause());
        assertEquals(Set.of("envoy/0"), a.decide(lag("envoy/0", 1_000L, "squid/0", 0L), Set.of("envoy/0"), NOW).resume(),
                "a partition paused behind one that has drained goes on");
        // every partition drained: whatever is paused goes on
        assertEquals(Set.of("envoy/0"), a.decide(lag("envoy/0", 0L, "squid/0", 0L), Set.of("envoy/0"), NOW).resume());
    }

    @Test
    void aRevokedPartitionSetsNoPace() {
        Alignment a = new Alignment(AHEAD, IDLE);
        a.delivered("envoy/0", T + 3_600_000, NOW);
        a.delivered("squid/0", T, NOW);
        a.forget("squid/0");
        // assigned again later: it delivered nothing since, so the others wait for its first records
        assertEquals(Set.of("envoy/0"), a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of(), NOW).pause());
        a.delivered("squid/0", T + 3_600_000 - 1, NOW);
        assertEquals(Set.of(), a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of(), NOW).pause());
    }

    @Test
    void aPartitionThatDeliversNothingForTheIdleTimeSetsNoPace() {
        Alignment a = new Alignment(AHEAD, IDLE);
        a.delivered("envoy/0", T + 3_600_000, NOW);
        a.delivered("squid/0", T, NOW); // then its leader became unreachable: its records wait, none come
        assertEquals(Set.of("envoy/0"), a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of(), NOW + IDLE - 1).pause());
        assertEquals(Set.of("envoy/0"), a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of("envoy/0"), NOW + IDLE).resume(),
                "the rest go on");
        // it delivers again: it sets the pace again
        a.delivered("squid/0", T + 1_000, NOW + 2 * IDLE);
        assertEquals(Set.of("envoy/0"), a.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of(), NOW + 2 * IDLE).pause());
        // one never heard from is awaited for the idle time from when it was first seen
        Alignment b = new Alignment(AHEAD, IDLE);
        b.delivered("envoy/0", T, NOW);
        assertEquals(Set.of("envoy/0"), b.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of(), NOW).pause());
        assertEquals(Set.of("envoy/0"), b.decide(lag("envoy/0", 1_000L, "squid/0", 1_000L), Set.of("envoy/0"), NOW + IDLE).resume());
    }
}
