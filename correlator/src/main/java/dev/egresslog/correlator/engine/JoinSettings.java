package dev.egresslog.correlator.engine;

import java.util.Map;
import java.util.Set;

/**
 * What the engine is told besides the lines.
 *
 * @param maxSkewMs        the largest Squid clock offset searched for
 * @param proxyWindowMs    the largest start difference of an upstream hop and its Squid line, clocks corrected
 * @param meshWindowMs     the largest start difference of a sidecar and its gateway
 * @param proxyAddresses   keys of addresses the user says are proxies
 * @param squidProxy       per Squid source, the key of the proxy address the user says it serves
 * @param priorOffsetMs    per Squid source, an offset learned before (a stream's earlier passes), for a source with no certain pair now
 * @param priorProxy       per Squid source, the proxy address learned before
 */
public record JoinSettings(long maxSkewMs, long proxyWindowMs, long meshWindowMs, Set<Long> proxyAddresses,
                           Map<Integer, Long> squidProxy, Map<Integer, Long> priorOffsetMs, Map<Integer, Long> priorProxy) {
    public JoinSettings {
        proxyAddresses = Set.copyOf(proxyAddresses);
        squidProxy = Map.copyOf(squidProxy);
        priorOffsetMs = Map.copyOf(priorOffsetMs);
        priorProxy = Map.copyOf(priorProxy);
    }

    /** The defaults of {@link dev.egresslog.correlator.CorrelatorOptions#DEFAULT}, no proxies named, nothing learned before. */
    public static JoinSettings defaults() {
        var d = dev.egresslog.correlator.CorrelatorOptions.DEFAULT;
        return new JoinSettings(d.maxSkewMs(), d.proxyWindowMs(), d.meshWindowMs(), Set.of(), Map.of(), Map.of(), Map.of());
    }
}
