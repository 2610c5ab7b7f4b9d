package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ring against a plain queue: the same items per key, newest first, and the same counts,
 * through growth and wrap-around, through renumbering (a stream's learning adds items for weeks),
 * and in a copy fed on its own.
 */
class KeyedRingTest {
    @Test
    void holdsWhatAQueueHolds() {
        holdsWhatAQueueHolds(new KeyedRing<>(), new ArrayDeque<>(), 0, 200_000);
    }

    @Test
    void holdsWhatAQueueHoldsWhenItsItemsAreNumberedAgain() {
        // renumbered about every 30,000 items added
        holdsWhatAQueueHolds(new KeyedRing<>(30_000), new ArrayDeque<>(), 0, 200_000);
    }

    @Test
    void aCopyGoesOnAloneAndTheOriginalIsUntouched() {
        KeyedRing<long[]> ring = new KeyedRing<>(30_000);
        ArrayDeque<long[]> queue = new ArrayDeque<>();
        holdsWhatAQueueHolds(ring, queue, 0, 100_000);
        KeyedRing<long[]> copy = ring.copy();
        ArrayDeque<long[]> copied = new ArrayDeque<>(queue);
        holdsWhatAQueueHolds(copy, copied, 100_000, 150_000);
        holdsWhatAQueueHolds(ring, queue, 100_000, 200_000);
    }

    private static void holdsWhatAQueueHolds(KeyedRing<long[]> ring, ArrayDeque<long[]> queue, int from, int to) {
        Random random = new Random(5 + from);
        for (int step = from; step < to; step++) {
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
                    assertEquals(expected.size(), ring.countUpTo(key, Integer.MAX_VALUE));
                    assertEquals(Math.min(3, expected.size()), ring.countUpTo(key, 3));
                    List<long[]> two = new ArrayList<>();
                    ring.forEachNewest(key, 2, two::add);
                    assertEquals(expected.subList(0, Math.min(2, expected.size())), two);
                }
            }
        }
        assertEquals(queue.isEmpty(), ring.isEmpty());
    }
}
