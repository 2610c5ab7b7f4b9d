package dev.egresslog.parser;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One Envoy access-log line. Numbers are -1 when the line has "-" or lacks the field; strings
 * and addresses are null then. Names follow Istio's JSON keys.
 *
 * @param format             the format the line was read with ("istio-1.9+", "istio-json", a custom name)
 * @param startTime          epoch ms when the downstream connection or request started
 * @param duration           ms from start to the end of the connection or stream
 * @param responseFlags      Envoy's flags (UF, URX, DC, ...), in logged order; empty for "-"; an immutable list
 * @param extras             values with no typed place: unknown operators or JSON keys, and fields
 *                           after the format's last (named field_N, N the 1-based position)
 */
public record EnvoyRecord(
        Origin origin,
        String format,
        long startTime,
        long duration,
        String method,
        String path,
        String protocol,
        int responseCode,
        List<String> responseFlags,
        String responseCodeDetails,
        String connectionTerminationDetails,
        String upstreamTransportFailureReason,
        String istioPolicyStatus,
        long bytesReceived,
        long bytesSent,
        long upstreamServiceTime,
        String xForwardedFor,
        String userAgent,
        String requestId,
        String authority,
        Endpoint upstreamHost,
        ClusterName upstreamCluster,
        Endpoint upstreamLocalAddress,
        Endpoint downstreamLocalAddress,
        Endpoint downstreamRemoteAddress,
        String requestedServerName,
        String routeName,
        String accessLogType,
        Map<String, String> extras) implements ParsedLine {

    public EnvoyRecord {
        requireNonNull(origin, "origin is null");
        requireNonNull(format, "format is null");
        // the parser passes immutable lists; copying them here cost 3 % of parsing time
        responseFlags = responseFlags == null ? List.of() : responseFlags;
        extras = extras == null ? Map.of() : extras;
    }

    @Override
    public String kind() {
        return "envoy";
    }

    /** start + duration, or -1 when either is unknown. */
    public long endTime() {
        return startTime < 0 || duration < 0 ? -1 : startTime + duration;
    }

    public boolean hasFlag(String flag) {
        return responseFlags.contains(flag);
    }

    /** A TCP-proxy line: {@code "- - -" 0} (no HTTP method, response code 0). */
    public boolean isTcp() {
        return method == null && (responseCode == 0 || responseCode == -1);
    }
}
