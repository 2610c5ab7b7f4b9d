package dev.egresslog.correlator.engine;

/**
 * One row of {@code tunnels}: a tunnel's hops (line ids, -1 when absent), what became of it and
 * the evidence of its joins.
 *
 * @param sidecar         the sidecar line, or -1
 * @param gateway         the gateway line, or -1
 * @param squid           the Squid line, or -1
 * @param startMs         start on the mesh's clock (the first hop's, Squid's corrected when alone)
 * @param durationMs      the first hop's duration
 * @param squidOffsetMs   the Squid clock's offset used for its line (squid - mesh), or null
 * @param squidOffsetKnown whether that offset was learned (not a default)
 * @param proxyAddress    key of the proxy address the tunnel went through, 0 when unknown
 * @param sliceMs         the end of the slice that decided it: a run resumed at a slice makes
 *                        again every row decided after it ({@link Engine.Slices})
 */
public record Tunnel(long sidecar, long gateway, long squid, Status status, Double score, Link meshLink, Link proxyLink,
                     long startMs, long durationMs, Long squidOffsetMs, boolean squidOffsetKnown, long proxyAddress, long sliceMs) {
}
