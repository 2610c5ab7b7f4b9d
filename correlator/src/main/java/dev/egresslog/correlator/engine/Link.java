package dev.egresslog.correlator.engine;

/**
 * The evidence of one join between two hops.
 *
 * @param key             what joined them: address, bytes (mesh); client-port, time+bytes+client, time+bytes (proxy)
 * @param score           0..1: how sure the join is
 * @param startDeltaMs    later hop's start less the earlier's, clocks corrected
 * @param bytesDelta      the earlier hop's bytes to the client less the later's (proxy) or the reverse (mesh)
 * @param durationDeltaMs the two durations' difference
 */
public record Link(String key, double score, long startDeltaMs, long bytesDelta, long durationDeltaMs) {
}
