package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ring against a plain queue: the same items per key, newest first, and the same counts, through growth and wrap-around. */
class KeyedRingTest {
    @Test
    void holdsWhatAQueueHolds() {
        Random random = new Random(5);
        KeyedRing<long[]> ring = new KeyedRing<>();
        ArrayDeque<long[]> queue = new ArrayDeque<>();
        for (int step = 0; step < 200_000; step++) {
            // a window that grows past the ring's first size, then shrinks
            boolean add = queue.isEmpty() || random.nextInt(100) < (step < 100_000 ? 60 : 40);
            if (add) {
                long[] item = {random.nextInt(50), step};
                ring.add(item[0], item);
                queue.add(item);
            } else {
                assertEquals(queue.peek(), ring.oldest());
                ring.removeOldest();
                queue.poll();
            }
            if (step % 997 == 0) {
                for (long key = 0; key < 50; key++) {
                    List<long[]> expected = new ArrayList<>();
                    for (long[] item : queue) {
                        if (item[0] == key) {
                            expected.add(0, item);
                        }
                    }
                    List<long[]> actual = new ArrayList<>();
                    ring.forEachNewest(key, Integer.MAX_VALUE, actual::add);
                    assertEquals(expected, actual, "key " + key + " at step " + step);
                    assertEquals(expected.size(), ring.count(key));
                    List<long[]> two = new ArrayList<>();
                    ring.forEachNewest(key, 2, two::add);
                    assertEquals(expected.subList(0, Math.min(2, expected.size())), two);
                }
            }
        }
        assertEquals(queue.isEmpty(), ring.isEmpty());
    }
}
