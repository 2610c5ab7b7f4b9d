package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Squid clock against the mesh's: its offset (squid - mesh, ms) at each moment of the Squid's
 * clock, from the certain pairs. Knots every {@link #STEP_MS}: at each, the pairs around it
 * (within a span that widens from 1 minute until it holds enough of them) vote for the densest
 * 100 ms of differences, and a line fitted to the pairs near that (least squares) gives the
 * offset there; between knots it is interpolated, so a drifting clock is followed.
 */
public final class ClockModel {
    static final long STEP_MS = 30_000;
    static final long[] SPANS_MS = {60_000, 150_000, 300_000, 900_000, 3_600_000};
    static final int MIN_PAIRS = 5;

    private final long[] knotTime;
    private final long[] knotOffset;
    /** The offset at the last pair (where a stream goes on); with no knot, over all the pairs (densest 100 ms, then the median near it). */
    final long overall;
    /** How many pairs agree with the model. */
    final int support;

    private ClockModel(long[] knotTime, long[] knotOffset, long overall, int support) {
        this.knotTime = knotTime;
        this.knotOffset = knotOffset;
        this.overall = overall;
        this.support = support;
    }

    /** A model from pairs (Squid time, difference), or null when there are none. */
    static ClockModel fit(long[] time, long[] delta, int n) {
        if (n == 0) {
            return null;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(time[a], time[b]));
        long[] t = new long[n];
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = time[order[i]];
            d[i] = delta[order[i]];
        }
        long mode = densest(d, 0, n);
        long[] near = Arrays.stream(d).filter(x -> Math.abs(x - mode) <= 500).sorted().toArray();
        long overall = near[near.length / 2];
        int support = near.length;
        // knots on a fixed grid (the same times whatever span of lines a run sees), and at the first
        // and last pair: never beyond the pairs, where a slope would be extrapolated
        long first = t[0];
        long last = t[n - 1];
        List<Long> times = new ArrayList<>();
        times.add(first);
        for (long g = Math.floorDiv(first, STEP_MS) * STEP_MS + STEP_MS; g < last; g += STEP_MS) {
            times.add(g);
        }
        if (last > first) {
            times.add(last);
        }
        long[] kt = new long[times.size()];
        long[] ko = new long[times.size()];
        int k = 0;
        for (long at : times) {
            Long offset = local(t, d, n, at);
            if (offset != null) {
                kt[k] = at;
                ko[k] = offset;
                k++;
            }
        }
        ClockModel model = new ClockModel(Arrays.copyOf(kt, k), Arrays.copyOf(ko, k), overall, support);
        if (k == 0) {
            return model;
        }
        // what the model says: its offset at the last pair (where a stream goes on), and how many
        // pairs lie within 100 ms of it (a drifting clock's pairs are seconds from any one offset)
        int agreeing = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(d[i] - model.at(t[i])) <= 100) {
                agreeing++;
            }
        }
        return new ClockModel(model.knotTime, model.knotOffset, model.at(last), agreeing);
    }

    /** The offset at {@code at} from the pairs around it, or null when too few are near. */
    private static Long local(long[] t, long[] d, int n, long at) {
        for (long span : SPANS_MS) {
            int from = TimeIndex.lowerBound(t, 0, n, at - span);
            int to = TimeIndex.lowerBound(t, 0, n, at + span + 1);
            if (to - from < MIN_PAIRS) {
                continue;
            }
            long mode = densest(d, from, to);
            // a line through the pairs within 300 ms of the densest difference, then again through
            // those close to that line: a stray pair moves neither the slope nor the level
            double[] line = fit(t, d, from, to, at, 0, mode, 300);
            if (line == null) {
                continue;
            }
            double[] residuals = new double[to - from];
            int m = 0;
            for (int i = from; i < to; i++) {
                double r = Math.abs(d[i] - (line[0] + line[1] * (t[i] - at)));
                if (r <= 300) {
                    residuals[m++] = r;
                }
            }
            Arrays.sort(residuals, 0, m);
            double band = Math.max(10, 3 * residuals[m / 2]);
            double[] refined = fit(t, d, from, to, at, line[1], line[0], band);
            line = refined != null ? refined : line;
            // the level: the median of the pairs' differences from the line, at the knot
            double[] level = new double[to - from];
            int k = 0;
            for (int i = from; i < to; i++) {
                double v = d[i] - line[1] * (t[i] - at);
                if (Math.abs(v - line[0]) <= band) {
                    level[k++] = v;
                }
            }
            Arrays.sort(level, 0, k);
            return Math.round(k > 0 ? level[k / 2] : line[0]);
        }
        return null;
    }

    /**
     * Least squares through the pairs within {@code band} of the line {@code level + slope (t - at)}:
     * {level at {@code at}, slope}, or null when fewer than {@link #MIN_PAIRS} are in the band.
     * The slope is kept within what a clock can drift (2,000 ppm), and taken only from 8 pairs.
     */
    private static double[] fit(long[] t, long[] d, int from, int to, long at, double slope, double level, double band) {
        double st = 0;
        double sd = 0;
        int m = 0;
        for (int i = from; i < to; i++) {
            if (Math.abs(d[i] - (level + slope * (t[i] - at))) <= band) {
                st += t[i] - at;
                sd += d[i];
                m++;
            }
        }
        if (m < MIN_PAIRS) {
            return null;
        }
        double mt = st / m;
        double md = sd / m;
        double stt = 0;
        double std = 0;
        for (int i = from; i < to; i++) {
            if (Math.abs(d[i] - (level + slope * (t[i] - at))) <= band) {
                double x = t[i] - at - mt;
                stt += x * x;
                std += x * (d[i] - md);
            }
        }
        // a slope from pairs spread over at least a knot's step; a clock drifts 1,000 ppm at most
        double b = m >= 8 && stt > 0 && Math.sqrt(stt / m) * 2 >= STEP_MS / 2.0 ? Math.max(-0.002, Math.min(0.002, std / stt)) : 0;
        return new double[]{md - b * mt, b};
    }

    private static long densest(long[] d, int from, int to) {
        java.util.HashMap<Long, Integer> buckets = new java.util.HashMap<>();
        for (int i = from; i < to; i++) {
            buckets.merge(Math.round(d[i] / 100.0), 1, Integer::sum);
        }
        return Histograms.mode(buckets) * 100;
    }

    /** The offset at Squid time {@code t}. */
    public long at(long t) {
        int k = knotTime.length;
        if (k == 0) {
            return overall;
        }
        if (t <= knotTime[0]) {
            return knotOffset[0];
        }
        if (t >= knotTime[k - 1]) {
            return knotOffset[k - 1];
        }
        int i = TimeIndex.lowerBound(knotTime, 0, k, t); // knotTime[i - 1] < t <= knotTime[i]
        long t0 = knotTime[i - 1];
        long t1 = knotTime[i];
        return Math.round(knotOffset[i - 1] + (knotOffset[i] - knotOffset[i - 1]) * (double) (t - t0) / (t1 - t0));
    }

    /**
     * How fast the clock drifts against the mesh's, parts per million: 0 when not measurable (knots
     * less than 10 minutes apart, where a few ms of noise would read as tens of ppm).
     */
    public double driftPpm() {
        int k = knotTime.length;
        if (k < 2 || knotTime[k - 1] - knotTime[0] < 600_000) {
            return 0;
        }
        double ppm = (knotOffset[k - 1] - knotOffset[0]) * 1e6 / (knotTime[k - 1] - knotTime[0]);
        return Math.abs(ppm) < 1 ? 0 : ppm;
    }

    /** The largest offset the model gives anywhere. */
    long maxOffset() {
        long max = overall;
        for (long o : knotOffset) {
            max = Math.max(max, o);
        }
        return max;
    }

    /** How many pairs agree with the model (within 100 ms). */
    public int support() {
        return support;
    }

    public long overall() {
        return overall;
    }
}
