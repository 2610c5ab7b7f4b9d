package dev.egresslog.correlator.engine;

/** An Envoy line while the join holds it: the line, its role, its start on the sidecars' clock, and its joins. */
final class EnvoyLine {
    final EnvoyHop hop;
    final Role role;
    /** Start on the sidecars' clock (a gateway's own skew removed), and end (the join takes lines by their end). */
    final long start;
    final long end;
    /** What the line says, hashed ({@link EnvoyHop#content}): ties among equal starts. */
    final long content;
    /** Bytes to the client as Squid would count them: a gateway joined to its sidecar takes the sidecar's. */
    long down;
    EnvoyLine gateway;
    EnvoyLine sidecar;
    Link meshLink;
    SquidLine squid;
    Link proxyLink;
    /** The rows it is in (the invariant: one, when it is on an egress path). */
    int rows;

    /**
     * When the join decides it: its end, or its mesh partner's when that is earlier (a pair is
     * decided, and its row written, when the first of its two lines is).
     */
    long anchor() {
        EnvoyLine partner = gateway != null ? gateway : sidecar;
        return partner == null ? end : Math.min(end, partner.end);
    }

    /** Whether a join took it. */
    boolean joined() {
        return gateway != null || sidecar != null || squid != null;
    }

    EnvoyLine(EnvoyHop hop, Role role, long start) {
        this.hop = hop;
        this.role = role;
        this.start = start;
        this.end = start + hop.duration();
        this.content = hop.content();
        this.down = hop.down();
    }
}
