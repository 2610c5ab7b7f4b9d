package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Stage 3 of a slice, upstream hop to Squid line. Reads the upstream hops the join holds
 * (gateways, sidecars dialling a proxy; starts on the sidecars' clock, bytes their client
 * received), the Squid lines (starts on the mesh's clock) and what the learning found; writes
 * the pairs whose hop started before the slice's end ({@link EnvoyLine#squid}, {@link SquidLine#upstream},
 * {@link EnvoyLine#proxyLink}).
 *
 * <p>First the pairs whose bytes agree (Squid's count equals the client's, or is 39 less), whose
 * client port is the hop's own (a logformat with %>p), or where Squid failed and wrote nothing
 * while the hop carried its error page; each within the source's window and with durations that
 * agree. Then, among the lines still unpaired (client aborts), any pair close in time and
 * duration. Each round is a best matching of every group of candidates: the evidence score, with
 * the time term of {@link MeshJoin#timeWeight}.
 */
final class ProxyJoin {
    static final double MIN_SCORE = 0.5;
    /** Pairs a slice needs to take its own measure of a Squid clock's residual error. */
    static final int SHIFT_PAIRS = 20;

    private final List<EnvoyLine> hops;
    private final List<SquidLine> squid;
    private final Learned learned;
    private final JoinSettings settings;
    private final long commitBefore;

    /** Per Squid line of the slice, what its source's learning says: looked up once, not per candidate. */
    private final long[] windowOf;
    private final double[] spreadOf;
    private final Long[] forcedProxyOf;
    /** Per Squid line, the proxy addresses its source serves (sorted), or null when any. */
    private final long[][] allowedOf;
    /** Per hop of the slice, the client addresses Squid sees for its emitter (sorted), or null. */
    private final long[][] clientsOf;

    private ProxyJoin(List<EnvoyLine> hops, List<SquidLine> squid, Learned learned, JoinSettings settings, long commitBefore) {
        this.hops = hops;
        this.squid = squid;
        this.learned = learned;
        this.settings = settings;
        this.commitBefore = commitBefore;
        windowOf = new long[squid.size()];
        spreadOf = new double[squid.size()];
        forcedProxyOf = new Long[squid.size()];
        allowedOf = new long[squid.size()][];
        clientsOf = new long[hops.size()][];
        // the few distinct sets as sorted arrays: looked up per candidate without boxing
        Map<Set<Long>, long[]> sorted = new IdentityHashMap<>();
        int lastSource = Integer.MIN_VALUE;
        for (int i = 0; i < squid.size(); i++) {
            int source = squid.get(i).hop.source();
            if (source == lastSource) {
                // a source's lines come in runs: look its settings up once a run
                windowOf[i] = windowOf[i - 1];
                spreadOf[i] = spreadOf[i - 1];
                forcedProxyOf[i] = forcedProxyOf[i - 1];
                allowedOf[i] = allowedOf[i - 1];
                continue;
            }
            lastSource = source;
            windowOf[i] = learned.squidWindowMs().getOrDefault(source, settings.proxyWindowMs());
            spreadOf[i] = learned.squidSpreadMs().getOrDefault(source, 100.0);
            forcedProxyOf[i] = settings.squidProxy().get(source);
            allowedOf[i] = sortedArray(learned.allowedProxies(source), sorted);
        }
        for (int e = 0; e < hops.size(); e++) {
            clientsOf[e] = sortedArray(learned.clientsByEmitter().get(hops.get(e).hop.emitter()), sorted);
        }
    }

    private static long[] sortedArray(Set<Long> set, Map<Set<Long>, long[]> done) {
        return set == null ? null : done.computeIfAbsent(set, s -> s.stream().mapToLong(Long::longValue).sorted().toArray());
    }

    private static boolean contains(long[] sorted, long value) {
        return Arrays.binarySearch(sorted, value) >= 0;
    }

    /** Pairs the unpaired upstream hops among {@code lines} with the unpaired {@code squidLines}. */
    static void join(List<EnvoyLine> lines, List<SquidLine> squidLines, long commitBefore, Learned learned, JoinSettings settings) {
        List<EnvoyLine> upstream = new ArrayList<>();
        for (EnvoyLine l : lines) {
            // a hop that could not connect never reached Squid
            if (l.squid == null && isUpstream(l, settings) && !l.hop.connectFailed()) {
                upstream.add(l);
            }
        }
        List<SquidLine> open = new ArrayList<>();
        for (SquidLine q : squidLines) {
            if (q.upstream == null) {
                open.add(q);
            }
        }
        new ProxyJoin(upstream, open, learned, settings, commitBefore).run();
    }

    /** What talks to a proxy: a gateway, or a sidecar that dials one directly. */
    static boolean isUpstream(EnvoyLine l, JoinSettings settings) {
        return l.hop.upstreamHost() != 0
                && (l.role == Role.GATEWAY || MeshLearner.isDirectToProxy(l.hop, l.role, settings.proxyAddresses()));
    }

    private void run() {
        TimeIndex.Builder byBytes = new TimeIndex.Builder();
        TimeIndex.Builder byPort = new TimeIndex.Builder();
        TimeIndex.Builder failedEmpty = new TimeIndex.Builder();
        for (int i = 0; i < squid.size(); i++) {
            SquidLine q = squid.get(i);
            byBytes.add(q.hop.bytes(), i, q.start);
            if (q.hop.clientPort() >= 0) {
                byPort.add(q.hop.clientPort(), i, q.start);
            }
            if (q.hop.bytes() == 0 && q.hop.httpStatus() >= 400) {
                failedEmpty.add(0, i, q.start);
            }
        }
        TimeIndex bytesIndex = byBytes.build();
        TimeIndex portIndex = byPort.build();
        TimeIndex failedIndex = failedEmpty.build();
        // no pair is further apart than its Squid line's window: the slice's widest is where to look
        long w = 0;
        for (long window : windowOf) {
            w = Math.max(w, window);
        }
        Round exact = new Round();
        for (int e = 0; e < hops.size(); e++) {
            EnvoyLine h = hops.get(e);
            int ei = e;
            long t = h.start;
            bytesIndex.forEach(h.down, t - w, t + w, q -> exact.consider(ei, q));
            bytesIndex.forEach(h.down - 39, t - w, t + w, q -> exact.consider(ei, q));
            if (h.hop.upstreamLocalPort() >= 0) {
                portIndex.forEach(h.hop.upstreamLocalPort(), t - w, t + w, q -> exact.consider(ei, q));
            }
            // Squid failed and logged 0 bytes: the hops carry its error page (a few KB) and little else
            if (h.down >= 100 && h.down <= 16384 && h.hop.up() < 8192) {
                failedIndex.forEach(0, t - w, t + w, q -> exact.consider(ei, q));
            }
        }
        // the clock model's error here, as this slice's own best pairs show: taken out, the same
        // candidates are matched again (in a burst, a few ms decide between neighbours)
        int[] chosen = exact.matching.solve(hops.size(), squid.size());
        if (exact.matching.hadGroups()) {
            exact.shifted(exact.medianShift(chosen)).assign();
        } else {
            exact.assign(chosen);
        }
        // the Squid lines still unpaired, by how long they lasted: a hop looks only where the
        // durations can agree, and considers them in start order as one list would give them
        TimeIndex.Builder unpaired = new TimeIndex.Builder();
        for (int i = 0; i < squid.size(); i++) {
            if (squid.get(i).upstream == null) {
                unpaired.add(durationBucket(squid.get(i).hop.elapsed()), i, squid.get(i).start);
            }
        }
        TimeIndex unpairedIndex = unpaired.build();
        Round rest = new Round();
        Found found = new Found();
        for (int e = 0; e < hops.size(); e++) {
            EnvoyLine h = hops.get(e);
            if (h.squid == null) {
                long d = h.hop.duration();
                long tolerance = 250 + d / 20;
                found.clear();
                for (long b = durationBucket(d - tolerance); b <= durationBucket(d + tolerance); b++) {
                    unpairedIndex.forEach(b, h.start - w, h.start + w, found);
                    found.endRun();
                }
                found.sort();
                for (int i = 0; i < found.count; i++) {
                    // each Squid line once: one index, one bucket each
                    rest.considerOnce(e, found.items[i]);
                }
            }
        }
        rest.assign();
    }

    /**
     * A duration's bucket: monotone, eight to each doubling of (ms + 256); what {@link #score}
     * accepts for a hop's duration d (within 250 ms + d/20) spans 2 to 13 of them.
     */
    static long durationBucket(long ms) {
        return (long) (8 * (Math.log(Math.max(0, ms) + 256.0) / Math.log(2)));
    }

    /**
     * The items index lookups found, in a buffer reused from hop to hop: each lookup's in
     * ascending order (a run), sorted by merging the runs.
     */
    static final class Found implements IntConsumer {
        int[] items = new int[64];
        int count;
        private int[] scratch = new int[64];
        /** Where each run ends. */
        private int[] runEnd = new int[16];
        private int runs;

        void clear() {
            count = 0;
            runs = 0;
        }

        @Override
        public void accept(int item) {
            if (count == items.length) {
                items = Arrays.copyOf(items, count * 2);
            }
            items[count++] = item;
        }

        /** The items found since the last run ended are one run (ascending). */
        void endRun() {
            if (count > (runs == 0 ? 0 : runEnd[runs - 1])) {
                if (runs == runEnd.length) {
                    runEnd = Arrays.copyOf(runEnd, runs * 2);
                }
                runEnd[runs++] = count;
            }
        }

        /** Sorts the items: merges the runs two by two until one is left. */
        void sort() {
            if (scratch.length < count) {
                scratch = new int[items.length];
            }
            while (runs > 1) {
                int merged = 0;
                int from = 0;
                for (int r = 0; r < runs; r += 2) {
                    int mid = runEnd[r];
                    int to = r + 1 < runs ? runEnd[r + 1] : mid;
                    int i = from;
                    int j = mid;
                    int o = from;
                    while (i < mid && j < to) {
                        scratch[o++] = items[i] <= items[j] ? items[i++] : items[j++];
                    }
                    while (i < mid) {
                        scratch[o++] = items[i++];
                    }
                    while (j < to) {
                        scratch[o++] = items[j++];
                    }
                    runEnd[merged++] = to;
                    from = to;
                }
                int[] swap = items;
                items = scratch;
                scratch = swap;
                runs = merged;
            }
        }
    }

    /** One round of candidates and their matching. */
    private final class Round {
        final Matching matching = new Matching();
        final List<Link> links = new ArrayList<>();
        /** Per Squid source, ms taken off each pair's start difference before weighing it. */
        final Map<Integer, Long> shift;
        /** The last hop considered and the Squid lines it already has a candidate with (a pair may be found by several keys). */
        int lastHop = -1;
        int[] seen = new int[16];
        int seenCount;

        Round() {
            this(Map.of());
        }

        Round(Map<Integer, Long> shift) {
            this.shift = shift;
        }

        void consider(int e, int q) {
            if (e != lastHop) {
                lastHop = e;
                seenCount = 0;
            }
            for (int i = 0; i < seenCount; i++) {
                if (seen[i] == q) {
                    return;
                }
            }
            if (seenCount == seen.length) {
                seen = Arrays.copyOf(seen, seenCount * 2);
            }
            seen[seenCount++] = q;
            considerOnce(e, q);
        }

        /** As {@link #consider}, for a pair not considered before. */
        void considerOnce(int e, int q) {
            Link l = score(e, q);
            // a pair that could not be kept must not displace one that could
            if (l != null && l.score() >= MIN_SCORE) {
                add(e, q, l);
            }
        }

        private void add(int e, int q, Link l) {
            // the time term of the matching on the scale of the source's own spread (its certain
            // pairs'), so that among identical connections time decides
            Long off = shift.isEmpty() ? null : shift.get(squid.get(q).hop.source());
            double time = 0.30 * Math.exp(-Math.abs(l.startDeltaMs()) / 100.0);
            matching.add(e, q, l.score() - time + MeshJoin.timeWeight(l.startDeltaMs() - (off == null ? 0 : off), spreadOf[q]));
            links.add(l);
        }

        /** Per Squid source, the median start difference of the pairs this round would choose whose bytes agree exactly. */
        Map<Integer, Long> medianShift(int[] chosen) {
            Map<Integer, LongIntMap> deltas = new HashMap<>();
            Map<Integer, int[]> pairs = new HashMap<>();
            int lastSource = Integer.MIN_VALUE;
            LongIntMap counts = null;
            int[] total = null;
            for (int c : chosen) {
                if (c >= 0 && (links.get(c).bytesDelta() == 0 || links.get(c).bytesDelta() == 39)) {
                    int source = squid.get(matching.right(c)).hop.source();
                    if (source != lastSource) {
                        lastSource = source;
                        counts = deltas.computeIfAbsent(source, k -> new LongIntMap(64));
                        total = pairs.computeIfAbsent(source, k -> new int[1]);
                    }
                    counts.add(links.get(c).startDeltaMs(), 1);
                    total[0]++;
                }
            }
            Map<Integer, Long> shifts = new HashMap<>();
            deltas.forEach((source, byDelta) -> {
                if (pairs.get(source)[0] >= SHIFT_PAIRS) {
                    shifts.put(source, Histograms.median(byDelta.toMap()));
                }
            });
            return shifts;
        }

        /** The same candidates, weighed with {@code shifts} taken off. */
        Round shifted(Map<Integer, Long> shifts) {
            Round again = new Round(shifts);
            for (int c = 0; c < matching.size(); c++) {
                again.add(matching.left(c), matching.right(c), links.get(c));
            }
            return again;
        }

        void assign() {
            assign(matching.solve(hops.size(), squid.size()));
        }

        void assign(int[] chosen) {
            for (int e = 0; e < chosen.length; e++) {
                int c = chosen[e];
                EnvoyLine h = hops.get(e);
                if (c >= 0 && h.anchor() < commitBefore) {
                    SquidLine q = squid.get(matching.right(c));
                    h.squid = q;
                    h.proxyLink = links.get(c);
                    q.upstream = h;
                }
            }
        }
    }

    /** The evidence of hop {@code hi} and Squid line {@code qi}, or null when they cannot be one connection. */
    private Link score(int hi, int qi) {
        EnvoyLine h = hops.get(hi);
        SquidLine q = squid.get(qi);
        EnvoyHop e = h.hop;
        SquidHop s = q.hop;
        long dt = q.start - h.start;
        long db = h.down - s.bytes();
        long dd = e.duration() - s.elapsed();
        // near in time and duration
        if (Math.abs(dt) > settings.proxyWindowMs() || Math.abs(dd) > 250 + e.duration() / 20) {
            return null;
        }
        if (Math.abs(dt) > windowOf[qi]) {
            return null;
        }
        // the Squid source serves this proxy address (as its certain pairs show, or the user says)
        Long forced = forcedProxyOf[qi];
        if (forced != null) {
            if (forced != e.upstreamHost()) {
                return null;
            }
        } else {
            long[] allowed = allowedOf[qi];
            if (allowed != null && !contains(allowed, e.upstreamHost())) {
                return null;
            }
        }
        // a sidecar dialling some address directly is a bypass only with byte evidence
        if (h.role != Role.GATEWAY && db != 0 && db != 39 && s.httpStatus() < 400) {
            return null;
        }
        boolean portMatch = s.clientPort() >= 0 && s.clientPort() == e.upstreamLocalPort();
        // Squid saw this hop's own address (no SNAT) with another port: another connection
        boolean portConflict = s.clientPort() >= 0 && e.upstreamLocalPort() >= 0 && s.clientIp() == e.upstreamLocalIp()
                && s.clientPort() != e.upstreamLocalPort();
        long[] clients = clientsOf[hi];
        double client = clients == null ? 0.5 : contains(clients, s.clientIp()) ? 1.0 : 0.0;
        double bytes = db == 0 || db == 39 ? 1.0
                // a constant overhead on the gateway's mesh side (Istio peer metadata)
                : db >= 1 && db <= 2048 ? 0.9
                : s.bytes() == 0 && s.httpStatus() >= 500 ? 0.8
                // a client abort: Squid wrote more than reached the client
                : db < 0 ? 0.3 * Math.exp(db / (1.0 + s.bytes()))
                : 0.1;
        double evidence = 0.30 * Math.exp(-Math.abs(dt) / 100.0) + 0.20 * client + 0.35 * bytes + 0.15 * Math.exp(-Math.abs(dd) / 100.0);
        // an exact port match halves the distance to 1; a port conflict leaves a third
        double score = portMatch ? 0.5 + 0.5 * evidence : portConflict ? 0.3 * evidence : evidence;
        String key = portMatch ? "client-port" : client == 1.0 ? "time+bytes+client" : "time+bytes";
        return new Link(key, score, dt, db, dd);
    }
}
