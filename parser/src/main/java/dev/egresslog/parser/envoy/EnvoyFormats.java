package dev.egresslog.parser.envoy;

import dev.egresslog.parser.format.LineTemplate;

import java.util.List;

/**
 * The TEXT formats Envoy and Istio shipped as defaults (shared/DOMAIN.md §2). Lines are matched
 * against the ones whose shape fits, longest first, so a line with fields appended to a known
 * format (the seed's trailing "-") is read with that format and keeps the rest as extras.
 */
public final class EnvoyFormats {
    private static final String PREFIX = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
            + "%RESPONSE_CODE% %RESPONSE_FLAGS% ";
    private static final String MIXER = "\"%DYNAMIC_METADATA(istio.mixer:status)%\" ";
    private static final String TRANSPORT_FAILURE = "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" ";
    private static final String DETAILS = "%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ";
    private static final String ENVOY_TAIL = "%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "
            + "\"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"";
    private static final String ISTIO_TAIL = " %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% "
            + "%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%";
    private static final String ROUTE = " %ROUTE_NAME%";

    /** Envoy's own default; Istio 1.0.0 to 1.0.2. */
    public static final String ENVOY_DEFAULT = PREFIX + ENVOY_TAIL;
    /** Istio before 1.1 (late 2018). */
    public static final String ISTIO_PRE_1_1 = PREFIX + ENVOY_TAIL + ISTIO_TAIL;
    public static final String ISTIO_1_1 = PREFIX + MIXER + ENVOY_TAIL + ISTIO_TAIL;
    public static final String ISTIO_1_2 = PREFIX + MIXER + TRANSPORT_FAILURE + ENVOY_TAIL + ISTIO_TAIL;
    /** Istio 1.3 to 1.7. */
    public static final String ISTIO_1_3 = ISTIO_1_2 + ROUTE;
    public static final String ISTIO_1_8 = PREFIX + TRANSPORT_FAILURE + ENVOY_TAIL + ISTIO_TAIL + ROUTE;
    /** Istio 1.9 and later (the default to this day). */
    public static final String ISTIO_1_9 = PREFIX + DETAILS + TRANSPORT_FAILURE + ENVOY_TAIL + ISTIO_TAIL + ROUTE;
    /**
     * 1.9+ without %CONNECTION_TERMINATION_DETAILS%: seen verbatim in OpenShift Service Mesh 2.4
     * lines; one field short of 1.9+.
     */
    public static final String ISTIO_1_9_NO_TERMINATION = PREFIX + "%RESPONSE_CODE_DETAILS% " + TRANSPORT_FAILURE
            + ENVOY_TAIL + ISTIO_TAIL + ROUTE;
    /** Istio 1.0.3 to 1.0.6 logged TCP connections with this separate format. */
    public static final String ISTIO_1_0_TCP = "[%START_TIME%] %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
            + "\"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% "
            + "%DOWNSTREAM_REMOTE_ADDRESS%";

    private static final List<LineTemplate<EnvoyBuilder>> BUILT_IN = List.of(
            EnvoyFormat.compile("istio-1.9+", ISTIO_1_9),
            EnvoyFormat.compile("istio-1.3", ISTIO_1_3),
            EnvoyFormat.compile("istio-1.9+-no-termination-details", ISTIO_1_9_NO_TERMINATION),
            EnvoyFormat.compile("istio-1.2", ISTIO_1_2),
            EnvoyFormat.compile("istio-1.8", ISTIO_1_8),
            EnvoyFormat.compile("istio-1.1", ISTIO_1_1),
            EnvoyFormat.compile("istio-pre-1.1", ISTIO_PRE_1_1),
            EnvoyFormat.compile("envoy-default", ENVOY_DEFAULT),
            EnvoyFormat.compile("istio-1.0-tcp", ISTIO_1_0_TCP));

    private EnvoyFormats() {
    }

    /** Built-in templates, longest first: the order in which lines are tried against them. */
    static List<LineTemplate<EnvoyBuilder>> builtIn() {
        return BUILT_IN;
    }

}
