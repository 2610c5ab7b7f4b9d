package dev.egresslog.parser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.egresslog.parser.Parsing.envoy;
import static dev.egresslog.parser.Parsing.millis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every built-in Envoy TEXT format of shared/DOMAIN.md §2, detected per line, with exact values. */
class EnvoyTextFormatTest {
    // seed 000: sidecar and egress gateway lines of one tunnel (Istio 1.9+ format plus a trailing "-")
    static final String SEED_SIDECAR = "[2022-04-20T06:40:24.541Z] \"- - -\" 0 - - - \"-\" 989 90274 18975 - \"-\" \"-\" \"-\" \"-\" "
            + "\"10.131.1.111:7777\" outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local "
            + "10.131.1.250:33002 10.0.0.15:8080 10.131.1.250:38380 - - \"-\"";
    static final String SEED_GATEWAY = "[2022-04-20T06:40:24.542Z] \"- - -\" 0 - - - \"-\" 989 90274 18973 - \"-\" \"-\" \"-\" \"-\" "
            + "\"10.0.0.15:8080\" outbound|8080||myproxy.istio-system.svc.cluster.local 10.131.1.111:39040 "
            + "10.131.1.111:7777 10.131.1.250:33002 - - \"-\"";
    // seed 004: sidecar straight to Squid, Istio pre-1.1 format (2018-12)
    static final String SEED_PRE_1_1 = "[2018-12-07T10:38:02.841Z] \"- - -\" 0 - 702 87599 92 - \"-\" \"-\" \"-\" \"-\" "
            + "\"172.30.109.95:3128\" outbound|3128||my-company-proxy.com 172.30.230.52:44478 172.30.109.95:3128 "
            + "172.30.230.52:44476 -";
    // seed 003: egress gateway HTTP line (1.9+ without the route name column is not a format: this one has it)
    static final String SEED_HTTP = "[2024-06-20T21:19:40.721Z] \"GET /headers HTTP/2\" 200 - via_upstream - \"-\" 0 1619 689 81 "
            + "\"10.244.0.8\" \"curl/7.83.1-DEV\" \"0192212c-94e1-412f-9a5a-1b3273e82eaf\" \"httpbin.org\" \"18.211.234.122:80\" "
            + "outbound|80||httpbin.org 10.244.0.6:60186 10.244.0.6:8080 10.244.0.8:50860 - -";

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("envoy-default",
                        "[2018-08-09T11:32:58.171Z] \"GET /books HTTP/1.1\" 200 - 0 1050 264 264 \"-\" \"Ruby\" "
                                + "\"b993bae7-4288-9241-81a5-4cde93b2e3a6\" \"www.googleapis.com:443\" \"172.217.20.74:443\"",
                        264L, 0L, 1050L),
                Arguments.of("istio-pre-1.1", SEED_PRE_1_1, 92L, 702L, 87599L),
                Arguments.of("istio-1.1",
                        "[2019-09-03T05:37:41.341Z] \"GET /index HTTP/1.1\" 200 - \"-\" 148 171 4 3 \"-\" \"-\" "
                                + "\"c0ce81db-4f5a-9134-8a5c-f8c076c91652\" \"hello-world\" \"192.168.89.50:9001\" "
                                + "outbound|80||hello-world.default.svc.cluster.local - 10.97.86.53:80 192.168.167.113:39953 -",
                        4L, 148L, 171L),
                Arguments.of("istio-1.2",
                        "[2019-08-01T10:00:00.000Z] \"- - -\" 0 - \"-\" \"-\" 260 441 258 - \"-\" \"-\" \"-\" \"-\" "
                                + "\"10.128.0.14:5432\" outbound|5432||pg.default.svc.cluster.local 10.24.2.23:39540 "
                                + "10.0.24.255:5432 10.24.2.23:51654 -",
                        258L, 260L, 441L),
                Arguments.of("istio-1.3",
                        "[2020-03-06T18:12:33.101Z] \"- - -\" 0 - \"-\" \"-\" 906 1352475 35 - \"-\" \"-\" \"-\" \"-\" "
                                + "\"151.101.193.67:443\" outbound|443||edition.cnn.com 172.30.223.53:39460 "
                                + "172.30.223.53:443 172.30.223.58:38138 edition.cnn.com -",
                        35L, 906L, 1352475L),
                Arguments.of("istio-1.8",
                        "[2020-10-29T21:51:57.945Z] \"GET /status/418 HTTP/1.1\" 418 - \"-\" 0 135 2 2 \"-\" \"curl/7.69.1\" "
                                + "\"f65c68d3-619a-44c7-a9c1-44384b3055ba\" \"httpbin:8000\" \"127.0.0.1:80\" inbound|8000|| "
                                + "127.0.0.1:52328 10.244.0.14:80 10.244.0.13:43430 outbound_.8000_._.httpbin.default.svc.cluster.local default",
                        2L, 0L, 135L),
                Arguments.of("istio-1.9+", SEED_SIDECAR, 18975L, 989L, 90274L),
                Arguments.of("istio-1.9+", SEED_HTTP, 689L, 0L, 1619L),
                Arguments.of("istio-1.0-tcp",
                        "[2018-11-20T12:00:01.123Z] - 601 17766 1289 \"172.217.161.36:443\" outbound|443||www.google.com "
                                + "172.30.109.82:59480 172.217.161.36:443 172.30.109.82:59478",
                        1289L, 601L, 17766L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void detectsEachBuiltInFormat(String format, String line, long duration, long received, long sent) {
        EnvoyRecord r = envoy(line);
        assertEquals(format, r.format());
        assertEquals(duration, r.duration());
        assertEquals(received, r.bytesReceived());
        assertEquals(sent, r.bytesSent());
    }

    @Test
    void seedSidecarLineHasEveryField() {
        EnvoyRecord r = envoy(SEED_SIDECAR);
        assertEquals(millis("2022-04-20T06:40:24.541Z"), r.startTime());
        assertEquals(millis("2022-04-20T06:40:43.516Z"), r.endTime());
        assertNull(r.method());
        assertNull(r.path());
        assertNull(r.protocol());
        assertTrue(r.isTcp());
        assertEquals(0, r.responseCode());
        assertEquals(List.of(), r.responseFlags());
        assertNull(r.responseCodeDetails());
        assertNull(r.upstreamTransportFailureReason());
        assertEquals(-1, r.upstreamServiceTime());
        assertEquals(new Endpoint("10.131.1.111:7777", "10.131.1.111", 7777), r.upstreamHost());
        assertEquals(new ClusterName("outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local",
                "outbound", 7777, "proxy", "istio-egressgateway.istio-system.svc.cluster.local"), r.upstreamCluster());
        assertEquals(new Endpoint("10.131.1.250:33002", "10.131.1.250", 33002), r.upstreamLocalAddress());
        assertEquals(new Endpoint("10.0.0.15:8080", "10.0.0.15", 8080), r.downstreamLocalAddress());
        assertEquals(new Endpoint("10.131.1.250:38380", "10.131.1.250", 38380), r.downstreamRemoteAddress());
        assertNull(r.requestedServerName());
        assertNull(r.routeName());
        assertEquals(Map.of("field_23", "-"), r.extras(), "the seed's trailing field is kept");
    }

    @Test
    void seedGatewayLineLinksToTheSidecarByAddress() {
        EnvoyRecord sidecar = envoy(SEED_SIDECAR);
        EnvoyRecord gateway = envoy(SEED_GATEWAY);
        assertEquals(sidecar.upstreamLocalAddress(), gateway.downstreamRemoteAddress());
        assertEquals(new ClusterName("outbound|8080||myproxy.istio-system.svc.cluster.local", "outbound", 8080, null,
                "myproxy.istio-system.svc.cluster.local"), gateway.upstreamCluster());
        assertEquals(18973, gateway.duration());
    }

    @Test
    void httpLineFields() {
        EnvoyRecord r = envoy(SEED_HTTP);
        assertEquals("GET", r.method());
        assertEquals("/headers", r.path());
        assertEquals("HTTP/2", r.protocol());
        assertEquals(200, r.responseCode());
        assertEquals("via_upstream", r.responseCodeDetails());
        assertNull(r.connectionTerminationDetails());
        assertEquals(81, r.upstreamServiceTime());
        assertEquals("10.244.0.8", r.xForwardedFor());
        assertEquals("curl/7.83.1-DEV", r.userAgent());
        assertEquals("0192212c-94e1-412f-9a5a-1b3273e82eaf", r.requestId());
        assertEquals("httpbin.org", r.authority());
        assertFalse(r.isTcp());
    }

    @Test
    void istio12And18HaveTheSameFieldCountAndAreToldApartByQuoting() {
        String v12 = "[2019-08-01T10:00:00.000Z] \"- - -\" 0 UF \"-\" \"connection refused\" 0 0 1 - \"-\" \"-\" \"-\" \"-\" "
                + "\"10.0.0.15:8080\" outbound|8080||proxy.example 10.1.1.1:40000 10.0.0.15:8080 10.1.1.1:40001 -";
        String v18 = "[2020-11-01T10:00:00.000Z] \"- - -\" 0 UF \"connection refused\" 0 0 1 - \"-\" \"-\" \"-\" \"-\" "
                + "\"10.0.0.15:8080\" outbound|8080||proxy.example 10.1.1.1:40000 10.0.0.15:8080 10.1.1.1:40001 - -";
        EnvoyRecord r12 = envoy(v12);
        EnvoyRecord r18 = envoy(v18);
        assertEquals("istio-1.2", r12.format());
        assertEquals("istio-1.8", r18.format());
        assertNull(r12.istioPolicyStatus());
        assertEquals("connection refused", r12.upstreamTransportFailureReason());
        assertEquals("connection refused", r18.upstreamTransportFailureReason());
        assertEquals(List.of("UF"), r12.responseFlags());
    }

    @Test
    void flagsDetailsAndFailureReason() {
        EnvoyRecord r = envoy("[2025-05-19T13:09:04.747Z] \"- - -\" 0 UF,URX - - \"-\" 0 0 9995 - \"-\" \"-\" \"-\" \"-\" "
                + "\"4.208.26.200:443\" InboundPassthroughCluster - 4.208.26.200:443 172.17.0.2:55322 api.github.com -");
        assertEquals(List.of("UF", "URX"), r.responseFlags());
        assertTrue(r.hasFlag("URX"));
        assertEquals(new ClusterName("InboundPassthroughCluster", null, -1, null, null), r.upstreamCluster());
        assertNull(r.upstreamLocalAddress());
        assertEquals("api.github.com", r.requestedServerName());
        EnvoyRecord details = envoy("[2021-08-03T21:15:12.745Z] \"GET /soap/heartbeat HTTP/1.1\" 503 UF,URX "
                + "upstream_reset_before_response_started{connection_failure} - \"-\" 0 91 54 - \"-\" \"curl/7.29.0\" "
                + "\"195362c6-cee7-431b-8cd3-34f97bbfa6f9\" \"ncc.example.net\" \"10.93.53.183:443\" "
                + "outbound|443|tls-origination|ncc.example.net - [2a00:8a00:4000:20c::132:5b7]:80 "
                + "[4001:2001:10:0:1d15:149a:562e:5d86]:51710 - -");
        assertEquals("upstream_reset_before_response_started{connection_failure}", details.responseCodeDetails());
        assertEquals(new Endpoint("[2a00:8a00:4000:20c::132:5b7]:80", "2a00:8a00:4000:20c::132:5b7", 80),
                details.downstreamLocalAddress());
        assertEquals(51710, details.downstreamRemoteAddress().port());
        assertEquals("tls-origination", details.upstreamCluster().subset());
    }

    @Test
    void envoyInternalAddressesAndStraySemicolon() {
        EnvoyRecord r = envoy("[2023-11-24T13:21:52.798Z] \"- - -\" 0 - - - \"-\" 1531 111950 55 - \"-\" \"-\" \"-\" \"-\" "
                + "\"envoy://sni_listener/\" sni_cluster envoy://internal_client_address/ 172.17.5.170:8443 "
                + "172.17.34.35:55102 outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local -");
        assertEquals(new Endpoint("envoy://sni_listener/", null, -1), r.upstreamHost());
        assertEquals(new Endpoint("envoy://internal_client_address/", null, -1), r.upstreamLocalAddress());
        EnvoyRecord semicolon = envoy("[2024-09-01T10:00:00.000Z] \"- - -\" 0 - - - \"-\" 10 20 30 - \"-\" \"-\" \"-\" \"-\" "
                + "\"10.0.0.15:3128\" outbound|3128||squid.corp.example; 10.1.2.3:40000 10.0.0.15:3128 10.1.2.3:40001 - -");
        assertEquals("outbound|3128||squid.corp.example", semicolon.upstreamCluster().raw());
        assertEquals("squid.corp.example", semicolon.upstreamCluster().host());
    }

    @Test
    void sniClusterNameIsSplit() {
        assertEquals(new ClusterName("outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local", "outbound",
                        443, "wildcard", "egressgateway.istio-egress.svc.cluster.local"),
                ClusterName.parse("outbound_.443_.wildcard_.egressgateway.istio-egress.svc.cluster.local"));
        assertEquals(new ClusterName("outbound_.8000_._.httpbin.default.svc.cluster.local", "outbound", 8000, null,
                "httpbin.default.svc.cluster.local"), ClusterName.parse("outbound_.8000_._.httpbin.default.svc.cluster.local"));
        assertNull(ClusterName.parse("-"));
    }

    @Test
    void downstreamRemoteAddressMayEndInPortZeroAndUserAgentMayHoldSpaces() {
        EnvoyRecord r = envoy("[2024-01-01T00:00:00.000Z] \"GET / HTTP/1.1\" 200 - via_upstream - \"-\" 0 10 1 1 \"-\" "
                + "\"Mozilla/5.0 (X11; Linux x86_64)\" \"id-1\" \"example.com\" \"10.0.0.1:80\" outbound|80||example.com "
                + "10.1.1.1:1000 10.0.0.1:80 10.1.1.1:0 - default");
        assertEquals("Mozilla/5.0 (X11; Linux x86_64)", r.userAgent());
        assertEquals(0, r.downstreamRemoteAddress().port());
        assertEquals("default", r.routeName());
    }

    @Test
    void unescapedQuoteInsideAQuotedFieldIsKept() {
        EnvoyRecord r = envoy("[2024-01-01T00:00:00.000Z] \"GET / HTTP/1.1\" 200 - via_upstream - \"-\" 0 10 1 1 \"-\" "
                + "\"agent \"quoted\"x\" \"id-1\" \"example.com\" \"10.0.0.1:80\" outbound|80||example.com "
                + "10.1.1.1:1000 10.0.0.1:80 10.1.1.1:2000 - default");
        assertEquals("agent \"quoted\"x", r.userAgent());
    }
}
