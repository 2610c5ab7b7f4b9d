package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The index against a scan of its entries: the same items, in time order, for any key and range. */
class TimeIndexTest {
    @Test
    void findsWhatAScanFinds() {
        Random random = new Random(11);
        for (int round = 0; round < 30; round++) {
            int n = round == 0 ? 0 : random.nextInt(round < 10 ? 20 : 5_000);
            // few keys (many entries each) or many (mostly one), negative ones, and keys whose low bits agree
            int spread = 1 + random.nextInt(round % 3 == 0 ? 5 : 10_000);
            long[] keys = new long[n];
            long[] times = new long[n];
            TimeIndex.Builder builder = new TimeIndex.Builder();
            long t = random.nextInt(1000) - 500;
            for (int i = 0; i < n; i++) {
                keys[i] = (random.nextInt(spread) - spread / 2) * (round % 2 == 0 ? 1L : 1L << 32);
                t += random.nextInt(3);
                times[i] = t;
                builder.add(keys[i], 1000 + i, t);
            }
            TimeIndex index = builder.build();
            for (int q = 0; q < 300; q++) {
                long key = n > 0 && q % 4 != 0 ? keys[random.nextInt(n)] : random.nextLong();
                long from = t == 0 ? 0 : random.nextLong(Math.max(1, t + 600)) - 550;
                long to = from + random.nextInt(200);
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (keys[i] == key && times[i] >= from && times[i] <= to) {
                        expected.add(1000 + i);
                    }
                }
                List<Integer> actual = new ArrayList<>();
                index.forEach(key, from, to, actual::add);
                assertEquals(expected, actual, "round " + round + ", key " + key + " in [" + from + ", " + to + "]");
            }
        }
    }

    @Test
    void entriesMustComeInTimeOrder() {
        TimeIndex.Builder builder = new TimeIndex.Builder();
        builder.add(1, 0, 10);
        assertThrows(IllegalArgumentException.class, () -> builder.add(1, 1, 9));
    }
}
