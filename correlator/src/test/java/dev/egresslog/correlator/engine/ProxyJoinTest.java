package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The last round's candidates: found as ascending runs (one per duration bucket), merged into one ascending list. */
class ProxyJoinTest {
    @Test
    void candidatesFoundInRunsComeOutSorted() {
        Random random = new Random(17);
        ProxyJoin.Found found = new ProxyJoin.Found();
        for (int round = 0; round < 2_000; round++) {
            found.clear();
            int runs = random.nextInt(14);
            int[] all = new int[0];
            for (int r = 0; r < runs; r++) {
                // a run: distinct ascending items, empty at times; runs reuse the buffer grown by earlier rounds
                int[] run = random.ints(random.nextInt(round % 50 == 0 ? 300 : 12), 0, 5_000).distinct().sorted().toArray();
                for (int item : run) {
                    found.accept(item);
                }
                found.endRun();
                all = concat(all, run);
            }
            found.sort();
            Arrays.sort(all);
            assertArrayEquals(all, Arrays.copyOf(found.items, found.count), "round " + round);
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
