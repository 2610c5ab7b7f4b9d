package dev.egresslog.parser;

import static java.util.Objects.requireNonNull;

/**
 * Where a line came from, and what its wrapper said about it.
 *
 * @param source      the path as given by the user, "-" for stdin, or "kafka:TOPIC/PARTITION"
 * @param line        1-based line number in the source (the record offset for Kafka)
 * @param pod         Kubernetes pod name from a shipper envelope or a kubectl prefix, or null
 * @param namespace   Kubernetes namespace from a shipper envelope, or null
 * @param container   container name from an envelope or a kubectl prefix, or null
 * @param wrapperTime epoch ms of the wrapper's own timestamp (CRI, kubectl --timestamps, envelope), or -1
 * @param repaired    true when the line was mended before parsing (curly quotes, a lost bracket)
 */
public record Origin(String source, long line, String pod, String namespace, String container,
                     long wrapperTime, boolean repaired) {
    public Origin {
        requireNonNull(source, "source is null");
    }

    public static Origin of(String source, long line) {
        return new Origin(source, line, null, null, null, -1, false);
    }
}
