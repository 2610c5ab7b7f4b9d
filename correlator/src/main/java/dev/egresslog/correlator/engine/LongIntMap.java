package dev.egresslog.correlator.engine;

/**
 * A long to int hash map without boxing: open addressing, linear probing, deletion by shifting
 * back. What the learning counts per byte count and per minute, millions of times.
 */
final class LongIntMap {
    private long[] keys;
    private int[] values;
    private boolean[] used;
    private int size;
    private int mask;

    LongIntMap() {
        this(1 << 10);
    }

    LongIntMap(int capacity) {
        int n = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        keys = new long[n];
        values = new int[n];
        used = new boolean[n];
        mask = n - 1;
    }

    /** An independent copy. */
    LongIntMap copy() {
        LongIntMap c = new LongIntMap(16);
        c.keys = keys.clone();
        c.values = values.clone();
        c.used = used.clone();
        c.size = size;
        c.mask = mask;
        return c;
    }

    private static int slot(long key, int mask) {
        return (int) SquidLearner.mix(key) & mask;
    }

    int get(long key, int absent) {
        for (int i = slot(key, mask); used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
        }
        return absent;
    }

    /** Adds {@code delta} to the key's value (0 when absent) and returns the sum; a sum of 0 removes the key. */
    int add(long key, int delta) {
        int i = slot(key, mask);
        for (; used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] += delta;
                int v = values[i];
                if (v == 0) {
                    removeAt(i);
                }
                return v;
            }
        }
        if (delta == 0) {
            return 0;
        }
        used[i] = true;
        keys[i] = key;
        values[i] = delta;
        if (++size * 2 > keys.length) {
            grow();
        }
        return delta;
    }

    void put(long key, int value) {
        swap(key, value, 0);
    }

    /** Puts {@code value} under {@code key}; returns the value it replaces, or {@code absent}. */
    int swap(long key, int value, int absent) {
        int i = slot(key, mask);
        for (; used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                int before = values[i];
                values[i] = value;
                return before;
            }
        }
        used[i] = true;
        keys[i] = key;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
        return absent;
    }

    /** Removes {@code key} if its value is {@code value}. */
    void removeIf(long key, int value) {
        for (int i = slot(key, mask); used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                if (values[i] == value) {
                    removeAt(i);
                }
                return;
            }
        }
    }

    int size() {
        return size;
    }

    /** Adds {@code delta} to every value (a renumbering of what the values count). */
    void shiftValues(int delta) {
        for (int i = 0; i < keys.length; i++) {
            if (used[i]) {
                values[i] += delta;
            }
        }
    }

    /** The entries, boxed: for the few distinct values a histogram ends with. */
    java.util.Map<Long, Integer> toMap() {
        java.util.Map<Long, Integer> map = new java.util.HashMap<>(size * 2);
        for (int i = 0; i < keys.length; i++) {
            if (used[i]) {
                map.put(keys[i], values[i]);
            }
        }
        return map;
    }

    private void removeAt(int i) {
        used[i] = false;
        size--;
        // shift back the entries after it that probed past it
        for (int j = (i + 1) & mask; used[j]; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            boolean between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!between) {
                keys[i] = keys[j];
                values[i] = values[j];
                used[i] = true;
                used[j] = false;
                i = j;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        boolean[] oldUsed = used;
        int n = oldKeys.length * 2;
        keys = new long[n];
        values = new int[n];
        used = new boolean[n];
        mask = n - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldUsed[i]) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }
}
