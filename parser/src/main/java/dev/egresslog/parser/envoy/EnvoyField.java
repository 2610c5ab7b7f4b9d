package dev.egresslog.parser.envoy;

import dev.egresslog.parser.ClusterName;
import dev.egresslog.parser.Endpoint;
import dev.egresslog.parser.format.FieldException;
import dev.egresslog.parser.format.Slot;
import dev.egresslog.parser.format.Values;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Envoy values egresslog types, with the command operator and the Istio JSON key of each.
 * Anything else a format holds is kept as an extra under its operator text.
 */
enum EnvoyField implements Slot<EnvoyBuilder> {
    START_TIME("START_TIME", "start_time") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) throws FieldException {
            if (Values.isDash(line, start, end)) {
                return;
            }
            int dash = line.indexOf('-', start);
            b.startTime = dash > start && dash < end
                    ? Values.isoMillis(line, start, end, "a timestamp like 2022-04-20T06:40:24.541Z")
                    : epoch(line, start, end);
        }
    },
    DURATION("DURATION", "duration") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) throws FieldException {
            b.duration = Values.number(line, start, end, "a duration in milliseconds");
        }
    },
    METHOD("REQ(:METHOD)", "method") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.method = b.text(line, start, end);
        }
    },
    PATH("REQ(X-ENVOY-ORIGINAL-PATH?:PATH)", "path") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.path = Values.text(line, start, end);
        }
    },
    PROTOCOL("PROTOCOL", "protocol") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.protocol = b.text(line, start, end);
        }
    },
    RESPONSE_CODE("RESPONSE_CODE", "response_code") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) throws FieldException {
            long code = Values.number(line, start, end, "a response code");
            if (code > 999) {
                throw FieldException.expected("a response code", line, start, end);
            }
            b.responseCode = (int) code;
        }
    },
    RESPONSE_FLAGS("RESPONSE_FLAGS", "response_flags") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) throws FieldException {
            if (Values.isDash(line, start, end) || start == end) {
                b.responseFlags = List.of();
                return;
            }
            for (int i = start; i < end; i++) {
                char c = line.charAt(i);
                if (!(c >= 'A' && c <= 'Z' || c == ',' || c >= '0' && c <= '9' || c == '_')) {
                    throw FieldException.expected("response flags such as UF,URX", line, start, end);
                }
            }
            b.responseFlags = b.flags.get(line, start, end, text -> List.of(text.split(",")));
        }
    },
    RESPONSE_CODE_DETAILS("RESPONSE_CODE_DETAILS", "response_code_details") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.responseCodeDetails = b.text(line, start, end);
        }
    },
    CONNECTION_TERMINATION_DETAILS("CONNECTION_TERMINATION_DETAILS", "connection_termination_details") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.connectionTerminationDetails = b.text(line, start, end);
        }
    },
    UPSTREAM_TRANSPORT_FAILURE_REASON("UPSTREAM_TRANSPORT_FAILURE_REASON", "upstream_transport_failure_reason") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.upstreamTransportFailureReason = b.text(line, start, end);
        }
    },
    ISTIO_POLICY_STATUS("DYNAMIC_METADATA(istio.mixer:status)", "istio_policy_status") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.istioPolicyStatus = b.text(line, start, end);
        }
    },
    BYTES_RECEIVED("BYTES_RECEIVED", "bytes_received") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) throws FieldException {
            b.bytesReceived = Values.number(line, start, end, "a byte count");
        }
    },
    BYTES_SENT("BYTES_SENT", "bytes_sent") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) throws FieldException {
            b.bytesSent = Values.number(line, start, end, "a byte count");
        }
    },
    UPSTREAM_SERVICE_TIME("RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)", "upstream_service_time") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) throws FieldException {
            b.upstreamServiceTime = Values.number(line, start, end, "a service time in milliseconds");
        }
    },
    X_FORWARDED_FOR("REQ(X-FORWARDED-FOR)", "x_forwarded_for") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.xForwardedFor = Values.text(line, start, end);
        }
    },
    USER_AGENT("REQ(USER-AGENT)", "user_agent") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.userAgent = b.text(line, start, end);
        }
    },
    REQUEST_ID("REQ(X-REQUEST-ID)", "request_id") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.requestId = Values.text(line, start, end);
        }
    },
    AUTHORITY("REQ(:AUTHORITY)", "authority") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.authority = b.text(line, start, end);
        }
    },
    UPSTREAM_HOST("UPSTREAM_HOST", "upstream_host") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.upstreamHost = b.endpoint(line, start, end);
        }
    },
    UPSTREAM_CLUSTER("UPSTREAM_CLUSTER", "upstream_cluster") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.upstreamCluster = Values.isDash(line, start, end) || start == end ? null
                    : b.clusters.get(line, start, end, ClusterName::parse);
        }
    },
    UPSTREAM_LOCAL_ADDRESS("UPSTREAM_LOCAL_ADDRESS", "upstream_local_address") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.upstreamLocalAddress = Endpoint.parse(Values.text(line, start, end)); // unique per connection: not cached
        }
    },
    DOWNSTREAM_LOCAL_ADDRESS("DOWNSTREAM_LOCAL_ADDRESS", "downstream_local_address") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.downstreamLocalAddress = b.endpoint(line, start, end);
        }
    },
    DOWNSTREAM_REMOTE_ADDRESS("DOWNSTREAM_REMOTE_ADDRESS", "downstream_remote_address") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.downstreamRemoteAddress = Endpoint.parse(Values.text(line, start, end)); // unique per connection: not cached
        }
    },
    REQUESTED_SERVER_NAME("REQUESTED_SERVER_NAME", "requested_server_name") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.requestedServerName = b.text(line, start, end);
        }
    },
    ROUTE_NAME("ROUTE_NAME", "route_name") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.routeName = b.text(line, start, end);
        }
    },
    ACCESS_LOG_TYPE("ACCESS_LOG_TYPE", "access_log_type") {
        @Override
        public void set(EnvoyBuilder b, String line, int start, int end) {
            b.accessLogType = b.text(line, start, end);
        }
    };

    /** Operators that mean the same as one of ours: old names, variants without the port, JSON aliases. */
    private static final Map<String, EnvoyField> ALIASES = Map.ofEntries(
            Map.entry("REQ(:PATH)", PATH),
            Map.entry("REQ(X-ENVOY-ORIGINAL-PATH)", PATH),
            Map.entry("UPSTREAM_CLUSTER_RAW", UPSTREAM_CLUSTER),
            Map.entry("DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", DOWNSTREAM_REMOTE_ADDRESS),
            Map.entry("DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT", DOWNSTREAM_LOCAL_ADDRESS),
            Map.entry("REQ(:AUTHORITY?HOST)", AUTHORITY),
            Map.entry("REQ(HOST)", AUTHORITY),
            // Envoy Gateway's JSON default and header-named keys
            Map.entry("x-envoy-origin-path", PATH),
            Map.entry("x-envoy-original-path", PATH),
            Map.entry(":path", PATH),
            Map.entry(":method", METHOD),
            Map.entry("x-envoy-upstream-service-time", UPSTREAM_SERVICE_TIME),
            Map.entry("x-forwarded-for", X_FORWARDED_FOR),
            Map.entry("user-agent", USER_AGENT),
            Map.entry("x-request-id", REQUEST_ID),
            Map.entry(":authority", AUTHORITY),
            Map.entry("upstream_cluster_raw", UPSTREAM_CLUSTER),
            Map.entry("mixer_status", ISTIO_POLICY_STATUS));

    private static final Map<String, EnvoyField> BY_OPERATOR;
    private static final Map<String, EnvoyField> BY_JSON_KEY;

    static {
        var operators = new java.util.HashMap<String, EnvoyField>();
        var keys = new java.util.HashMap<String, EnvoyField>();
        for (EnvoyField field : values()) {
            operators.put(field.operator, field);
            keys.put(field.jsonKey, field);
        }
        ALIASES.forEach((alias, field) -> {
            if (alias.equals(alias.toUpperCase(Locale.ROOT))) {
                operators.put(alias, field);
            } else {
                keys.put(alias, field);
            }
        });
        BY_OPERATOR = Map.copyOf(operators);
        BY_JSON_KEY = Map.copyOf(keys);
    }

    private final String operator;
    private final String jsonKey;

    EnvoyField(String operator, String jsonKey) {
        this.operator = operator;
        this.jsonKey = jsonKey;
    }

    String jsonKey() {
        return jsonKey;
    }

    /**
     * The field an operator fills; {@code operator} is the text between the percent signs,
     * less any ":N" length limit: {@code REQ(USER-AGENT)}, {@code START_TIME(%s)}. Header
     * names are case-insensitive in Envoy, so the argument is compared upper-cased.
     */
    static EnvoyField forOperator(String name, String argument) {
        if (name.equals("START_TIME")) {
            return START_TIME;
        }
        String key = argument == null ? name
                : name + "(" + (name.equals("DYNAMIC_METADATA") ? argument : argument.toUpperCase(Locale.ROOT)) + ")";
        return BY_OPERATOR.get(key);
    }

    static EnvoyField forJsonKey(String key) {
        EnvoyField field = BY_JSON_KEY.get(key);
        return field != null ? field : BY_JSON_KEY.get(key.toLowerCase(Locale.ROOT));
    }

    private static long epoch(String line, int start, int end) throws FieldException {
        if (start >= end || line.charAt(start) < '0' || line.charAt(start) > '9') {
            throw FieldException.expected("a timestamp like 2022-04-20T06:40:24.541Z", line, start, end);
        }
        long millis = Values.epochSecondsMillis(line, start, end, "a timestamp");
        // %START_TIME(%s)% gives seconds; a 13-digit integer is already milliseconds
        int dot = line.indexOf('.', start);
        boolean integer = dot < 0 || dot >= end;
        return integer && end - start >= 13 ? millis / 1000 : millis;
    }
}
