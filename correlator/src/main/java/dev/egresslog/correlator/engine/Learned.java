package dev.egresslog.correlator.engine;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the learning pass found, which the join reads: clocks, overheads, spreads and addresses.
 *
 * @param gatewaySkewMs    per gateway emitter, its clock against the sidecars' (removed from its starts)
 * @param gatewaySpreadMs  per gateway emitter, how far its address pairs still start apart
 * @param gatewayDurationDelta per gateway emitter, {median, spread} of its duration less its sidecar's
 * @param downOverhead     per gateway emitter, the bytes it adds towards the client
 * @param upOverhead       per gateway emitter, the bytes it adds from the client
 * @param sidecarOffsetMs  per sidecar source, its clock against the gateways'
 * @param squidClocks      per Squid source, its clock model
 * @param squidWindowMs    per Squid source, how far apart its pairs may start, clock corrected
 * @param squidSpreadMs    per Squid source, how far its certain pairs still start apart
 * @param squidProxies     per Squid source, proxy address keys and the certain pairs through each
 * @param allowedProxies   per Squid source, the proxy addresses its lines may join through
 * @param clientsByEmitter per emitter, the client addresses Squid sees for it
 * @param proxies          addresses known to be proxies: where apps' connections were forwarded, where certain pairs went, the user's
 * @param gatewayListeners the addresses gateways listen on
 * @param sidecarIps       the addresses sidecars' upstream sockets use
 * @param roleOfSource     per Envoy source with one role, that role
 * @param mixedSources     Envoy sources whose lines have both roles
 */
record Learned(Map<Integer, Long> gatewaySkewMs, Map<Integer, Double> gatewaySpreadMs,
               Map<Integer, double[]> gatewayDurationDelta, Map<Integer, Long> downOverhead,
               Map<Integer, Long> upOverhead, Map<Integer, Long> sidecarOffsetMs, Map<Integer, ClockModel> squidClocks,
               Map<Integer, Long> squidWindowMs, Map<Integer, Double> squidSpreadMs, Map<Integer, Map<Long, Integer>> squidProxies,
               Map<Integer, Set<Long>> allowedProxies, Map<Integer, Set<Long>> clientsByEmitter, Set<Long> proxies, LongSet gatewayListeners,
               LongSet sidecarIps, Map<Integer, Role> roleOfSource, Set<Integer> mixedSources) {

    static Learned from(MeshLearner mesh, SquidLearner squid, JoinSettings settings) {
        Map<Integer, Long> skews = mesh.skews();
        squid.finish(skews, settings.proxyWindowMs());
        Map<Integer, Long> down = new HashMap<>();
        mesh.downOverheadByGateway.forEach((e, counts) -> down.put(e, Histograms.mode(counts)));
        Map<Integer, Long> up = new HashMap<>();
        mesh.upOverheadByGateway.forEach((e, counts) -> up.put(e, Histograms.mode(counts)));
        Set<Long> proxies = new HashSet<>(settings.proxyAddresses());
        proxies.addAll(mesh.forwarded.boxed());
        squid.proxies.values().forEach(counts -> proxies.addAll(counts.keySet()));
        proxies.remove(0L);
        Map<Integer, Role> roles = new HashMap<>(mesh.roleOfSource);
        mesh.mixedSources.forEach(roles::remove);
        return new Learned(skews, mesh.spreads(skews), mesh.durationDeltas(), down, up, mesh.sidecarOffsets(skews), squid.models, squid.windowMs,
                squid.spreadMs, squid.proxies, allowed(squid.proxies), squid.clientsByEmitter, proxies, mesh.gatewayListeners, mesh.sidecarIps, roles, mesh.mixedSources);
    }

    /** The proxy addresses a source's certain pairs went through, each with at least a tenth of the commonest one's pairs; null when none. */
    Set<Long> allowedProxies(int source) {
        return allowedProxies.get(source);
    }

    private static Map<Integer, Set<Long>> allowed(Map<Integer, Map<Long, Integer>> squidProxies) {
        Map<Integer, Set<Long>> allowed = new HashMap<>();
        squidProxies.forEach((source, counts) -> {
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            Set<Long> addresses = new HashSet<>();
            counts.forEach((addr, n) -> {
                if (n * 10 >= max) {
                    addresses.add(addr);
                }
            });
            allowed.put(source, addresses);
        });
        return allowed;
    }

    /** The proxy address most of a source's certain pairs went through, or 0. */
    long proxyOf(int source) {
        Map<Long, Integer> counts = squidProxies.get(source);
        return counts == null ? 0 : Histograms.mode(counts);
    }
}
