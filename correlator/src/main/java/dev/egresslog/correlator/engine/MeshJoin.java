package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stage 2, sidecar to gateway. Reads the Envoy lines and their roles; writes each gateway line's
 * start on the sidecars' clock ({@link #start}), each gateway node's clock skew, and the pairs
 * ({@link #gatewayOf}, {@link #sidecarOf}, {@link #link}).
 *
 * <p>A sidecar's upstream socket is the gateway's downstream peer: such address pairs within the
 * mesh window cannot be wrong, and they show each gateway's clock skew (their median, from 20
 * pairs: every gateway is put on the sidecars' clock, even a few ms matter when a burst's
 * connections are milliseconds apart) and the bytes the gateway adds (Istio's peer metadata).
 * Where SNAT hides the sidecar's address, a gateway line pairs by bytes (less that overhead),
 * time and duration. Each line ends in at most one pair: the best matching of each group.
 */
final class MeshJoin {
    static final int SKEW_PAIRS = 20;
    static final double MIN_SCORE = 0.5;
    static final long SNAT_WINDOW_MS = 1_000;
    /** What an exact match of the bytes from the client (overhead removed) adds to a SNAT pair's weight. */
    static final double UP_MATCH_WEIGHT = 0.5;

    final long[] start;
    final int[] gatewayOf;
    final int[] sidecarOf;
    final Link[] link;
    final Map<Integer, Long> skewByEmitter = new HashMap<>();
    final Map<Integer, Long> sidecarSourceOffset = new HashMap<>();

    private final List<EnvoyHop> hops;
    private final Role[] roles;

    MeshJoin(List<EnvoyHop> hops, Role[] roles, long meshWindowMs) {
        this.hops = hops;
        this.roles = roles;
        int n = hops.size();
        start = new long[n];
        gatewayOf = new int[n];
        sidecarOf = new int[n];
        link = new Link[n];
        Arrays.fill(gatewayOf, -1);
        Arrays.fill(sidecarOf, -1);
        for (int i = 0; i < n; i++) {
            start[i] = hops.get(i).start();
        }
        TimeIndex.Builder byUla = new TimeIndex.Builder();
        TimeIndex.Builder byDown = new TimeIndex.Builder();
        TimeIndex.Builder byUp = new TimeIndex.Builder();
        Set<Long> sidecarIps = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (roles[i] == Role.SIDECAR) {
                EnvoyHop s = hops.get(i);
                if (s.upstreamLocal() != 0) {
                    byUla.add(s.upstreamLocal(), i, s.start());
                    sidecarIps.add(s.upstreamLocalIp());
                }
                byDown.add(s.down(), i, s.start());
                byUp.add(s.up(), i, s.start());
            }
        }
        TimeIndex sidecarsByAddress = byUla.build();

        // address pairs, and what they show of each gateway's clock and overhead
        List<long[]> addressPairs = new ArrayList<>(); // {sidecar, gateway}
        Map<Integer, List<Long>> dtByGateway = new HashMap<>();
        for (int g = 0; g < n; g++) {
            EnvoyHop gh = hops.get(g);
            if (roles[g] != Role.GATEWAY || gh.downstreamRemote() == 0) {
                continue;
            }
            int gi = g;
            sidecarsByAddress.forEach(gh.downstreamRemote(), gh.start() - meshWindowMs, gh.start() + meshWindowMs, s -> {
                addressPairs.add(new long[]{s, gi});
                dtByGateway.computeIfAbsent(gh.emitter(), k -> new ArrayList<>()).add(gh.start() - hops.get(s).start());
            });
        }
        dtByGateway.forEach((emitter, dts) -> {
            long median = median(dts);
            if (dts.size() >= SKEW_PAIRS) {
                skewByEmitter.put(emitter, median);
            }
        });
        for (int i = 0; i < n; i++) {
            if (roles[i] == Role.GATEWAY) {
                start[i] -= skewByEmitter.getOrDefault(hops.get(i).emitter(), 0L);
            }
        }
        Map<Integer, Map<Long, Integer>> downOverhead = new HashMap<>();
        Map<Integer, Map<Long, Integer>> upOverhead = new HashMap<>();
        for (long[] p : addressPairs) {
            int s = (int) p[0];
            int g = (int) p[1];
            if (Math.abs(start[g] - start[s]) <= 100) {
                EnvoyHop gh = hops.get(g);
                EnvoyHop sh = hops.get(s);
                downOverhead.computeIfAbsent(gh.emitter(), k -> new HashMap<>()).merge(gh.down() - sh.down(), 1, Integer::sum);
                upOverhead.computeIfAbsent(gh.emitter(), k -> new HashMap<>()).merge(gh.up() - sh.up(), 1, Integer::sum);
            }
        }
        // how far apart address pairs still start, per gateway: the time scale of its SNAT pairs
        Map<Integer, List<Long>> residuals = new HashMap<>();
        for (long[] p : addressPairs) {
            int g = (int) p[1];
            long dt = Math.abs(start[g] - start[(int) p[0]]);
            if (dt <= 1000) {
                residuals.computeIfAbsent(hops.get(g).emitter(), k -> new ArrayList<>()).add(dt);
            }
        }
        Map<Integer, Double> spread = new HashMap<>();
        residuals.forEach((emitter, dts) -> spread.put(emitter, Math.max(5.0, SquidClocks.quantile(dts, 0.9))));
        Map<Integer, Long> overhead = new HashMap<>();
        downOverhead.forEach((emitter, counts) -> overhead.put(emitter, mode(counts)));
        Map<Integer, Long> upwardOverhead = new HashMap<>();
        upOverhead.forEach((emitter, counts) -> upwardOverhead.put(emitter, mode(counts)));

        Matching matching = new Matching();
        List<Link> links = new ArrayList<>();
        for (long[] p : addressPairs) {
            int s = (int) p[0];
            int g = (int) p[1];
            Link l = link("address", s, g);
            if (l.score() >= MIN_SCORE) {
                matching.add(s, g, l.score());
                links.add(l);
            }
        }
        // SNAT: the gateway saw another address than any sidecar's
        TimeIndex sidecarsByDown = byDown.build();
        TimeIndex sidecarsByUp = byUp.build();
        for (int g = 0; g < n; g++) {
            EnvoyHop gh = hops.get(g);
            if (roles[g] != Role.GATEWAY || (gh.downstreamRemote() != 0 && sidecarIps.contains(gh.downstreamRemoteIp()))) {
                continue;
            }
            // a gateway that could not reach Squid sent nothing back, overhead included
            long sdown = gh.down() == 0 ? 0 : gh.down() - overhead.getOrDefault(gh.emitter(), 0L);
            int gi = g;
            Long upOverheadOfGateway = upwardOverhead.get(gh.emitter());
            sidecarsByDown.forEach(sdown, start[g] - SNAT_WINDOW_MS, start[g] + SNAT_WINDOW_MS, s -> {
                EnvoyHop sh = hops.get(s);
                long dbu = gh.up() - sh.up();
                if (dbu >= 0 && dbu <= 2048) {
                    // the bytes from the client, less the gateway's own overhead, tell apart two
                    // sidecars' identical-looking connections (two pods retrying at once)
                    boolean upMatch = upOverheadOfGateway != null && dbu == upOverheadOfGateway;
                    snatCandidate(matching, links, s, gi, upMatch ? UP_MATCH_WEIGHT : 0, spread);
                }
            });
            // the client went away: it received less than the gateway sent, but sent what the gateway received
            if (upOverheadOfGateway != null) {
                sidecarsByUp.forEach(gh.up() - upOverheadOfGateway, start[g] - SNAT_WINDOW_MS, start[g] + SNAT_WINDOW_MS, s -> {
                    if (hops.get(s).down() < sdown) {
                        snatCandidate(matching, links, s, gi, 0, spread);
                    }
                });
            }
        }
        int[] chosen = matching.solve(n, n);
        for (int s = 0; s < n; s++) {
            int e = chosen[s];
            if (e >= 0) {
                int g = matching.right(e);
                gatewayOf[s] = g;
                sidecarOf[g] = s;
                link[s] = links.get(e);
            }
        }
        // a sidecar source's clock against the gateways it talks to, from its address pairs
        Map<Integer, List<Long>> bySource = new HashMap<>();
        for (int s = 0; s < n; s++) {
            if (gatewayOf[s] >= 0 && link[s].key().equals("address")) {
                bySource.computeIfAbsent(hops.get(s).source(), k -> new ArrayList<>()).add(-link[s].startDeltaMs());
            }
        }
        bySource.forEach((source, dts) -> sidecarSourceOffset.put(source, median(dts)));
    }

    /** A SNAT pair by bytes, if durations agree and it could be kept. */
    private void snatCandidate(Matching matching, List<Link> links, int s, int g, double bonus, Map<Integer, Double> spread) {
        EnvoyHop sh = hops.get(s);
        EnvoyHop gh = hops.get(g);
        if (Math.abs(gh.duration() - sh.duration()) > 100 + sh.duration() / 50) {
            return;
        }
        Link l = link("bytes", s, g);
        // a pair that could not be kept must not displace one that could
        if (l.score() >= MIN_SCORE) {
            long dt = l.startDeltaMs();
            double w = l.score() - 0.2 * Math.exp(-Math.abs(dt) / 500.0) + bonus
                    + timeWeight(dt, spread.getOrDefault(gh.emitter(), SNAT_WINDOW_MS / 4.0));
            matching.add(s, g, w);
            links.add(l);
        }
    }

    private Link link(String key, int s, int g) {
        EnvoyHop sh = hops.get(s);
        EnvoyHop gh = hops.get(g);
        long dt = start[g] - start[s];
        long db = gh.down() - sh.down();
        long dbu = gh.up() - sh.up();
        long dd = gh.duration() - sh.duration();
        double bytes = db == 0 && dbu == 0 ? 1.0
                : db >= 0 && db <= 2048 && dbu >= 0 && dbu <= 2048 ? 0.8
                : db < 0 ? 0.5 : 0.2;
        double score = (key.equals("address") ? 0.6 : 0.3) + 0.2 * Math.exp(-Math.abs(dt) / 500.0) + 0.1 * bytes
                + 0.1 * Math.exp(-Math.abs(dd) / 200.0);
        return new Link(key, score, dt, db, dd);
    }

    /**
     * The time term of a matching's weight, for pairs that bytes cannot tell apart: concave (so
     * that of identical connections the order-keeping pairs win), on the scale of the spread the
     * certain pairs show, and below zero beyond about three spreads, where leaving a line
     * unmatched (its partner lost) is likelier than shifting a whole burst by one.
     */
    static double timeWeight(long dt, double spread) {
        return TIME_WEIGHT * Math.max(-2, 1 - sq(dt / (3 * spread)));
    }

    static final double TIME_WEIGHT = 0.5;

    static double sq(double x) {
        return x * x;
    }

    static long median(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : Math.round((a[n / 2 - 1] + a[n / 2]) / 2.0);
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
}
