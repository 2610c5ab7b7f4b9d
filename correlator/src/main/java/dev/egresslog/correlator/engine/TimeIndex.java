package dev.egresslog.correlator.engine;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Items by a key (an address, a byte count) and, within a key, by time: the items of one key
 * within a time range are found in O(log n). Entries must be added in time order (the join holds
 * its lines sorted by start); built once, read-only after. Built in linear time without boxing:
 * an open-addressing table gives each distinct key a slot and counts its entries, then each
 * entry is placed, in the order it came, into its key's range.
 */
final class TimeIndex {
    private final long[] times;
    private final int[] items;
    /** Per slot: a key, and the range [rangeFrom, rangeTo) of its entries; rangeTo 0 for an empty slot. */
    private final long[] slotKey;
    private final int[] rangeFrom;
    private final int[] rangeTo;
    private final int mask;

    private TimeIndex(long[] key, int[] item, long[] time, int count) {
        int slots = Integer.highestOneBit(Math.max(8, count)) << 2;
        mask = slots - 1;
        slotKey = new long[slots];
        rangeFrom = new int[slots];
        rangeTo = new int[slots];
        // each entry's slot; rangeTo counts the entries of a slot's key for now
        int[] slotOf = new int[count];
        for (int i = 0; i < count; i++) {
            int slot = hash(key[i]) & mask;
            while (rangeTo[slot] != 0 && slotKey[slot] != key[i]) {
                slot = (slot + 1) & mask;
            }
            slotKey[slot] = key[i];
            rangeTo[slot]++;
            slotOf[i] = slot;
        }
        // ranges in slot order; then each entry at its range's next place, in entry (time) order
        int at = 0;
        for (int slot = 0; slot < slots; slot++) {
            if (rangeTo[slot] != 0) {
                rangeFrom[slot] = at;
                at += rangeTo[slot];
                rangeTo[slot] = rangeFrom[slot];
            }
        }
        times = new long[count];
        items = new int[count];
        for (int i = 0; i < count; i++) {
            int place = rangeTo[slotOf[i]]++;
            times[place] = time[i];
            items[place] = item[i];
        }
    }

    private static int hash(long key) {
        return (int) (SquidLearner.mix(key) >>> 32);
    }

    /** Calls {@code visit} with each item under {@code key} whose time is within [from, to], in time order. */
    void forEach(long key, long from, long to, IntConsumer visit) {
        int slot = hash(key) & mask;
        while (rangeTo[slot] != 0 && slotKey[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (rangeTo[slot] == 0) {
            return;
        }
        int hi = rangeTo[slot];
        // within one key, entries are in time order: from the first one at or after from
        for (int i = lowerBound(times, rangeFrom[slot], hi, from); i < hi && times[i] <= to; i++) {
            visit.accept(items[i]);
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
