package dev.egresslog.correlator.engine;

import java.util.function.Consumer;

/**
 * Stage 4, rows. Reads each line as it leaves the join (its pairs final); writes one row per
 * tunnel: each gateway line to a proxy or joined to a sidecar or a Squid line (with them), each
 * sidecar line on an egress path that no gateway line joined (to a proxy directly, or to a
 * gateway that failed it or whose line is lost), and each Squid line that no hop joined. Counts
 * the lines on an egress path that end in no row (the invariant: none).
 */
final class Rows {
    private final Learned learned;
    private final JoinSettings settings;
    private final Consumer<Tunnel> out;
    long rows;
    long linesInNoRow;
    /** The end of the slice whose lines are leaving. */
    long slice;

    Rows(Learned learned, JoinSettings settings, Consumer<Tunnel> out) {
        this.learned = learned;
        this.settings = settings;
        this.out = out;
    }

    /** An Envoy line leaves the join. */
    void leave(EnvoyLine l) {
        if (l.role == Role.GATEWAY) {
            boolean egress = l.squid != null || l.sidecar != null || learned.proxies().contains(l.hop.upstreamHost());
            if (egress) {
                emit(l.sidecar, l, l.squid);
            }
            check(egress, l);
            if (l.sidecar != null) {
                check(true, l.sidecar);
            }
        } else if (l.role == Role.SIDECAR && l.gateway == null) {
            boolean egress = l.squid != null || egress(l);
            if (egress) {
                emit(l, null, l.squid);
            }
            check(egress, l);
        }
        // a sidecar joined to a gateway is checked when its gateway leaves
    }

    /** The invariant: a line on an egress path is in exactly one row. */
    private void check(boolean egress, EnvoyLine l) {
        if (egress && l.rows != 1) {
            linesInNoRow++;
        }
    }

    /** A Squid line leaves the join. */
    void leave(SquidLine q) {
        if (q.upstream == null) {
            emit(null, null, q);
        }
    }

    /**
     * A sidecar line on an egress path: to a proxy (its app dialled one, or it did), to an egress
     * gateway's service or listener.
     */
    private boolean egress(EnvoyLine s) {
        EnvoyHop h = s.hop;
        return learned.proxies().contains(h.downstreamLocal()) || learned.proxies().contains(h.upstreamHost())
                || h.toGateway() || learned.gatewayListeners().contains(h.upstreamHost());
    }

    private void emit(EnvoyLine s, EnvoyLine g, SquidLine q) {
        Link meshLink = s != null && g != null ? s.meshLink : null;
        EnvoyLine upstream = g != null ? g : s;
        Link proxyLink = q != null && upstream != null && upstream.squid == q ? upstream.proxyLink : null;
        Status status;
        if (q != null && q.hop.denied()) {
            status = Status.DENIED;
        } else if (q != null && q.hop.failed()) {
            status = Status.UPSTREAM_FAILED;
        } else if (q != null && s != null && g != null) {
            status = Status.COMPLETE;
        } else if (q != null && s != null) {
            status = Status.BYPASS;
        } else if (q != null && g == null) {
            status = Status.NON_MESH;
        } else if (g != null && g.hop.connectFailed()) {
            status = Status.GATEWAY_FAILED;
        } else if (g == null && s != null && s.hop.connectFailed()) {
            status = Status.SIDECAR_FAILED;
        } else {
            status = Status.PARTIAL;
        }
        Double score = null;
        if (meshLink != null && proxyLink != null) {
            score = Math.min(meshLink.score(), proxyLink.score());
        } else if (meshLink != null || proxyLink != null) {
            score = (meshLink != null ? meshLink : proxyLink).score();
        }
        EnvoyLine first = s != null ? s : g;
        long startMs = first != null ? first.start : q.start;
        long duration = first != null ? first.hop.duration() : q.hop.elapsed();
        long proxyAddress = g != null ? g.hop.upstreamHost()
                : s != null ? (s.hop.upstreamHost() == s.hop.downstreamLocal() ? s.hop.upstreamHost() : s.hop.downstreamLocal())
                : 0;
        if (proxyAddress == 0 && q != null) {
            proxyAddress = learned.squidProxies().containsKey(q.hop.source()) ? learned.proxyOf(q.hop.source())
                    : settings.priorProxy().getOrDefault(q.hop.source(), 0L);
        }
        rows++;
        if (s != null) {
            s.rows++;
        }
        if (g != null) {
            g.rows++;
        }
        out.accept(new Tunnel(s != null ? s.hop.id() : -1, g != null ? g.hop.id() : -1, q != null ? q.hop.id() : -1, status, score,
                meshLink, proxyLink, startMs, duration, q != null ? q.offset : null, q != null && q.offsetKnown, proxyAddress, slice));
    }
}
