package dev.egresslog.parser;

import static java.util.Objects.requireNonNull;

/**
 * An Envoy upstream cluster name and its Istio parts.
 * {@code outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local} has direction
 * "outbound", port 7777, subset "proxy" and that host; the SNI-cluster form
 * {@code outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local} is split the same
 * way. Other names ({@code PassthroughCluster}, {@code BlackHoleCluster}) have no parts.
 *
 * @param raw       the name as logged, less a stray trailing ';' (Istio 1.22/1.23)
 * @param direction outbound, inbound, inbound-vip, ... or null
 * @param port      the service port, or -1
 * @param subset    the subset, or null when empty
 * @param host      the service host, or null
 */
public record ClusterName(String raw, String direction, int port, String subset, String host) {
    public ClusterName {
        requireNonNull(raw, "raw is null");
    }

    /** Parses a cluster name; returns null for "-" and empty text. Never throws. */
    public static ClusterName parse(String text) {
        if (text == null || text.isEmpty() || text.equals("-")) {
            return null;
        }
        String name = text.endsWith(";") ? text.substring(0, text.length() - 1) : text;
        String[] parts = null;
        if (name.indexOf('|') > 0) {
            parts = split(name, "|");
        } else if (name.contains("_.")) {
            parts = split(name, "_.");
        }
        if (parts == null || parts.length < 2) {
            return new ClusterName(name, null, -1, null, null);
        }
        int port = -1;
        try {
            port = Integer.parseInt(parts[1]);
        } catch (NumberFormatException ignored) {
            // not an Istio name after all; keep the direction only
        }
        String subset = parts.length > 2 && !parts[2].isEmpty() && !parts[2].equals("_") ? parts[2] : null;
        String host = parts.length > 3 && !parts[3].isEmpty() ? parts[3] : null;
        return new ClusterName(name, parts[0], port, subset, host);
    }

    /** Up to four parts; the last keeps any further separators (hosts never hold them, but be safe). */
    private static String[] split(String name, String separator) {
        String[] parts = new String[4];
        int count = 0;
        int from = 0;
        while (count < 3) {
            int at = name.indexOf(separator, from);
            if (at < 0) {
                break;
            }
            parts[count++] = name.substring(from, at);
            from = at + separator.length();
        }
        parts[count++] = name.substring(from);
        return java.util.Arrays.copyOf(parts, count);
    }

    @Override
    public String toString() {
        return raw;
    }
}
