package dev.egresslog.correlator.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Learning, part 1: the mesh. Reads the Envoy lines in end order; learns from the address pairs
 * (a sidecar's upstream socket is the gateway's downstream peer: such pairs cannot be wrong)
 * each gateway's clock skew against the sidecars' (their median), its spread, and the bytes it
 * adds each way (Istio's peer metadata); each sidecar source's clock; the addresses apps dial
 * that gateways forward to (proxies) and the gateways' listeners. Hands each upstream hop (a
 * gateway line, a sidecar dialling a proxy) on, in end order, to the Squid clocks' learning,
 * with the bytes its client received. Holds the lines of the last four mesh windows only.
 */
final class MeshLearner {
    static final int SKEW_PAIRS = 20;

    /** What the Squid learning reads of an upstream hop. */
    record Upstream(long start, long duration, long down, int emitter, long proxy, boolean gateway) {
        long end() {
            return start + duration;
        }
    }

    private final Roles roles;
    private final long window;
    private final Set<Long> proxyAddresses;
    private final Consumer<Upstream> upstream;
    /** The sidecar lines within reach, by upstream address. */
    private KeyedRing<EnvoyHop> sidecars = new KeyedRing<>();
    private final List<EnvoyHop> candidates = new ArrayList<>();
    private final Consumer<EnvoyHop> candidate = candidates::add;
    private final ArrayDeque<EnvoyHop> pending = new ArrayDeque<>();
    /** Per gateway emitter, its address pairs' histograms (primitive while reading; boxed into the maps below at the end). */
    private final ByNumber<PairCounts> pairCounts = new ByNumber<>();

    private static final class PairCounts {
        final LongIntMap dt;
        final LongIntMap dd;
        final LongIntMap down;
        final LongIntMap up;

        PairCounts() {
            this(new LongIntMap(64), new LongIntMap(64), new LongIntMap(64), new LongIntMap(64));
        }

        private PairCounts(LongIntMap dt, LongIntMap dd, LongIntMap down, LongIntMap up) {
            this.dt = dt;
            this.dd = dd;
            this.down = down;
            this.up = up;
        }

        PairCounts copy() {
            return new PairCounts(dt.copy(), dd.copy(), down.copy(), up.copy());
        }
    }

    /** Per gateway: its start less its sidecar's, over its address pairs (filled when {@link #read} ends, as the three below). */
    final Map<Integer, Map<Long, Integer>> dtByGateway = new HashMap<>();
    /** Per gateway: its duration less its sidecar's, over its address pairs (a gateway's connection is a little shorter). */
    final Map<Integer, Map<Long, Integer>> ddByGateway = new HashMap<>();
    final Map<Integer, Map<Long, Integer>> downOverheadByGateway = new HashMap<>();
    final Map<Integer, Map<Long, Integer>> upOverheadByGateway = new HashMap<>();
    /**
     * Per sidecar source: the start differences (dt) of its first {@link #SOURCE_PAIRS} address
     * pairs, counted per gateway emitter (a few distinct values each: its memory does not grow
     * with the pairs, as a list of them did, 144 MB for 400 pods).
     */
    final ByNumber<SourcePairs> sidecarPairs = new ByNumber<>();

    static final class SourcePairs {
        int pairs;
        /** Per gateway emitter its start differences' counts: a few emitters, searched in a row without boxing. */
        private int[] emitters = new int[4];
        private LongIntMap[] dts = new LongIntMap[4];
        private int size;

        void count(int emitter, long dt) {
            int i = 0;
            while (i < size && emitters[i] != emitter) {
                i++;
            }
            if (i == size) {
                if (size == emitters.length) {
                    emitters = java.util.Arrays.copyOf(emitters, 2 * size);
                    dts = java.util.Arrays.copyOf(dts, 2 * size);
                }
                emitters[size] = emitter;
                dts[size++] = new LongIntMap(16);
            }
            pairs++;
            dts[i].add(dt, 1);
        }

        /** Calls {@code visit} with each gateway emitter and its counts. */
        void forEach(java.util.function.BiConsumer<Integer, LongIntMap> visit) {
            for (int i = 0; i < size; i++) {
                visit.accept(emitters[i], dts[i]);
            }
        }

        SourcePairs copy() {
            SourcePairs c = new SourcePairs();
            c.pairs = pairs;
            c.emitters = emitters.clone();
            c.dts = new LongIntMap[dts.length];
            for (int i = 0; i < size; i++) {
                c.dts[i] = dts[i].copy();
            }
            c.size = size;
            return c;
        }
    }
    LongSet forwarded = new LongSet();
    LongSet gatewayListeners = new LongSet();
    /** The addresses sidecars' upstream sockets use: a gateway that sees another is behind SNAT. */
    LongSet sidecarIps = new LongSet();
    final Map<Integer, Role> roleOfSource = new HashMap<>();
    final Set<Integer> mixedSources = new HashSet<>();
    static final int SOURCE_PAIRS = 10_000;

    MeshLearner(Roles roles, long meshWindowMs, Set<Long> proxyAddresses, Consumer<Upstream> upstream) {
        this.roles = roles;
        this.window = meshWindowMs;
        this.proxyAddresses = proxyAddresses;
        this.upstream = upstream;
    }

    /** A copy of what {@code other} has read and holds (not flushed), deciding roles by {@code roles}, handing on to {@code upstream}. */
    MeshLearner(MeshLearner other, Roles roles, Consumer<Upstream> upstream) {
        this(roles, other.window, other.proxyAddresses, upstream);
        sidecars = other.sidecars.copy();
        pending.addAll(other.pending);
        other.pairCounts.forEach((emitter, c) -> pairCounts.put(emitter, c.copy()));
        // a full count never grows: shared
        other.sidecarPairs.forEach((source, pairs) -> sidecarPairs.put(source, pairs.pairs < SOURCE_PAIRS ? pairs.copy() : pairs));
        forwarded = other.forwarded.copy();
        gatewayListeners = other.gatewayListeners.copy();
        sidecarIps = other.sidecarIps.copy();
        roleOfSource.putAll(other.roleOfSource);
        mixedSources.addAll(other.mixedSources);
    }

    /** Reads every line, in end order, and resolves every upstream hop: trace's learning. */
    void read(Iterator<EnvoyHop> hops) {
        while (hops.hasNext()) {
            feed(hops.next());
        }
        flush();
    }

    /** Reads the next line (in end order). */
    void feed(EnvoyHop h) {
        resolveBefore(end(h) - 2 * window);
        Role role = roles.of(h);
        if (role == null) {
            return;
        }
        Role before = roleOfSource.putIfAbsent(h.source(), role);
        if (before != null && before != role) {
            mixedSources.add(h.source());
        }
        if (role == Role.SIDECAR && h.upstreamLocal() != 0) {
            sidecars.add(h.upstreamLocal(), h);
            sidecarIps.add(h.upstreamLocalIp());
        }
        if (role == Role.GATEWAY && h.downstreamLocal() != 0) {
            gatewayListeners.add(h.downstreamLocal());
        }
        if (role == Role.GATEWAY || isDirectToProxy(h, role, proxyAddresses)) {
            pending.add(h);
        }
    }

    /** No line comes after: resolves the upstream hops still pending and fills the histograms' maps. */
    void flush() {
        resolveBefore(Long.MAX_VALUE);
        pairCounts.forEach((emitter, c) -> {
            dtByGateway.put(emitter, c.dt.toMap());
            ddByGateway.put(emitter, c.dd.toMap());
            downOverheadByGateway.put(emitter, c.down.toMap());
            upOverheadByGateway.put(emitter, c.up.toMap());
        });
    }

    private static long end(EnvoyHop h) {
        return h.start() + h.duration();
    }

    /** A sidecar that dials a proxy itself (its app dialled that address, a forward proxy's port). */
    static boolean isDirectToProxy(EnvoyHop h, Role role, Set<Long> proxyAddresses) {
        return role == Role.SIDECAR && h.upstreamHost() != 0 && h.upstreamHost() == h.downstreamLocal()
                && (h.proxyPort() || proxyAddresses.contains(h.upstreamHost()));
    }

    /** Resolves the upstream hops that started before {@code time}: every sidecar that could pair with them is read. */
    private void resolveBefore(long time) {
        while (!pending.isEmpty() && end(pending.peek()) < time) {
            EnvoyHop g = pending.poll();
            boolean gateway = roles.of(g) == Role.GATEWAY;
            long down = g.down();
            if (gateway && g.downstreamRemote() != 0) {
                // the sidecars with that upstream address, oldest first
                candidates.clear();
                sidecars.forEachNewest(g.downstreamRemote(), Integer.MAX_VALUE, candidate);
                EnvoyHop only = null;
                int n = 0;
                for (int i = candidates.size() - 1; i >= 0; i--) {
                    EnvoyHop s = candidates.get(i);
                    long dt = g.start() - s.start();
                    if (Math.abs(dt) <= window) {
                        addressPair(s, g, dt);
                        only = s;
                        n++;
                    }
                }
                if (n == 1) {
                    down = only.down();
                }
            }
            if (g.upstreamHost() != 0) {
                upstream.accept(new Upstream(g.start(), g.duration(), down, g.emitter(), g.upstreamHost(), gateway));
            }
        }
        // sidecars older than any that a pending or later upstream hop could pair with
        long oldest = pending.isEmpty() ? time : Math.min(time, end(pending.peek()));
        while (!sidecars.isEmpty() && end(sidecars.oldest()) < oldest - 2 * window) {
            sidecars.removeOldest();
        }
    }

    private void addressPair(EnvoyHop s, EnvoyHop g, long dt) {
        PairCounts counts = pairCounts.get(g.emitter(), k -> new PairCounts());
        counts.dt.add(dt, 1);
        counts.dd.add(g.duration() - s.duration(), 1);
        counts.down.add(g.down() - s.down(), 1);
        counts.up.add(g.up() - s.up(), 1);
        SourcePairs pairs = sidecarPairs.get(s.source(), k -> new SourcePairs());
        if (pairs.pairs < SOURCE_PAIRS) {
            pairs.count(g.emitter(), dt);
        }
        if (s.downstreamLocal() != 0 && s.downstreamLocal() == g.upstreamHost()) {
            forwarded.add(g.upstreamHost());
        }
    }

    /** Each gateway's skew (median of its address pairs' start differences), from {@link #SKEW_PAIRS} pairs. */
    Map<Integer, Long> skews() {
        Map<Integer, Long> skews = new HashMap<>();
        dtByGateway.forEach((emitter, counts) -> {
            long n = counts.values().stream().mapToLong(Integer::longValue).sum();
            if (n >= SKEW_PAIRS) {
                skews.put(emitter, Histograms.median(counts));
            }
        });
        return skews;
    }

    /** How far a gateway's address pairs still start apart once its skew is removed: twice their median distance, at least 2 ms. */
    Map<Integer, Double> spreads(Map<Integer, Long> skews) {
        Map<Integer, Double> spreads = new HashMap<>();
        dtByGateway.forEach((emitter, counts) -> {
            long skew = skews.getOrDefault(emitter, 0L);
            Map<Long, Integer> distances = new HashMap<>();
            counts.forEach((dt, n) -> {
                if (Math.abs(dt - skew) <= 1000) {
                    distances.merge(Math.abs(dt - skew), n, Integer::sum);
                }
            });
            if (!distances.isEmpty()) {
                spreads.put(emitter, Math.max(2.0, 2 * Histograms.median(distances)));
            }
        });
        return spreads;
    }

    /**
     * Per gateway: {median, spread} of its duration less its sidecar's, the spread being twice the
     * median distance from that median, at least 1 ms; from 20 pairs.
     */
    Map<Integer, double[]> durationDeltas() {
        Map<Integer, double[]> deltas = new HashMap<>();
        ddByGateway.forEach((emitter, counts) -> {
            long n = counts.values().stream().mapToLong(Integer::longValue).sum();
            if (n >= SKEW_PAIRS) {
                long median = Histograms.median(counts);
                Map<Long, Integer> distances = new HashMap<>();
                counts.forEach((dd, k) -> distances.merge(Math.abs(dd - median), k, Integer::sum));
                deltas.put(emitter, new double[]{median, Math.max(1.0, 2 * Histograms.median(distances))});
            }
        });
        return deltas;
    }

    /** A sidecar source's clock against the gateways' (median, gateway skews removed). */
    Map<Integer, Long> sidecarOffsets(Map<Integer, Long> skews) {
        Map<Integer, Long> offsets = new HashMap<>();
        sidecarPairs.forEach((source, pairs) -> {
            Map<Long, Integer> counts = new HashMap<>();
            pairs.forEach((emitter, dts) -> {
                long skew = skews.getOrDefault(emitter, 0L);
                dts.toMap().forEach((dt, n) -> counts.merge(-(dt - skew), n, Integer::sum));
            });
            offsets.put(source, Histograms.median(counts));
        });
        return offsets;
    }
}
