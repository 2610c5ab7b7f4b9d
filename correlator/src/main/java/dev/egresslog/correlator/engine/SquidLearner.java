package dev.egresslog.correlator.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Learning, part 2: the Squid clocks. Reads the upstream hops (from {@link MeshLearner}, in end
 * order) and the Squid lines (in their own end order); finds the certain pairs: a byte count
 * that occurs at most twice among the hops and at most twice in the Squid source within the
 * largest offset searched for, equal (or 39 less on Squid before 3.5.26), with durations that
 * agree. A source with fewer than 20 of them (a poller behind it, say) takes pairs of any byte
 * count whose durations agree closely, from a sample of its lines: the true offset still stands
 * out as the densest difference. Holds the lines of twice that largest offset only, and at most
 * {@link #PAIRS_PER_MINUTE} pairs a source and minute.
 *
 * <p>{@link #finish} fits each source's {@link ClockModel} (gateway skews removed first), and
 * learns from the pairs near it the source's join window and spread, the proxy addresses it
 * serves, and the client address Squid sees for each emitter (after SNAT: its node's).
 */
final class SquidLearner {
    static final int WEAK_PAIRS = 20;
    static final int WEAK_LINES = 2_000;
    static final int WEAK_SAMPLE = 16;
    static final int WEAK_CANDIDATES = 20;
    /** Hops of one byte count a sampled line looks through at most. */
    static final int WEAK_SCAN = 2_000;
    static final int PAIRS_PER_MINUTE = 100;
    static final long MIN_WINDOW_MS = 200;
    static final double MIN_SPREAD_MS = 2;

    /**
     * Upstream hops and Squid lines held at most (each): the memory of the learning is bounded by
     * them, not by how dense the mesh is. Twice the largest skew of hops is what the search needs;
     * a mesh dense enough to exceed this (more than 330 tunnels a second at the default 15 minutes)
     * is searched over what they cover instead: half of it either side (see {@link #skew}).
     */
    static final int HELD = 600_000;

    private final long maxSkew;
    private final int held;
    private final Iterator<SquidHop> squid;
    /** The hops within reach, by the bytes their client received. */
    private KeyedRing<MeshLearner.Upstream> hops = new KeyedRing<>();
    /** Squid lines read, in end order: those not yet looked at, and those around them (for their rarity). */
    private final ArrayDeque<SquidHop> lines = new ArrayDeque<>();
    private final ArrayDeque<SquidHop> unread = new ArrayDeque<>();
    private LongIntMap linesPerBytes = new LongIntMap();
    private SquidHop next;
    private long hopFrontier = Long.MIN_VALUE;

    /*
     * Pairs are {squid start, delta, gateway emitter or -1, proxy, client, emitter, source}: the
     * certain ones per source and minute (of the Squid line's start), those of smallest hash (see
     * {@link Sample}, keyed by {@link #minuteKey}); the weak ones per source.
     */
    private final Map<Long, Sample> strongByMinute = new HashMap<>();
    private final Map<Integer, List<long[]>> weak = new HashMap<>();
    private final Map<Integer, Integer> weakLines = new HashMap<>();

    final Map<Integer, ClockModel> models = new HashMap<>();
    final Map<Integer, Long> windowMs = new HashMap<>();
    final Map<Integer, Double> spreadMs = new HashMap<>();
    final Map<Integer, Map<Long, Integer>> proxies = new HashMap<>();
    final Map<Integer, Set<Long>> clientsByEmitter = new HashMap<>();

    /** Reads the Squid lines {@code squid} gives, in end order; one that had no more gives more later (a stream's learning). */
    SquidLearner(long maxSkewMs, Iterator<SquidHop> squid) {
        this(maxSkewMs, squid, HELD);
    }

    /** As above, holding at most {@code held} hops and Squid lines not looked at (twice that of lines in all). */
    SquidLearner(long maxSkewMs, Iterator<SquidHop> squid, int held) {
        this.maxSkew = maxSkewMs;
        this.squid = squid;
        this.held = held;
    }

    /** A copy of what {@code other} has read and holds, reading on from {@code squid}. */
    SquidLearner(SquidLearner other, Iterator<SquidHop> squid) {
        this(other.maxSkew, squid, other.held);
        hops = other.hops.copy();
        lines.addAll(other.lines);
        unread.addAll(other.unread);
        linesPerBytes = other.linesPerBytes.copy();
        next = other.next;
        hopFrontier = other.hopFrontier;
        other.strongByMinute.forEach((minute, sample) -> strongByMinute.put(minute, sample.copy()));
        other.weak.forEach((source, pairs) -> weak.put(source, new ArrayList<>(pairs)));
        weakLines.putAll(other.weakLines);
    }

    /** The next Squid line not read yet, or null when there is none for now. */
    private SquidHop peek() {
        if (next == null && squid.hasNext()) {
            next = squid.next();
        }
        return next;
    }

    /**
     * Forgets the certain pairs of the minutes before {@code time} (Squid clock): a stream's
     * learning keeps the last hours of them ({@link Learning#KEEP_PAIRS_MS}), where trace keeps all its input's.
     */
    void forgetBefore(long time) {
        long first = Math.floorDiv(time, 60_000L);
        strongByMinute.values().removeIf(sample -> sample.minute < first);
    }

    /** Hops held now, and Squid lines (those not looked at, and all). */
    int[] holding() {
        return new int[]{hops.size(), unread.size(), lines.size()};
    }

    /** The next upstream hop, in end order. */
    void accept(MeshLearner.Upstream hop) {
        hops.add(hop.down(), hop);
        if (hops.size() > held) {
            hops.removeOldest();
        }
        hopFrontier = hop.end();
        advance(hopFrontier);
    }

    /**
     * How far apart a Squid line and its hop are searched for: the largest skew, or less when the
     * held hops cover less than twice that (a dense mesh): half of what they cover.
     */
    private long skew(long frontier) {
        if (hops.size() < held) {
            return maxSkew;
        }
        return Math.max(0, Math.min(maxSkew, (frontier - hops.oldest().end()) / 2));
    }

    /** Reads Squid lines up to {@code frontier} and looks at those whose surroundings are all read. */
    private void advance(long frontier) {
        while (peek() != null && end(next) <= frontier) {
            lines.add(next);
            unread.add(next);
            linesPerBytes.add(key(next.source(), next.bytes()), 1);
            next = null;
        }
        long skew = skew(frontier);
        while (!unread.isEmpty() && (end(unread.peek()) + skew < frontier || unread.size() > held)) {
            look(unread.poll());
        }
        long oldest = unread.isEmpty() ? frontier - skew : end(unread.peek());
        while (!lines.isEmpty() && (end(lines.peek()) < oldest - skew || lines.size() > 2 * held)) {
            SquidHop q = lines.poll();
            linesPerBytes.add(key(q.source(), q.bytes()), -1);
        }
        while (!hops.isEmpty() && hops.oldest().end() < oldest - skew) {
            hops.removeOldest();
        }
    }

    private static long end(SquidHop q) {
        return q.start() + q.elapsed();
    }

    /** Every hop is read: the rest of the Squid lines. */
    void finishReading() {
        // line by line, so that a Squid log longer than the hops' (or alone) is still held only
        // twice the largest offset at a time
        while (peek() != null) {
            advance(Math.max(hopFrontier, end(next)));
        }
        advance(Long.MAX_VALUE - maxSkew - 1);
    }

    private void look(SquidHop q) {
        if (q.bytes() <= 39) {
            return;
        }
        boolean rare = linesPerBytes.get(key(q.source(), q.bytes()), 0) <= 2;
        if (rare) {
            for (long b = q.bytes(); b <= q.bytes() + 39; b += 39) {
                if (hops.countUpTo(b, 3) > 2) {
                    continue;
                }
                hops.forEachNewest(b, 2, e -> {
                    if (Math.abs(q.start() - e.start()) <= maxSkew && Math.abs(e.duration() - q.elapsed()) <= 50 + e.duration() / 50) {
                        offerStrong(q, e);
                    }
                });
            }
        }
        if (Math.floorMod(q.content(), WEAK_SAMPLE) == 0 && weakLines.merge(q.source(), 1, Integer::sum) <= WEAK_LINES) {
            int[] found = {0};
            for (long b = q.bytes(); b <= q.bytes() + 39; b += 39) {
                hops.forEachNewest(b, WEAK_SCAN, e -> {
                    if (found[0] < WEAK_CANDIDATES && Math.abs(q.start() - e.start()) <= maxSkew
                            && Math.abs(e.duration() - q.elapsed()) <= 10) {
                        weak.computeIfAbsent(q.source(), k -> new ArrayList<>()).add(pair(q, e));
                        found[0]++;
                    }
                });
            }
        }
    }

    /** Offers a certain pair to the sample of its source and minute. */
    private void offerStrong(SquidHop q, MeshLearner.Upstream e) {
        long minute = Math.floorDiv(q.start(), 60_000L);
        Sample sample = strongByMinute.computeIfAbsent(minuteKey(minute, q.source()), k -> new Sample(minute));
        long hash = mix(q.content() ^ mix(e.start()));
        if (sample.takes(hash)) {
            sample.offer(hash, pair(q, e));
        }
    }

    /**
     * One key for a minute and a source, well mixed (a bijection): minute * 65,537 + source as a
     * Long's hash put 333 minutes of two sources into 32 of a HashMap's 1,024 buckets (and lines
     * that end in order start in any order: the minute changes from one pair to the next).
     */
    private static long minuteKey(long minute, int source) {
        return mix(minute * 65_537 + source);
    }

    private static long[] pair(SquidHop q, MeshLearner.Upstream e) {
        return new long[]{q.start(), q.start() - e.start(), e.gateway() ? e.emitter() : -1, e.proxy(), q.clientIp(), e.emitter(), q.source()};
    }

    /** Fits each source's clock, gateway skews removed from the hops' starts first. */
    void finish(Map<Integer, Long> gatewaySkews, long proxyWindowMs) {
        Map<Integer, List<long[]>> strong = new HashMap<>();
        strongByMinute.values().forEach(sample -> sample.addTo(strong));
        Set<Integer> sources = new HashSet<>(strong.keySet());
        sources.addAll(weak.keySet());
        for (int source : sources) {
            List<long[]> pairs = strong.getOrDefault(source, List.of());
            if (pairs.size() < WEAK_PAIRS) {
                pairs = new ArrayList<>(pairs);
                pairs.addAll(weak.getOrDefault(source, List.of()));
            }
            if (pairs.isEmpty()) {
                continue;
            }
            int n = pairs.size();
            long[] time = new long[n];
            long[] delta = new long[n];
            for (int i = 0; i < n; i++) {
                long[] p = pairs.get(i);
                time[i] = p[0];
                // the hop's start on the sidecars' clock: its gateway's skew removed
                delta[i] = p[1] + (p[2] >= 0 ? gatewaySkews.getOrDefault((int) p[2], 0L) : 0L);
            }
            ClockModel model = ClockModel.fit(time, delta, n);
            models.put(source, model);
            Map<Long, Integer> residuals = new HashMap<>();
            List<Long> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long residual = Math.abs(delta[i] - model.at(time[i]));
                if (residual <= 2000) {
                    residuals.merge(residual, 1, Integer::sum);
                    all.add(residual);
                }
                if (residual <= 500) {
                    long[] p = pairs.get(i);
                    proxies.computeIfAbsent(source, k -> new HashMap<>()).merge(p[3], 1, Integer::sum);
                    if (p[4] != 0) {
                        clientsByEmitter.computeIfAbsent((int) p[5], k -> new HashSet<>()).add(p[4]);
                    }
                }
            }
            if (!all.isEmpty()) {
                double p99 = Histograms.quantile(all, 0.99);
                windowMs.put(source, Math.min(proxyWindowMs, Math.max(MIN_WINDOW_MS, Math.round(3 * p99))));
                // robust: twice the median distance (a stray certain pair is far off and would widen a percentile)
                spreadMs.put(source, Math.max(MIN_SPREAD_MS, 2 * Histograms.median(residuals)));
            }
        }
    }

    /**
     * At most {@link #PAIRS_PER_MINUTE} pairs: those of smallest hash, whatever order they come in
     * (lines in start or end order, a stream pass's span or a whole file: the same pairs).
     */
    private static final class Sample {
        /** The minute (of Squid's clock) of the pairs. */
        final long minute;
        private final long[] hashes = new long[PAIRS_PER_MINUTE];
        private final long[][] pairs = new long[PAIRS_PER_MINUTE][];
        private int size;
        /** Where the largest hash is once the sample is full: found again only when it is replaced (rarely, the hashes being random). */
        private int largest = -1;

        Sample(long minute) {
            this.minute = minute;
        }

        /** Whether {@link #offer} would keep a pair of hash {@code hash}. */
        boolean takes(long hash) {
            if (size < hashes.length) {
                return true;
            }
            if (largest < 0) {
                largest = largestAt();
            }
            return hash < hashes[largest];
        }

        void offer(long hash, long[] pair) {
            if (!takes(hash)) {
                return;
            }
            if (size < hashes.length) {
                hashes[size] = hash;
                pairs[size++] = pair;
                return;
            }
            hashes[largest] = hash;
            pairs[largest] = pair;
            largest = largestAt();
        }

        private int largestAt() {
            int at = 0;
            for (int i = 1; i < size; i++) {
                if (hashes[i] > hashes[at]) {
                    at = i;
                }
            }
            return at;
        }

        Sample copy() {
            Sample c = new Sample(minute);
            System.arraycopy(hashes, 0, c.hashes, 0, size);
            System.arraycopy(pairs, 0, c.pairs, 0, size);
            c.size = size;
            c.largest = largest;
            return c;
        }

        void addTo(Map<Integer, List<long[]>> bySource) {
            for (int i = 0; i < size; i++) {
                // pair[6] is the Squid source, see pair()
                bySource.computeIfAbsent((int) pairs[i][6], k -> new ArrayList<>()).add(pairs[i]);
            }
        }
    }

    /** A well-mixed hash of a line id: the sample does not follow the line order. */
    static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }

    /** One key for a source and a byte count. */
    private static long key(int source, long bytes) {
        return bytes * 65_537 + source;
    }
}
