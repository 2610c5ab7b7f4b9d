package dev.egresslog.correlator.engine;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Items by a key (an address, a byte count) and, within a key, by time: the items of one key
 * within a time range are found in O(log n). Entries must be added in time order (the join holds
 * its lines sorted by start); built once, read-only after. Keys are grouped by a 32-bit hash
 * with a primitive sort: no boxing, and a collision only costs a comparison; an open-addressing
 * table gives each hash's range of entries.
 */
final class TimeIndex {
    private final long[] keys;
    private final long[] times;
    private final int[] items;
    /** Per slot: a hash, and the range [rangeFrom, rangeTo) of its entries; rangeTo 0 for an empty slot. */
    private final int[] slotHash;
    private final int[] rangeFrom;
    private final int[] rangeTo;
    private final int mask;

    private TimeIndex(long[] key, int[] item, long[] time, int count) {
        long[] order = new long[count];
        for (int i = 0; i < count; i++) {
            order[i] = ((long) hash(key[i]) << 32) | i;
        }
        // by hash, then by entry (time) order
        Arrays.sort(order);
        keys = new long[count];
        times = new long[count];
        items = new int[count];
        for (int i = 0; i < count; i++) {
            int e = (int) order[i];
            keys[i] = key[e];
            times[i] = time[e];
            items[i] = item[e];
        }
        int slots = Integer.highestOneBit(Math.max(8, count)) << 2;
        mask = slots - 1;
        slotHash = new int[slots];
        rangeFrom = new int[slots];
        rangeTo = new int[slots];
        for (int i = 0; i < count; ) {
            int h = (int) (order[i] >> 32);
            int j = i + 1;
            while (j < count && (int) (order[j] >> 32) == h) {
                j++;
            }
            int slot = h & mask;
            while (rangeTo[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slotHash[slot] = h;
            rangeFrom[slot] = i;
            rangeTo[slot] = j;
            i = j;
        }
    }

    private static int hash(long key) {
        return (int) (SquidLearner.mix(key) >>> 32);
    }

    /** Calls {@code visit} with each item under {@code key} whose time is within [from, to], in time order. */
    void forEach(long key, long from, long to, IntConsumer visit) {
        int h = hash(key);
        int slot = h & mask;
        while (rangeTo[slot] != 0 && slotHash[slot] != h) {
            slot = (slot + 1) & mask;
        }
        if (rangeTo[slot] == 0) {
            return;
        }
        int hi = rangeTo[slot];
        // within one hash, entries are in time order: from the first one at or after from
        for (int i = lowerBound(times, rangeFrom[slot], hi, from); i < hi && times[i] <= to; i++) {
            if (keys[i] == key) {
                visit.accept(items[i]);
            }
        }
    }

    /** The first index in [from, to) of sorted {@code a} whose value is at least {@code x} ({@code to} when none is). */
    static int lowerBound(long[] a, int from, int to, long x) {
        while (from < to) {
            int mid = (from + to) >>> 1;
            if (a[mid] < x) {
                from = mid + 1;
            } else {
                to = mid;
            }
        }
        return from;
    }

    /** Growable lists of entries, to build an index from. */
    static final class Builder {
        private long[] key = new long[64];
        private int[] item = new int[64];
        private long[] time = new long[64];
        private int count;

        /** Adds item {@code i} under key {@code k} at time {@code t}: no earlier than the last one added. */
        void add(long k, int i, long t) {
            if (count > 0 && t < time[count - 1]) {
                throw new IllegalArgumentException("entries must come in time order");
            }
            if (count == key.length) {
                key = Arrays.copyOf(key, count * 2);
                item = Arrays.copyOf(item, count * 2);
                time = Arrays.copyOf(time, count * 2);
            }
            key[count] = k;
            item[count] = i;
            time[count] = t;
            count++;
        }

        TimeIndex build() {
            return new TimeIndex(key, item, time, count);
        }
    }
}
