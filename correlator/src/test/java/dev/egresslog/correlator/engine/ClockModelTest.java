package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Squid clock drifting 1,000 ppm, seen through noisy pairs with strays: the model follows it to a few ms. */
class ClockModelTest {
    @Test
    void followsADriftingClockThroughNoiseAndStrays() {
        Random random = new Random(29);
        int n = 4_000;
        long[] time = new long[n];
        long[] delta = new long[n];
        long t0 = 1_776_000_000_000L;
        for (int i = 0; i < n; i++) {
            time[i] = t0 + (long) (random.nextDouble() * 3_600_000);
            long truth = -45_000 + Math.round((time[i] - t0) * 0.001);
            // latency 1-3 ms; one pair in ten is a stray (a wrong "certain" pair) up to 2 s off
            delta[i] = truth + 1 + random.nextInt(3) + (random.nextInt(10) == 0 ? random.nextInt(4_000) - 2_000 : 0);
        }
        ClockModel model = ClockModel.fit(time, delta, n);
        for (long t = t0; t <= t0 + 3_600_000; t += 10_000) {
            long truth = -45_000 + Math.round((t - t0) * 0.001) + 2;
            assertEquals(truth, model.at(t), 3, "at +" + (t - t0) / 1000 + " s");
        }
        assertEquals(1_000, model.driftPpm(), 20);
        // beyond the pairs, the model holds its last value: no slope is extrapolated
        assertEquals(model.at(t0 + 3_600_000), model.at(t0 + 7_200_000), 5);
        assertTrue(model.support() > n / 2);
    }

    @Test
    void aFewPairsGiveTheirMedianAndNoSlope() {
        long[] time = {1_000, 2_000, 3_000};
        long[] delta = {30_010, 30_030, 30_020};
        ClockModel model = ClockModel.fit(time, delta, 3);
        assertEquals(30_020, model.at(2_000));
        assertEquals(30_020, model.at(50_000));
        assertEquals(0, model.driftPpm());
    }
}
