package dev.egresslog.correlator.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Items by a key (an address, a byte count) and, within a key, by time: the items of one key
 * within a time range are found in O(log n). Built once; read-only after.
 */
final class TimeIndex {
    private final int[] items;
    private final long[] times;
    private final Map<Long, int[]> ranges = new HashMap<>();

    /** An index of {@code count} entries: entry i is item {@code item[i]} under {@code key[i]} at {@code time[i]}. */
    TimeIndex(long[] key, int[] item, long[] time, int count) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(key[a], key[b]);
            if (c != 0) {
                return c;
            }
            c = Long.compare(time[a], time[b]);
            return c != 0 ? c : Integer.compare(item[a], item[b]);
        });
        items = new int[count];
        times = new long[count];
        int from = 0;
        for (int i = 0; i < count; i++) {
            int o = order[i];
            items[i] = item[o];
            times[i] = time[o];
            if (i > 0 && key[o] != key[order[i - 1]]) {
                ranges.put(key[order[i - 1]], new int[]{from, i});
                from = i;
            }
        }
        if (count > 0) {
            ranges.put(key[order[count - 1]], new int[]{from, count});
        }
    }

    /** Calls {@code visit} with each item under {@code key} whose time is within [from, to]. */
    void forEach(long key, long from, long to, java.util.function.IntConsumer visit) {
        int[] range = ranges.get(key);
        if (range == null) {
            return;
        }
        int lo = range[0];
        int hi = range[1];
        // first entry with time >= from
        int a = lo;
        int b = hi;
        while (a < b) {
            int mid = (a + b) >>> 1;
            if (times[mid] < from) {
                a = mid + 1;
            } else {
                b = mid;
            }
        }
        for (int i = a; i < hi && times[i] <= to; i++) {
            visit.accept(items[i]);
        }
    }

    /** How many items are under {@code key}. */
    int count(long key) {
        int[] range = ranges.get(key);
        return range == null ? 0 : range[1] - range[0];
    }

    /** Growable lists of entries, to build an index from. */
    static final class Builder {
        private long[] key = new long[64];
        private int[] item = new int[64];
        private long[] time = new long[64];
        private int count;

        void add(long k, int i, long t) {
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
