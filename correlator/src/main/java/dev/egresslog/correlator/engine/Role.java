package dev.egresslog.correlator.engine;

/** What an Envoy emitter is in the chain. */
public enum Role {
    SIDECAR, GATEWAY
}
