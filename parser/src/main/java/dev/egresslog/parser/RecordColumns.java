package dev.egresslog.parser;

import java.util.List;
import java.util.function.Function;

/**
 * The output columns of each record kind, in order, with snake_case names (Istio's JSON keys for
 * Envoy). The `parse` command prints them and the database stores them under the same names.
 *
 * @param name  column name
 * @param type  "VARCHAR", "BIGINT", "INTEGER", "TIMESTAMP" (epoch ms), "BOOLEAN", "VARCHAR[]" or "MAP"
 * @param value the value of a record, or null
 */
public record RecordColumns<T>(String name, String type, Function<T, Object> value) {

    /** Whether the values are lists or maps (VARCHAR[], MAP), not single values. */
    public boolean structured() {
        return type.equals("VARCHAR[]") || type.equals("MAP");
    }

    public static final List<RecordColumns<Origin>> ORIGIN = List.of(
            col("source", "VARCHAR", Origin::source),
            col("line", "BIGINT", Origin::line),
            col("pod", "VARCHAR", Origin::pod),
            col("namespace", "VARCHAR", Origin::namespace),
            col("container", "VARCHAR", Origin::container),
            col("wrapper_time", "TIMESTAMP", o -> nonNegative(o.wrapperTime())),
            col("repaired", "BOOLEAN", Origin::repaired));

    public static final List<RecordColumns<EnvoyRecord>> ENVOY = List.of(
            col("format", "VARCHAR", EnvoyRecord::format),
            col("start_time", "TIMESTAMP", r -> nonNegative(r.startTime())),
            col("end_time", "TIMESTAMP", r -> nonNegative(r.endTime())),
            col("duration", "BIGINT", r -> nonNegative(r.duration())),
            col("method", "VARCHAR", EnvoyRecord::method),
            col("path", "VARCHAR", EnvoyRecord::path),
            col("protocol", "VARCHAR", EnvoyRecord::protocol),
            col("response_code", "INTEGER", r -> r.responseCode() < 0 ? null : r.responseCode()),
            col("response_flags", "VARCHAR[]", EnvoyRecord::responseFlags),
            col("response_code_details", "VARCHAR", EnvoyRecord::responseCodeDetails),
            col("connection_termination_details", "VARCHAR", EnvoyRecord::connectionTerminationDetails),
            col("upstream_transport_failure_reason", "VARCHAR", EnvoyRecord::upstreamTransportFailureReason),
            col("istio_policy_status", "VARCHAR", EnvoyRecord::istioPolicyStatus),
            col("bytes_received", "BIGINT", r -> nonNegative(r.bytesReceived())),
            col("bytes_sent", "BIGINT", r -> nonNegative(r.bytesSent())),
            col("upstream_service_time", "BIGINT", r -> nonNegative(r.upstreamServiceTime())),
            col("x_forwarded_for", "VARCHAR", EnvoyRecord::xForwardedFor),
            col("user_agent", "VARCHAR", EnvoyRecord::userAgent),
            col("request_id", "VARCHAR", EnvoyRecord::requestId),
            col("authority", "VARCHAR", EnvoyRecord::authority),
            col("upstream_host", "VARCHAR", r -> raw(r.upstreamHost())),
            col("upstream_cluster", "VARCHAR", r -> r.upstreamCluster() == null ? null : r.upstreamCluster().raw()),
            col("cluster_direction", "VARCHAR", r -> r.upstreamCluster() == null ? null : r.upstreamCluster().direction()),
            col("cluster_port", "INTEGER", r -> r.upstreamCluster() == null || r.upstreamCluster().port() < 0
                    ? null : r.upstreamCluster().port()),
            col("cluster_subset", "VARCHAR", r -> r.upstreamCluster() == null ? null : r.upstreamCluster().subset()),
            col("cluster_host", "VARCHAR", r -> r.upstreamCluster() == null ? null : r.upstreamCluster().host()),
            col("upstream_local_address", "VARCHAR", r -> raw(r.upstreamLocalAddress())),
            col("upstream_local_ip", "VARCHAR", r -> host(r.upstreamLocalAddress())),
            col("upstream_local_port", "INTEGER", r -> port(r.upstreamLocalAddress())),
            col("downstream_local_address", "VARCHAR", r -> raw(r.downstreamLocalAddress())),
            col("downstream_local_ip", "VARCHAR", r -> host(r.downstreamLocalAddress())),
            col("downstream_local_port", "INTEGER", r -> port(r.downstreamLocalAddress())),
            col("downstream_remote_address", "VARCHAR", r -> raw(r.downstreamRemoteAddress())),
            col("downstream_remote_ip", "VARCHAR", r -> host(r.downstreamRemoteAddress())),
            col("downstream_remote_port", "INTEGER", r -> port(r.downstreamRemoteAddress())),
            col("upstream_host_ip", "VARCHAR", r -> host(r.upstreamHost())),
            col("upstream_host_port", "INTEGER", r -> port(r.upstreamHost())),
            col("requested_server_name", "VARCHAR", EnvoyRecord::requestedServerName),
            col("route_name", "VARCHAR", EnvoyRecord::routeName),
            col("access_log_type", "VARCHAR", EnvoyRecord::accessLogType),
            col("extras", "MAP", EnvoyRecord::extras));

    public static final List<RecordColumns<SquidRecord>> SQUID = List.of(
            col("format", "VARCHAR", SquidRecord::format),
            col("end_time", "TIMESTAMP", r -> nonNegative(r.endTime())),
            col("elapsed_ms", "BIGINT", r -> nonNegative(r.elapsed())),
            col("start_time", "TIMESTAMP", r -> nonNegative(r.startTime())),
            col("client_address", "VARCHAR", r -> raw(r.client())),
            col("client_ip", "VARCHAR", r -> host(r.client())),
            col("client_port", "INTEGER", r -> port(r.client())),
            col("result_code", "VARCHAR", SquidRecord::resultCode),
            col("http_status", "INTEGER", r -> r.httpStatus() < 0 ? null : r.httpStatus()),
            col("bytes", "BIGINT", r -> nonNegative(r.bytes())),
            col("request_bytes", "BIGINT", r -> nonNegative(r.requestBytes())),
            col("method", "VARCHAR", SquidRecord::method),
            col("url", "VARCHAR", SquidRecord::url),
            col("connect_host", "VARCHAR", SquidRecord::connectHost),
            col("connect_port", "INTEGER", r -> r.connectPort() < 0 ? null : r.connectPort()),
            col("user", "VARCHAR", SquidRecord::user),
            col("hierarchy", "VARCHAR", SquidRecord::hierarchy),
            col("server_ip", "VARCHAR", SquidRecord::serverIp),
            col("content_type", "VARCHAR", SquidRecord::contentType),
            col("referer", "VARCHAR", SquidRecord::referer),
            col("user_agent", "VARCHAR", SquidRecord::userAgent),
            col("extras", "MAP", SquidRecord::extras));

    public static final List<RecordColumns<Reject>> REJECT = List.of(
            col("column", "INTEGER", r -> r.column() == 0 ? null : r.column()),
            col("reason", "VARCHAR", Reject::reason),
            col("text", "VARCHAR", Reject::text));

    private static <T> RecordColumns<T> col(String name, String type, Function<T, Object> value) {
        return new RecordColumns<>(name, type, value);
    }

    private static Long nonNegative(long value) {
        return value < 0 ? null : value;
    }

    private static String raw(Endpoint e) {
        return e == null ? null : e.raw();
    }

    private static String host(Endpoint e) {
        return e == null ? null : e.host();
    }

    private static Integer port(Endpoint e) {
        return e == null || e.port() < 0 ? null : e.port();
    }
}
