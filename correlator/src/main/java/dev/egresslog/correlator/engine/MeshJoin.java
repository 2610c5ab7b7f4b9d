package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Stage 2 of a slice, sidecar to gateway. Reads the Envoy lines the join holds (starts on the
 * sidecars' clock) and what the learning found; writes the pairs whose sidecar started before
 * the slice's end ({@link EnvoyLine#gateway}, {@link EnvoyLine#sidecar}, {@link EnvoyLine#meshLink}).
 *
 * <p>By address (the sidecar's upstream socket is the gateway's downstream peer) within the mesh
 * window; where SNAT hides the sidecar's address, by bytes (less the gateway's overhead), time
 * and duration, and, to tell two pods' identical connections apart, the bytes from the client.
 * Each line ends in at most one pair: the best matching of each group of candidates.
 */
final class MeshJoin {
    static final double MIN_SCORE = 0.5;
    static final long SNAT_WINDOW_MS = 1_000;
    /** What an exact match of the bytes from the client (overhead removed) adds to a SNAT pair's weight. */
    static final double UP_MATCH_WEIGHT = 0.5;
    static final double TIME_WEIGHT = 1.0;
    static final double DURATION_WEIGHT = 0.3;

    private MeshJoin() {
    }

    static void join(List<EnvoyLine> lines, long commitBefore, Learned learned, long meshWindowMs) {
        int n = lines.size();
        TimeIndex.Builder byAddress = new TimeIndex.Builder();
        TimeIndex.Builder byDown = new TimeIndex.Builder();
        TimeIndex.Builder byUp = new TimeIndex.Builder();
        for (int i = 0; i < n; i++) {
            EnvoyLine s = lines.get(i);
            if (s.role == Role.SIDECAR && s.gateway == null) {
                if (s.hop.upstreamLocal() != 0) {
                    byAddress.add(s.hop.upstreamLocal(), i, s.start);
                }
                byDown.add(s.hop.down(), i, s.start);
                byUp.add(s.hop.up(), i, s.start);
            }
        }
        TimeIndex sidecarsByAddress = byAddress.build();
        TimeIndex sidecarsByDown = byDown.build();
        TimeIndex sidecarsByUp = byUp.build();
        Matching matching = new Matching();
        List<Link> links = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            EnvoyLine gl = lines.get(g);
            if (gl.role != Role.GATEWAY || gl.sidecar != null) {
                continue;
            }
            EnvoyHop gh = gl.hop;
            int gi = g;
            if (gh.downstreamRemote() != 0) {
                sidecarsByAddress.forEach(gh.downstreamRemote(), gl.start - meshWindowMs, gl.start + meshWindowMs, s -> {
                    Link l = link("address", lines.get(s), gl);
                    if (l.score() >= MIN_SCORE) {
                        matching.add(s, gi, l.score());
                        links.add(l);
                    }
                });
            }
            // SNAT: the gateway saw another address than any sidecar's
            if (gh.downstreamRemote() != 0 && learned.sidecarIps().contains(gh.downstreamRemoteIp())) {
                continue;
            }
            // a gateway that could not reach Squid sent nothing back, overhead included
            long sdown = gh.down() == 0 ? 0 : gh.down() - learned.downOverhead().getOrDefault(gh.emitter(), 0L);
            Long upOverhead = learned.upOverhead().get(gh.emitter());
            double spread = learned.gatewaySpreadMs().getOrDefault(gh.emitter(), SNAT_WINDOW_MS / 4.0);
            double[] duration = learned.gatewayDurationDelta().get(gh.emitter());
            sidecarsByDown.forEach(sdown, gl.start - SNAT_WINDOW_MS, gl.start + SNAT_WINDOW_MS, s -> {
                long dbu = gh.up() - lines.get(s).hop.up();
                if (dbu >= 0 && dbu <= 2048) {
                    boolean upMatch = upOverhead != null && dbu == upOverhead;
                    snat(matching, links, lines.get(s), s, gl, gi, upMatch ? UP_MATCH_WEIGHT : 0, spread, duration);
                }
            });
            // the client went away: it received less than the gateway sent, but sent what the gateway received
            if (upOverhead != null) {
                sidecarsByUp.forEach(gh.up() - upOverhead, gl.start - SNAT_WINDOW_MS, gl.start + SNAT_WINDOW_MS, s -> {
                    if (lines.get(s).hop.down() < sdown) {
                        snat(matching, links, lines.get(s), s, gl, gi, 0, spread, duration);
                    }
                });
            }
        }
        int[] chosen = matching.solve(n, n);
        for (int s = 0; s < n; s++) {
            int e = chosen[s];
            EnvoyLine sl = lines.get(s);
            if (e >= 0 && Math.min(sl.end, lines.get(matching.right(e)).end) < commitBefore) {
                EnvoyLine gl = lines.get(matching.right(e));
                sl.gateway = gl;
                sl.meshLink = links.get(e);
                gl.sidecar = sl;
                // Squid counts what the client received: the sidecar's count, without the gateway's overhead
                gl.down = sl.hop.down();
            }
        }
    }

    /** A SNAT pair by bytes, if durations agree and it could be kept. */
    private static void snat(Matching matching, List<Link> links, EnvoyLine sl, int s, EnvoyLine gl, int g, double bonus, double spread,
                             double[] duration) {
        if (Math.abs(gl.hop.duration() - sl.hop.duration()) > 100 + sl.hop.duration() / 50) {
            return;
        }
        Link l = link("bytes", sl, gl);
        // a pair that could not be kept must not displace one that could
        if (l.score() >= MIN_SCORE) {
            long dt = l.startDeltaMs();
            // durations, like starts, on the scale their address pairs show: of identical-looking
            // connections, the one whose duration fits its gateway's usual difference
            double durationFit = duration == null ? 0
                    : DURATION_WEIGHT * Math.max(-1, 1 - sq((l.durationDeltaMs() - duration[0]) / (3 * duration[1])));
            matching.add(s, g, l.score() - 0.2 * Math.exp(-Math.abs(dt) / 500.0) + bonus + timeWeight(dt, spread) + durationFit);
            links.add(l);
        }
    }

    private static Link link(String key, EnvoyLine sl, EnvoyLine gl) {
        EnvoyHop sh = sl.hop;
        EnvoyHop gh = gl.hop;
        long dt = gl.start - sl.start;
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

    static double sq(double x) {
        return x * x;
    }
}
