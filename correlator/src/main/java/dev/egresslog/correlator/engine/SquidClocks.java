package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage 3, Squid clocks. Reads the upstream hops (their starts on the mesh clock, their bytes to
 * the client) and the Squid lines; writes per Squid source a {@link ClockModel}, the join window
 * its certain pairs allow, the proxy addresses it serves, and per emitter the client addresses
 * Squid sees for it (after SNAT: its node's).
 *
 * <p>Certain pairs: a byte count that occurs at most twice among the upstream hops and at most
 * twice in the Squid source, equal (or 39 less on Squid before 3.5.26), with durations that
 * agree, within the largest offset searched for. A source with fewer than 20 such pairs (a poller
 * behind it, say) takes pairs of any byte count whose durations agree closely, from a sample of
 * its lines: the true offset still stands out as the densest difference.
 */
final class SquidClocks {
    static final int WEAK_PAIRS = 20;
    static final int WEAK_SAMPLE = 2_000;
    static final long MIN_WINDOW_MS = 200;
    static final double MIN_SPREAD_MS = 2;

    final Map<Integer, ClockModel> models = new HashMap<>();
    final Map<Integer, Long> windowMs = new HashMap<>();
    /** Per source: how far its certain pairs' starts still differ once its clock is corrected (ms). */
    final Map<Integer, Double> spreadMs = new HashMap<>();
    /** Per source: proxy address key to the number of certain pairs through it. */
    final Map<Integer, Map<Long, Integer>> proxies = new HashMap<>();
    final Map<Integer, Set<Long>> clientsByEmitter = new HashMap<>();

    SquidClocks(List<EnvoyHop> hops, int[] upstream, long[] start, long[] down, List<SquidHop> squid, JoinSettings settings) {
        long maxSkew = settings.maxSkewMs();
        Map<Long, Integer> hopsPerDown = new HashMap<>();
        for (int e : upstream) {
            if (down[e] > 39) {
                hopsPerDown.merge(down[e], 1, Integer::sum);
            }
        }
        Map<Long, Integer> linesPerBytes = new HashMap<>();
        for (SquidHop q : squid) {
            if (q.bytes() > 39) {
                linesPerBytes.merge(key(q.source(), q.bytes()), 1, Integer::sum);
            }
        }
        TimeIndex.Builder rare = new TimeIndex.Builder();
        TimeIndex.Builder any = new TimeIndex.Builder();
        for (int e : upstream) {
            if (down[e] > 39) {
                any.add(down[e], e, start[e]);
                if (hopsPerDown.get(down[e]) <= 2) {
                    rare.add(down[e], e, start[e]);
                }
            }
        }
        TimeIndex rareHops = rare.build();
        Pairs pairs = new Pairs();
        for (int i = 0; i < squid.size(); i++) {
            SquidHop q = squid.get(i);
            int qi = i;
            if (q.bytes() > 39 && linesPerBytes.get(key(q.source(), q.bytes())) <= 2) {
                for (long b : new long[]{q.bytes(), q.bytes() + 39}) {
                    rareHops.forEach(b, q.start() - maxSkew, q.start() + maxSkew, e -> {
                        long ed = hops.get(e).duration();
                        if (Math.abs(ed - q.elapsed()) <= 50 + ed / 50) {
                            pairs.add(qi, e, q.start() - start[e]);
                        }
                    });
                }
            }
        }
        Map<Integer, Integer> perSource = new HashMap<>();
        for (int p = 0; p < pairs.size; p++) {
            perSource.merge(squid.get(pairs.squid[p]).source(), 1, Integer::sum);
        }
        TimeIndex anyHops = null;
        for (int i = 0; i < squid.size(); i++) {
            SquidHop q = squid.get(i);
            if (q.bytes() <= 39 || perSource.getOrDefault(q.source(), 0) >= WEAK_PAIRS
                    || Math.floorMod(mix(q.id()), Math.max(1, linesOf(squid, q.source()) / WEAK_SAMPLE)) != 0) {
                continue;
            }
            int qi = i;
            if (anyHops == null) {
                anyHops = any.build();
            }
            for (long b : new long[]{q.bytes(), q.bytes() + 39}) {
                anyHops.forEach(b, q.start() - maxSkew, q.start() + maxSkew, e -> {
                    if (Math.abs(hops.get(e).duration() - q.elapsed()) <= 10) {
                        pairs.add(qi, e, q.start() - start[e]);
                    }
                });
            }
        }
        Map<Integer, Pairs> bySource = new HashMap<>();
        for (int p = 0; p < pairs.size; p++) {
            SquidHop q = squid.get(pairs.squid[p]);
            bySource.computeIfAbsent(q.source(), k -> new Pairs()).add(pairs.squid[p], pairs.hop[p], pairs.delta[p]);
        }
        bySource.forEach((source, ps) -> {
            long[] time = new long[ps.size];
            for (int p = 0; p < ps.size; p++) {
                time[p] = squid.get(ps.squid[p]).start();
            }
            ClockModel model = ClockModel.fit(time, ps.delta, ps.size);
            models.put(source, model);
            List<Long> residuals = new ArrayList<>();
            for (int p = 0; p < ps.size; p++) {
                long residual = Math.abs(ps.delta[p] - model.at(time[p]));
                if (residual <= 2000) {
                    residuals.add(residual);
                }
                if (residual <= 500) {
                    EnvoyHop e = hops.get(ps.hop[p]);
                    proxies.computeIfAbsent(source, k -> new HashMap<>()).merge(e.upstreamHost(), 1, Integer::sum);
                    long client = squid.get(ps.squid[p]).clientIp();
                    if (client != 0) {
                        clientsByEmitter.computeIfAbsent(e.emitter(), k -> new HashSet<>()).add(client);
                    }
                }
            }
            if (!residuals.isEmpty()) {
                double p99 = quantile(residuals, 0.99);
                windowMs.put(source, Math.min(settings.proxyWindowMs(), Math.max(MIN_WINDOW_MS, Math.round(3 * p99))));
                // robust: twice the median distance (a stray certain pair is far off and would widen a percentile)
                spreadMs.put(source, Math.max(MIN_SPREAD_MS, 2 * quantile(residuals, 0.5)));
            }
        });
    }

    private final Map<Integer, Integer> linesPerSource = new HashMap<>();

    private int linesOf(List<SquidHop> squid, int source) {
        if (linesPerSource.isEmpty()) {
            for (SquidHop q : squid) {
                linesPerSource.merge(q.source(), 1, Integer::sum);
            }
        }
        return linesPerSource.get(source);
    }

    /** A well-mixed hash of a line id: the sample does not follow the line order. */
    static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }

    private static long key(int source, long bytes) {
        return bytes * 65_537 + source;
    }

    static double quantile(List<Long> values, double q) {
        long[] a = values.stream().mapToLong(Long::longValue).sorted().toArray();
        double pos = q * (a.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(a.length - 1, lo + 1);
        return a[lo] + (a[hi] - a[lo]) * (pos - lo);
    }

    /** The proxy addresses a source's certain pairs went through, each with at least a tenth of the commonest one's pairs. */
    Set<Long> allowedProxies(int source) {
        Map<Long, Integer> counts = proxies.get(source);
        if (counts == null) {
            return null;
        }
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        Set<Long> allowed = new HashSet<>();
        counts.forEach((addr, n) -> {
            if (n * 10 >= max) {
                allowed.add(addr);
            }
        });
        return allowed;
    }

    /** The proxy address most of a source's certain pairs went through, or 0. */
    long proxyOf(int source) {
        Map<Long, Integer> counts = proxies.get(source);
        return counts == null ? 0 : MeshJoin.mode(counts);
    }

    /** Growable columns of (Squid line, hop, difference). */
    private static final class Pairs {
        int[] squid = new int[64];
        int[] hop = new int[64];
        long[] delta = new long[64];
        int size;

        void add(int q, int e, long d) {
            if (size == squid.length) {
                squid = java.util.Arrays.copyOf(squid, size * 2);
                hop = java.util.Arrays.copyOf(hop, size * 2);
                delta = java.util.Arrays.copyOf(delta, size * 2);
            }
            squid[size] = q;
            hop[size] = e;
            delta[size] = d;
            size++;
        }
    }
}
