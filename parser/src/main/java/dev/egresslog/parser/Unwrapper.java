package dev.egresslog.parser;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egresslog.parser.format.FieldException;
import dev.egresslog.parser.format.Values;

/**
 * Peels what log shippers and kubectl put around a line, keeping what they say about it:
 * Fluent Bit / Vector / Fluentd JSON envelopes, {@code kubectl logs --prefix},
 * {@code kubectl logs --timestamps}, CRI container-log prefixes and syslog prefixes in front of
 * Squid lines. Not thread safe; one per parser.
 */
final class Unwrapper {
    String pod;
    /** True after {@link #prefix} removed a bare leading timestamp, which could also be a custom format's first field. */
    boolean bareTimestamp;
    String namespace;
    String container;
    long wrapperTime;

    void reset() {
        pod = null;
        namespace = null;
        container = null;
        wrapperTime = -1;
        bareTimestamp = false;
    }

    /** The line inside a shipper envelope, or null when the object is not an envelope. */
    String envelope(JsonNode object) {
        JsonNode inner = object.get("log");
        if (inner == null || !inner.isTextual()) {
            inner = object.get("message");
        }
        if (inner == null || !inner.isTextual() || object.has("start_time")) {
            return null;
        }
        JsonNode k8s = object.get("kubernetes");
        if (k8s != null && k8s.isObject()) {
            pod = text(k8s, "pod_name", pod);
            namespace = text(k8s, "namespace_name", namespace);
            namespace = text(k8s, "pod_namespace", namespace);
            container = text(k8s, "container_name", container);
        }
        for (String key : new String[] {"time", "@timestamp", "timestamp"}) {
            JsonNode time = object.get(key);
            if (time != null && time.isTextual() && wrapperTime < 0) {
                wrapperTime = isoOrMinus(time.asText(), 0, time.asText().length());
            }
        }
        String line = inner.asText();
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        return end == line.length() ? line : line.substring(0, end);
    }

    private static String text(JsonNode node, String key, String otherwise) {
        JsonNode value = node.get(key);
        return value != null && value.isTextual() ? value.asText() : otherwise;
    }

    /**
     * Removes one textual prefix; returns the line unchanged when it has none. Cheap checks on
     * the first characters come first: most lines have no prefix at all.
     */
    String prefix(String line) {
        if (line.startsWith("[pod/")) {
            int close = line.indexOf("] ");
            if (close > 0) {
                String[] parts = line.substring(5, close).split("/", 2);
                pod = parts[0];
                if (parts.length > 1) {
                    container = parts[1];
                }
                return line.substring(close + 2);
            }
        }
        if (line.length() > 21 && isDigit(line.charAt(0)) && line.charAt(4) == '-' && line.charAt(10) == 'T') {
            int space = line.indexOf(' ');
            if (space > 19 && (line.charAt(space - 1) == 'Z' || line.charAt(space - 6) == '+' || line.charAt(space - 6) == '-')) {
                long time = isoOrMinus(line, 0, space);
                if (time >= 0) {
                    wrapperTime = time;
                    String rest = line.substring(space + 1);
                    // CRI: "<time> stdout F <line>"; kubectl --timestamps: "<time> <line>"
                    if ((rest.startsWith("stdout ") || rest.startsWith("stderr ")) && rest.length() >= 9
                            && (rest.charAt(7) == 'F' || rest.charAt(7) == 'P') && (rest.length() == 8 || rest.charAt(8) == ' ')) {
                        return rest.length() == 8 ? "" : rest.substring(9);
                    }
                    bareTimestamp = true;
                    return rest;
                }
            }
        }
        // syslog in front of Squid: "May  1 13:51:30 host (squid-1)[9549]: ", "<1>1 2020-... host (squid-1)[91300]: "
        char first = line.isEmpty() ? ' ' : line.charAt(0);
        int squid = first >= 'A' && first <= 'Z' || first >= 'a' && first <= 'z' || first == '<' ? line.indexOf("(squid") : -1;
        if (squid > 0) {
            int colon = line.indexOf(": ", squid);
            if (colon > 0 && colon - squid < 24) {
                return line.substring(colon + 2);
            }
        }
        return line;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static long isoOrMinus(String text, int start, int end) {
        try {
            return Values.isoMillis(text, start, end, "a time");
        } catch (FieldException e) {
            return -1;
        }
    }
}
