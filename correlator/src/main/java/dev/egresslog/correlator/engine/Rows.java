package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Stage 5, rows. Reads the pairs of both joins; writes one row per tunnel: each gateway line to a
 * proxy (with its sidecar and Squid line when joined), each sidecar line on an egress path that
 * no gateway line joined (to a proxy directly, or to a gateway that failed it or whose line is
 * lost), and each Squid line that no hop joined. Counts the lines on an egress path in no row.
 */
final class Rows {
    final List<Tunnel> tunnels = new ArrayList<>();
    long linesInNoRow;

    Rows(List<EnvoyHop> hops, Role[] roles, MeshJoin mesh, ProxyJoin proxy, List<SquidHop> squid, SquidClocks clocks,
         JoinSettings settings) {
        int n = hops.size();
        // proxy addresses: where some upstream hop met a Squid line; where the app dialled an
        // address its gateway then forwarded to (known even without Squid's log); the user's
        Set<Long> proxies = new HashSet<>(settings.proxyAddresses());
        Set<Long> gatewayListeners = new HashSet<>();
        for (int i = 0; i < n; i++) {
            EnvoyHop h = hops.get(i);
            if (proxy.squidOf[i] >= 0) {
                proxies.add(h.upstreamHost());
            }
            int g = mesh.gatewayOf[i];
            if (g >= 0 && h.downstreamLocal() == hops.get(g).upstreamHost() && h.downstreamLocal() != 0) {
                proxies.add(h.downstreamLocal());
            }
            if (roles[i] == Role.GATEWAY && h.downstreamLocal() != 0) {
                gatewayListeners.add(h.downstreamLocal());
            }
        }
        proxies.remove(0L);
        boolean[] inRow = new boolean[n];
        for (int i = 0; i < n; i++) {
            EnvoyHop h = hops.get(i);
            if (roles[i] == Role.GATEWAY) {
                if (proxy.squidOf[i] >= 0 || proxies.contains(h.upstreamHost())) {
                    int s = mesh.sidecarOf[i];
                    add(hops, squid, mesh, proxy, clocks, settings, s, i, proxy.squidOf[i]);
                    inRow[i] = true;
                    if (s >= 0) {
                        inRow[s] = true;
                    }
                }
            } else if (roles[i] == Role.SIDECAR && mesh.gatewayOf[i] < 0) {
                boolean egress = proxy.squidOf[i] >= 0 || proxies.contains(h.downstreamLocal()) || proxies.contains(h.upstreamHost())
                        // a connection to an egress gateway's listener that no gateway line joined (the
                        // gateway failed it, or its line is lost): its own row, never dropped
                        || h.toGateway() || gatewayListeners.contains(h.upstreamHost());
                if (egress) {
                    add(hops, squid, mesh, proxy, clocks, settings, i, -1, proxy.squidOf[i]);
                    inRow[i] = true;
                }
            }
        }
        for (int q = 0; q < squid.size(); q++) {
            if (proxy.hopOf[q] < 0) {
                add(hops, squid, mesh, proxy, clocks, settings, -1, -1, q);
            }
        }
        // the invariant: every line on an egress path is in a row
        for (int i = 0; i < n; i++) {
            EnvoyHop h = hops.get(i);
            boolean egress = roles[i] == Role.SIDECAR
                    ? h.toGateway() || gatewayListeners.contains(h.upstreamHost()) || proxies.contains(h.upstreamHost())
                      || proxies.contains(h.downstreamLocal())
                    : roles[i] == Role.GATEWAY && proxies.contains(h.upstreamHost());
            if (egress && !inRow[i]) {
                linesInNoRow++;
            }
        }
    }

    private void add(List<EnvoyHop> hops, List<SquidHop> squid, MeshJoin mesh, ProxyJoin proxy, SquidClocks clocks,
                     JoinSettings settings, int s, int g, int q) {
        EnvoyHop sh = s >= 0 ? hops.get(s) : null;
        EnvoyHop gh = g >= 0 ? hops.get(g) : null;
        SquidHop qh = q >= 0 ? squid.get(q) : null;
        Link meshLink = s >= 0 && g >= 0 ? mesh.link[s] : null;
        int upstreamHop = g >= 0 ? g : s;
        Link proxyLink = q >= 0 && upstreamHop >= 0 && proxy.squidOf[upstreamHop] == q ? proxy.link[upstreamHop] : null;
        Status status;
        if (qh != null && qh.denied()) {
            status = Status.DENIED;
        } else if (qh != null && qh.failed()) {
            status = Status.UPSTREAM_FAILED;
        } else if (qh != null && sh != null && gh != null) {
            status = Status.COMPLETE;
        } else if (qh != null && sh != null) {
            status = Status.BYPASS;
        } else if (qh != null && gh == null) {
            status = Status.NON_MESH;
        } else if (gh != null && gh.connectFailed()) {
            status = Status.GATEWAY_FAILED;
        } else if (gh == null && sh != null && sh.connectFailed()) {
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
        long startMs = sh != null ? sh.start() : gh != null ? mesh.start[g] : proxy.squidStart[q];
        long duration = sh != null ? sh.duration() : gh != null ? gh.duration() : qh.elapsed();
        long proxyAddress = gh != null ? gh.upstreamHost()
                : sh != null ? (sh.upstreamHost() == sh.downstreamLocal() ? sh.upstreamHost() : sh.downstreamLocal())
                : 0;
        if (proxyAddress == 0 && qh != null) {
            proxyAddress = clocks.proxies.containsKey(qh.source()) ? clocks.proxyOf(qh.source())
                    : settings.priorProxy().getOrDefault(qh.source(), 0L);
        }
        tunnels.add(new Tunnel(sh != null ? sh.id() : -1, gh != null ? gh.id() : -1, qh != null ? qh.id() : -1, status, score,
                meshLink, proxyLink, startMs, duration, qh != null ? proxy.squidOffset[q] : null,
                qh != null && proxy.squidOffsetKnown[q], proxyAddress));
    }
}
