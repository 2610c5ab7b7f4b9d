package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The correlation engine: Envoy and Squid lines in, tunnel rows with their evidence out. Pure
 * Java; {@code trace} and {@code stream} both call it. The stages, each in its own class, in order:
 *
 * <ol>
 *   <li>{@link Roles}: each Envoy line's role (sidecar or gateway);</li>
 *   <li>{@link MeshJoin}: gateway clocks put on the sidecars', then sidecar-gateway pairs;</li>
 *   <li>upstream hops: what talks to a proxy (gateways; sidecars that dial a proxy directly);</li>
 *   <li>{@link SquidClocks}: each Squid clock's offset model, from certain pairs;</li>
 *   <li>{@link ProxyJoin}: upstream hop-Squid pairs;</li>
 *   <li>rows: chains and everything on an egress path that did not join, with a status.</li>
 * </ol>
 */
public final class Engine {
    private Engine() {
    }

    /**
     * What the engine learned besides the rows.
     *
     * @param squidClocks     per Squid source, its clock model (absent when it had no certain pair)
     * @param sidecarOffsetMs per sidecar source, its clock against the gateways' (ms)
     * @param gatewaySkewMs   per gateway emitter, the skew removed from its lines
     * @param proxyOf         per Squid source, the proxy address key most of its certain pairs went through
     * @param roleOf          per Envoy source, its role, or null for a source whose lines have two
     * @param linesInNoRow    lines on an egress path in no row (the invariant: 0)
     */
    public record Result(List<Tunnel> tunnels, Map<Integer, ClockModel> squidClocks, Map<Integer, Long> sidecarOffsetMs,
                         Map<Integer, Long> gatewaySkewMs, Map<Integer, Long> proxyOf, Map<Integer, Role> roleOf,
                         Set<Integer> mixedRoleSources, long linesInNoRow) {
    }

    public static Result correlate(List<EnvoyHop> envoy, List<SquidHop> squid, JoinSettings settings, Consumer<String> progress) {
        // a fixed order (start, then id): the same lines give the same rows, however they arrived
        List<EnvoyHop> hops = new ArrayList<>(envoy);
        hops.sort(Comparator.comparingLong(EnvoyHop::start).thenComparingLong(EnvoyHop::id));
        List<SquidHop> lines = new ArrayList<>(squid);
        lines.sort(Comparator.comparingLong(SquidHop::start).thenComparingLong(SquidHop::id));
        int n = hops.size();

        long t0 = System.nanoTime();
        Role[] roles = Roles.of(hops);
        MeshJoin mesh = new MeshJoin(hops, roles, settings.meshWindowMs());
        t0 = lap(progress, "pairing sidecars with gateways", t0);

        // upstream hops; a gateway joined to its sidecar takes the sidecar's bytes to the client,
        // which Squid's equal even when the mesh hop adds Istio's peer-metadata bytes
        long[] down = new long[n];
        List<Integer> upstreamList = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EnvoyHop h = hops.get(i);
            down[i] = mesh.sidecarOf[i] >= 0 ? hops.get(mesh.sidecarOf[i]).down() : h.down();
            if (h.upstreamHost() != 0 && (roles[i] == Role.GATEWAY || (roles[i] == Role.SIDECAR
                    && h.upstreamHost() == h.downstreamLocal() && (h.proxyPort() || settings.proxyAddresses().contains(h.upstreamHost()))))) {
                upstreamList.add(i);
            }
        }
        int[] upstream = upstreamList.stream().mapToInt(Integer::intValue).toArray();
        SquidClocks clocks = new SquidClocks(hops, upstream, mesh.start, down, lines, settings);
        t0 = lap(progress, "learning Squid clocks", t0);
        ProxyJoin proxy = new ProxyJoin(hops, roles, upstream, mesh.start, down, lines, clocks, settings);
        t0 = lap(progress, "pairing upstream hops with Squid lines", t0);

        Rows rows = new Rows(hops, roles, mesh, proxy, lines, clocks, settings);
        lap(progress, "building rows", t0);

        Map<Integer, Long> proxyOf = new HashMap<>();
        for (Integer source : clocks.proxies.keySet()) {
            proxyOf.put(source, clocks.proxyOf(source));
        }
        Map<Integer, Role> roleOf = new HashMap<>();
        Set<Integer> mixed = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (roles[i] != null) {
                Role before = roleOf.putIfAbsent(hops.get(i).source(), roles[i]);
                if (before != null && before != roles[i]) {
                    mixed.add(hops.get(i).source());
                }
            }
        }
        mixed.forEach(roleOf::remove);
        return new Result(rows.tunnels, Map.copyOf(clocks.models), Map.copyOf(mesh.sidecarSourceOffset),
                Map.copyOf(mesh.skewByEmitter), proxyOf, roleOf, mixed, rows.linesInNoRow);
    }

    private static long lap(Consumer<String> progress, String stage, long t0) {
        long now = System.nanoTime();
        progress.accept(String.format("%s (%.1f s)", stage, (now - t0) / 1e9));
        return now;
    }
}
