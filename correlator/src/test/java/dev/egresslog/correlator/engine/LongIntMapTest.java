package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The primitive map against java.util.HashMap under random adds, puts, swaps and removes (removal
 * shifts entries back), with Long.MIN_VALUE among the keys; then a copy and a renumbering of its values.
 */
class LongIntMapTest {
    @Test
    void behavesAsAHashMap() {
        Random random = new Random(23);
        LongIntMap map = new LongIntMap(16);
        Map<Long, Integer> reference = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            // few distinct keys, some colliding in the low bits, so that probes chain and removals shift
            long key = random.nextInt(50) == 0 ? Long.MIN_VALUE : (random.nextInt(300) << 20) * (random.nextBoolean() ? 1L : -1L);
            switch (random.nextInt(6)) {
                case 0, 1 -> {
                    int delta = random.nextInt(5) - 2;
                    int expected = reference.getOrDefault(key, 0) + delta;
                    if (expected == 0) {
                        reference.remove(key);
                    } else {
                        reference.put(key, expected);
                    }
                    assertEquals(expected, map.add(key, delta));
                }
                case 2 -> {
                    int value = random.nextInt(9) + 1;
                    reference.put(key, value);
                    map.put(key, value);
                }
                case 3 -> {
                    int value = random.nextInt(9) + 1;
                    Integer before = reference.put(key, value);
                    assertEquals(before == null ? -5 : before, map.swap(key, value, -5));
                }
                case 4 -> {
                    int value = random.nextInt(3) + 1;
                    if (reference.getOrDefault(key, 0) == value) {
                        reference.remove(key);
                    }
                    map.removeIf(key, value);
                }
                default -> {
                    reference.remove(key);
                    map.removeIf(key, map.get(key, 0));
                }
            }
            assertEquals(reference.getOrDefault(key, -7), map.get(key, -7));
            assertEquals(reference.size(), map.size());
        }
        for (Map.Entry<Long, Integer> e : reference.entrySet()) {
            assertEquals(e.getValue(), map.get(e.getKey(), 0));
        }
        assertEquals(reference, map.toMap());
        LongIntMap copy = map.copy();
        copy.shiftValues(100);
        Map<Long, Integer> shifted = new HashMap<>();
        reference.forEach((k, v) -> shifted.put(k, v + 100));
        assertEquals(shifted, copy.toMap());
        assertEquals(reference, map.toMap());
    }
}
