package dev.egresslog.correlator.engine;

import java.util.function.Consumer;

/**
 * Items in the order they came, each under a key, within a window that moves: added at the new
 * end, dropped at the old one. The items of one key are found newest first without a scan (each
 * points back to the previous one of its key), and counted. What the learning holds of the
 * lines within reach: sidecars by upstream address, upstream hops by byte count.
 */
final class KeyedRing<T> {
    private Object[] items = new Object[1 << 12];
    private long[] keys = new long[1 << 12];
    private int[] previous = new int[1 << 12];
    /** Items are numbered as they come; [oldest, next) are held. */
    private int oldest;
    private int next;
    /** Per key, the number of its newest item (one probe a change: no count kept besides). */
    private LongIntMap newest = new LongIntMap();

    /** Where the items are numbered from near 0 again: Integer.MAX_VALUE, lower in tests. */
    private final int renumberAt;

    KeyedRing() {
        this(Integer.MAX_VALUE);
    }

    KeyedRing(int renumberAt) {
        this.renumberAt = renumberAt;
    }

    /** An independent copy (the items themselves are shared: they are immutable). */
    KeyedRing<T> copy() {
        KeyedRing<T> c = new KeyedRing<>(renumberAt);
        c.items = items.clone();
        c.keys = keys.clone();
        c.previous = previous.clone();
        c.oldest = oldest;
        c.next = next;
        c.newest = newest.copy();
        return c;
    }

    void add(long key, T item) {
        if (next - oldest == items.length) {
            grow();
        }
        if (next == renumberAt) {
            renumber();
        }
        int at = next & (items.length - 1);
        items[at] = item;
        keys[at] = key;
        previous[at] = newest.swap(key, next, -1);
        next++;
    }

    /** How many items are held. */
    int size() {
        return next - oldest;
    }

    boolean isEmpty() {
        return oldest == next;
    }

    @SuppressWarnings("unchecked")
    T oldest() {
        return (T) items[oldest & (items.length - 1)];
    }

    /** Drops the oldest item. */
    void removeOldest() {
        int at = oldest & (items.length - 1);
        long key = keys[at];
        items[at] = null;
        // the key's last item leaves: the key goes
        newest.removeIf(key, oldest);
        oldest++;
    }

    /** How many items are held under {@code key}, counted up to {@code limit}. */
    int countUpTo(long key, int limit) {
        int mask = items.length - 1;
        int n = 0;
        for (int c = newest.get(key, -1); c >= oldest && n < limit; c = previous[c & mask]) {
            n++;
        }
        return n;
    }

    /** The items under {@code key}, newest first, at most {@code limit}. */
    @SuppressWarnings("unchecked")
    void forEachNewest(long key, int limit, Consumer<T> visit) {
        int mask = items.length - 1;
        int seen = 0;
        for (int c = newest.get(key, -1); c >= oldest && seen < limit; c = previous[c & mask]) {
            visit.accept((T) items[c & mask]);
            seen++;
        }
    }

    /**
     * Numbers the held items from near 0 again (a stream's learning adds items for weeks): by a
     * multiple of the capacity, so that every item keeps its slot.
     */
    private void renumber() {
        int mask = items.length - 1;
        int base = oldest & ~mask;
        for (int c = oldest; c < next; c++) {
            int at = c & mask;
            previous[at] = previous[at] >= oldest ? previous[at] - base : -1;
        }
        newest.shiftValues(-base);
        oldest -= base;
        next -= base;
    }

    private void grow() {
        int n = items.length * 2;
        Object[] i = new Object[n];
        long[] k = new long[n];
        int[] p = new int[n];
        for (int c = oldest; c < next; c++) {
            i[c & (n - 1)] = items[c & (items.length - 1)];
            k[c & (n - 1)] = keys[c & (items.length - 1)];
            p[c & (n - 1)] = previous[c & (items.length - 1)];
        }
        items = i;
        keys = k;
        previous = p;
    }
}
