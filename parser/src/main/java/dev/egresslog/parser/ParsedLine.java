package dev.egresslog.parser;

/** What one input line became: an Envoy record, a Squid record, or a reject. */
public sealed interface ParsedLine permits EnvoyRecord, SquidRecord, Reject {
    Origin origin();

    /** "envoy", "squid" or "reject". */
    String kind();
}
