package dev.egresslog.correlator.engine;

import java.util.Map;
import java.util.TreeMap;

/** Medians and modes of value -> count maps: what the learning keeps instead of every pair. */
final class Histograms {
    private Histograms() {
    }

    /** The median value (the lower middle one of an even count). */
    static long median(Map<Long, Integer> counts) {
        TreeMap<Long, Integer> sorted = new TreeMap<>(counts);
        long total = 0;
        for (int n : sorted.values()) {
            total += n;
        }
        long seen = 0;
        for (Map.Entry<Long, Integer> e : sorted.entrySet()) {
            seen += e.getValue();
            if (2 * seen >= total) {
                return e.getKey();
            }
        }
        return 0;
    }

    /** The commonest value; of equally common ones, the smallest. */
    static long mode(Map<Long, Integer> counts) {
        long best = 0;
        int bestCount = -1;
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return best;
    }

    /** The q-quantile, interpolated. */
    static double quantile(java.util.List<Long> values, double q) {
        long[] a = values.stream().mapToLong(Long::longValue).sorted().toArray();
        double pos = q * (a.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(a.length - 1, lo + 1);
        return a[lo] + (a[hi] - a[lo]) * (pos - lo);
    }
}
