package dev.egresslog.parser.envoy;

import dev.egresslog.parser.ClusterName;
import dev.egresslog.parser.Endpoint;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.Origin;
import dev.egresslog.parser.format.RecordBuilder;
import dev.egresslog.parser.format.TextCache;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The mutable side of {@link EnvoyRecord}: reused for every line by one parser. */
final class EnvoyBuilder implements RecordBuilder {
    long startTime;
    long duration;
    String method;
    String path;
    String protocol;
    int responseCode;
    List<String> responseFlags;
    String responseCodeDetails;
    String connectionTerminationDetails;
    String upstreamTransportFailureReason;
    String istioPolicyStatus;
    long bytesReceived;
    long bytesSent;
    long upstreamServiceTime;
    String xForwardedFor;
    String userAgent;
    String requestId;
    String authority;
    Endpoint upstreamHost;
    ClusterName upstreamCluster;
    Endpoint upstreamLocalAddress;
    Endpoint downstreamLocalAddress;
    Endpoint downstreamRemoteAddress;
    String requestedServerName;
    String routeName;
    String accessLogType;
    Map<String, String> extras;

    // Text repeated across lines (clusters, the proxy's and gateway's addresses, "- - -" parts)
    // is taken from these instead of being copied and parsed for every line.
    final TextCache<String> texts = new TextCache<>(512);
    final TextCache<Endpoint> endpoints = new TextCache<>(1024);
    final TextCache<ClusterName> clusters = new TextCache<>(256);
    final TextCache<List<String>> flags = new TextCache<>(64);

    EnvoyBuilder() {
        reset();
    }

    @Override
    public void reset() {
        startTime = -1;
        duration = -1;
        method = null;
        path = null;
        protocol = null;
        responseCode = -1;
        responseFlags = List.of();
        responseCodeDetails = null;
        connectionTerminationDetails = null;
        upstreamTransportFailureReason = null;
        istioPolicyStatus = null;
        bytesReceived = -1;
        bytesSent = -1;
        upstreamServiceTime = -1;
        xForwardedFor = null;
        userAgent = null;
        requestId = null;
        authority = null;
        upstreamHost = null;
        upstreamCluster = null;
        upstreamLocalAddress = null;
        downstreamLocalAddress = null;
        downstreamRemoteAddress = null;
        requestedServerName = null;
        routeName = null;
        accessLogType = null;
        extras = null;
    }

    /** The text, or null for "-" and empty; shared with earlier lines that had the same text. */
    String text(String line, int start, int end) {
        return start >= end || end - start == 1 && line.charAt(start) == '-' ? null : TextCache.text(texts, line, start, end);
    }

    Endpoint endpoint(String line, int start, int end) {
        return start >= end || end - start == 1 && line.charAt(start) == '-' ? null
                : endpoints.get(line, start, end, Endpoint::parse);
    }

    @Override
    public void extra(String name, String value) {
        if (extras == null) {
            extras = new LinkedHashMap<>(8);
        }
        extras.put(name, value);
    }

    EnvoyRecord build(Origin origin, String format) throws dev.egresslog.parser.format.FieldException {
        dev.egresslog.parser.format.Values.checkEnd(startTime, duration, "a duration of");
        return new EnvoyRecord(origin, format, startTime, duration, method, path, protocol, responseCode,
                responseFlags, responseCodeDetails, connectionTerminationDetails, upstreamTransportFailureReason,
                istioPolicyStatus, bytesReceived, bytesSent, upstreamServiceTime, xForwardedFor, userAgent,
                requestId, authority, upstreamHost, upstreamCluster, upstreamLocalAddress, downstreamLocalAddress,
                downstreamRemoteAddress, requestedServerName, routeName, accessLogType,
                extras == null ? null : Collections.unmodifiableMap(extras));
    }
}
