package dev.egresslog.correlator.engine;

import java.util.Locale;

/** What became of a tunnel, as its rows in {@code tunnels} say. */
public enum Status {
    COMPLETE, DENIED, UPSTREAM_FAILED, BYPASS, NON_MESH, GATEWAY_FAILED, SIDECAR_FAILED, PARTIAL;

    /** The name in the database: lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
