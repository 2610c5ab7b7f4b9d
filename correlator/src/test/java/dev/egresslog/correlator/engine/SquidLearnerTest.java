package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Squid clocks' learning holds what its budget allows, however dense the mesh: a mesh too
 * dense for twice the largest skew of hops is searched over what the held hops cover (trace on
 * 1,700 tunnels a second ran out of its 288 MB heap before), and a Squid clock within that is
 * still learned.
 */
class SquidLearnerTest {
    private static final int SOURCE = 7;

    @Test
    void aDenseMeshIsLearnedWithinTheBudget() {
        int held = 3_000;
        // 30,000 tunnels, one every 20 ms (10 minutes): 3,000 hops cover 60 s, searched ±30 s
        SquidLearner learner = learn(30_000, 20, 8_000, held);
        ClockModel clock = learner.models.get(SOURCE);
        assertNotNull(clock, "a clock learned");
        assertTrue(Math.abs(clock.overall() - 8_000) <= 10, "offset " + clock.overall());
        assertTrue(clock.support() > 1_000, "pairs agreeing: " + clock.support());
    }

    @Test
    void aSparseMeshIsSearchedOverTheWholeSkew() {
        // 3,000 tunnels a second apart: the budget is never reached, a 14-minute offset is found
        SquidLearner learner = learn(3_000, 1_000, 14 * 60_000, 3_000);
        assertEquals(14 * 60_000, learner.models.get(SOURCE).overall(), 10);
    }

    /** Tunnels every {@code everyMs}, each with a Squid line {@code offsetMs} ahead; checks the budget after every hop. */
    private static SquidLearner learn(int tunnels, long everyMs, long offsetMs, int held) {
        Random random = new Random(3);
        List<MeshLearner.Upstream> hops = new ArrayList<>();
        List<SquidHop> lines = new ArrayList<>();
        long t0 = 1_776_000_000_000L;
        for (int i = 0; i < tunnels; i++) {
            long start = t0 + i * everyMs;
            long duration = 100 + random.nextInt(3_000);
            long down = 10_000 + i * 7L;
            hops.add(new MeshLearner.Upstream(start, duration, down, 0, 42, true));
            long squidStart = start + offsetMs + 1 + random.nextInt(5);
            lines.add(new SquidHop(i, SOURCE, squidStart, duration, down, 99, -1, false, false, 200));
        }
        hops.sort(java.util.Comparator.comparingLong(MeshLearner.Upstream::end));
        lines.sort(java.util.Comparator.comparingLong((SquidHop q) -> q.start() + q.elapsed()));
        SquidLearner learner = new SquidLearner(15 * 60_000, lines.iterator(), held);
        for (MeshLearner.Upstream hop : hops) {
            learner.accept(hop);
            int[] holding = learner.holding();
            assertTrue(holding[0] <= held && holding[1] <= held && holding[2] <= 2 * held,
                    "held " + holding[0] + " hops, " + holding[1] + " and " + holding[2] + " lines");
        }
        learner.finishReading();
        learner.finish(Map.of(), 1_500);
        return learner;
    }
}
