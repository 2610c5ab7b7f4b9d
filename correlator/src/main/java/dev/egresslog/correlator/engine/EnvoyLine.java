package dev.egresslog.correlator.engine;

/** An Envoy line while the join holds it: the line, its role, its start on the sidecars' clock, and its joins. */
final class EnvoyLine {
    final EnvoyHop hop;
    final Role role;
    /** Start on the sidecars' clock (a gateway's own skew removed). */
    final long start;
    /** Bytes to the client as Squid would count them: a gateway joined to its sidecar takes the sidecar's. */
    long down;
    EnvoyLine gateway;
    EnvoyLine sidecar;
    Link meshLink;
    SquidLine squid;
    Link proxyLink;
    /** The rows it is in (the invariant: one, when it is on an egress path). */
    int rows;

    EnvoyLine(EnvoyHop hop, Role role, long start) {
        this.hop = hop;
        this.role = role;
        this.start = start;
        this.down = hop.down();
    }
}
