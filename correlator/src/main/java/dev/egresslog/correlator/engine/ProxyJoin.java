package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Stage 4, upstream hop to Squid line. Reads the upstream hops (mesh starts, bytes to the client),
 * the Squid lines on the mesh clock ({@link #squidStart}) and what the clocks stage learned;
 * writes the pairs ({@link #squidOf}, {@link #hopOf}, {@link #link}).
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

    final int[] squidOf;
    final int[] hopOf;
    final Link[] link;
    final long[] squidStart;
    final Long[] squidOffset;
    final boolean[] squidOffsetKnown;

    private final List<EnvoyHop> hops;
    private final Role[] roles;
    private final long[] start;
    private final long[] down;
    private final List<SquidHop> squid;
    private final SquidClocks clocks;
    private final JoinSettings settings;

    ProxyJoin(List<EnvoyHop> hops, Role[] roles, int[] upstream, long[] start, long[] down, List<SquidHop> squid,
              SquidClocks clocks, JoinSettings settings) {
        this.hops = hops;
        this.roles = roles;
        this.start = start;
        this.down = down;
        this.squid = squid;
        this.clocks = clocks;
        this.settings = settings;
        squidOf = new int[hops.size()];
        hopOf = new int[squid.size()];
        link = new Link[hops.size()];
        Arrays.fill(squidOf, -1);
        Arrays.fill(hopOf, -1);
        squidStart = new long[squid.size()];
        squidOffset = new Long[squid.size()];
        squidOffsetKnown = new boolean[squid.size()];
        for (int i = 0; i < squid.size(); i++) {
            SquidHop q = squid.get(i);
            ClockModel model = clocks.models.get(q.source());
            Long prior = settings.priorOffsetMs().get(q.source());
            long offset = model != null ? model.at(q.start()) : prior != null ? prior : 0;
            squidOffset[i] = offset;
            squidOffsetKnown[i] = model != null || prior != null;
            squidStart[i] = q.start() - offset;
        }
        TimeIndex.Builder byBytes = new TimeIndex.Builder();
        TimeIndex.Builder byPort = new TimeIndex.Builder();
        TimeIndex.Builder failedEmpty = new TimeIndex.Builder();
        TimeIndex.Builder all = new TimeIndex.Builder();
        for (int i = 0; i < squid.size(); i++) {
            SquidHop q = squid.get(i);
            byBytes.add(q.bytes(), i, squidStart[i]);
            if (q.clientPort() >= 0) {
                byPort.add(q.clientPort(), i, squidStart[i]);
            }
            if (q.bytes() == 0 && q.httpStatus() >= 400) {
                failedEmpty.add(0, i, squidStart[i]);
            }
            all.add(0, i, squidStart[i]);
        }
        TimeIndex bytesIndex = byBytes.build();
        TimeIndex portIndex = byPort.build();
        TimeIndex failedIndex = failedEmpty.build();
        // a hop that could not connect never reached Squid
        int[] candidates = Arrays.stream(upstream).filter(e -> !hops.get(e).connectFailed()).toArray();

        Round exact = new Round();
        for (int e : candidates) {
            long w = settings.proxyWindowMs();
            long t = start[e];
            EnvoyHop h = hops.get(e);
            bytesIndex.forEach(down[e], t - w, t + w, q -> exact.consider(e, q));
            bytesIndex.forEach(down[e] - 39, t - w, t + w, q -> exact.consider(e, q));
            if (h.upstreamLocalPort() >= 0) {
                portIndex.forEach(h.upstreamLocalPort(), t - w, t + w, q -> exact.consider(e, q));
            }
            // Squid failed and logged 0 bytes: the hops carry its error page (a few KB) and little else
            if (down[e] >= 100 && down[e] <= 16384 && h.up() < 8192) {
                failedIndex.forEach(0, t - w, t + w, q -> exact.consider(e, q));
            }
        }
        exact.assign();
        TimeIndex allIndex = all.build();
        Round rest = new Round();
        for (int e : candidates) {
            if (squidOf[e] < 0) {
                long w = settings.proxyWindowMs();
                allIndex.forEach(0, start[e] - w, start[e] + w, q -> {
                    if (hopOf[q] < 0) {
                        rest.consider(e, q);
                    }
                });
            }
        }
        rest.assign();
    }

    /** One round of candidates and their matching. */
    private final class Round {
        final Matching matching = new Matching();
        final List<Link> links = new ArrayList<>();
        /** The last hop considered and the Squid lines it already has a candidate with (a pair may be found by several keys). */
        int lastHop = -1;
        final java.util.HashSet<Integer> seen = new java.util.HashSet<>();

        void consider(int e, int q) {
            if (e != lastHop) {
                lastHop = e;
                seen.clear();
            }
            if (!seen.add(q)) {
                return;
            }
            Link l = score(e, q);
            // a pair that could not be kept must not displace one that could
            if (l != null && l.score() >= MIN_SCORE) {
                // the time term of the matching on the scale of the source's own spread (its certain
                // pairs'), so that among identical connections time decides
                double spread = clocks.spreadMs.getOrDefault(squid.get(q).source(), 100.0);
                double time = 0.30 * Math.exp(-Math.abs(l.startDeltaMs()) / 100.0);
                matching.add(e, q, l.score() - time + MeshJoin.timeWeight(l.startDeltaMs(), spread));
                links.add(l);
            }
        }

        void assign() {
            int[] chosen = matching.solve(hops.size(), squid.size());
            for (int e = 0; e < chosen.length; e++) {
                int c = chosen[e];
                if (c >= 0) {
                    int q = matching.right(c);
                    squidOf[e] = q;
                    hopOf[q] = e;
                    link[e] = links.get(c);
                }
            }
        }
    }

    /** The evidence of hop {@code e} and Squid line {@code q}, or null when they cannot be one connection. */
    private Link score(int e, int q) {
        EnvoyHop h = hops.get(e);
        SquidHop s = squid.get(q);
        long dt = squidStart[q] - start[e];
        long db = down[e] - s.bytes();
        long dd = h.duration() - s.elapsed();
        // near in time and duration
        if (Math.abs(dt) > settings.proxyWindowMs() || Math.abs(dd) > 250 + h.duration() / 20) {
            return null;
        }
        long window = clocks.windowMs.getOrDefault(s.source(), settings.proxyWindowMs());
        if (Math.abs(dt) > window) {
            return null;
        }
        // the Squid source serves this proxy address (as its certain pairs show, or the user says)
        Long forced = settings.squidProxy().get(s.source());
        if (forced != null) {
            if (forced != h.upstreamHost()) {
                return null;
            }
        } else {
            Set<Long> allowed = clocks.allowedProxies(s.source());
            if (allowed != null && !allowed.contains(h.upstreamHost())) {
                return null;
            }
        }
        // a sidecar dialling some address directly is a bypass only with byte evidence
        if (roles[e] != Role.GATEWAY && db != 0 && db != 39 && s.httpStatus() < 400) {
            return null;
        }
        boolean portMatch = s.clientPort() >= 0 && s.clientPort() == h.upstreamLocalPort();
        // Squid saw this hop's own address (no SNAT) with another port: another connection
        boolean portConflict = s.clientPort() >= 0 && h.upstreamLocalPort() >= 0 && s.clientIp() == h.upstreamLocalIp()
                && s.clientPort() != h.upstreamLocalPort();
        java.util.Set<Long> clients = clocks.clientsByEmitter.get(h.emitter());
        double client = clients == null ? 0.5 : clients.contains(s.clientIp()) ? 1.0 : 0.0;
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
