package dev.egresslog.parser;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.egresslog.parser.EnvoyTextFormatTest.SEED_SIDECAR;
import static dev.egresslog.parser.Parsing.envoy;
import static dev.egresslog.parser.Parsing.millis;
import static dev.egresslog.parser.Parsing.squid;
import static dev.egresslog.parser.SquidFormatTest.SEED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Lines inside shipper envelopes, kubectl prefixes, CRI prefixes and syslog. */
class WrapperTest {
    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    @Test
    void fluentBitEnvelope() {
        EnvoyRecord r = envoy("{\"log\":" + jsonString(SEED_SIDECAR + "\n") + ",\"stream\":\"stdout\",\"time\":\"2022-04-20T06:40:43.520123Z\","
                + "\"kubernetes\":{\"pod_name\":\"sleep-7f8d5c9b4-x2x9z\",\"namespace_name\":\"test-proxy\","
                + "\"container_name\":\"istio-proxy\",\"labels\":{\"app\":\"sleep\"}}}");
        assertEquals(989, r.bytesReceived());
        assertEquals("sleep-7f8d5c9b4-x2x9z", r.origin().pod());
        assertEquals("test-proxy", r.origin().namespace());
        assertEquals("istio-proxy", r.origin().container());
        assertEquals(millis("2022-04-20T06:40:43.520Z"), r.origin().wrapperTime());
        assertEquals(List.of(), r.responseFlags());
    }

    @Test
    void vectorEnvelopeWithPodNamespace() {
        SquidRecord r = squid("{\"message\":" + jsonString(SEED) + ",\"kubernetes\":{\"pod_name\":\"squid-0\","
                + "\"pod_namespace\":\"proxy\",\"container_name\":\"squid\"},\"timestamp\":\"2022-04-20T06:40:32.200Z\"}");
        assertEquals(90274, r.bytes());
        assertEquals("squid-0", r.origin().pod());
        assertEquals("proxy", r.origin().namespace());
    }

    @Test
    void envelopeAroundIstioJson() {
        String inner = "{\"start_time\":\"2022-04-20T06:40:24.541Z\",\"bytes_sent\":90274,\"duration\":18975}";
        EnvoyRecord r = envoy("{\"log\":" + jsonString(inner) + ",\"kubernetes\":{\"pod_name\":\"sleep-1\"}}");
        assertEquals("istio-json", r.format());
        assertEquals(90274, r.bytesSent());
        assertEquals("sleep-1", r.origin().pod());
    }

    @Test
    void kubectlPrefixAndTimestamps() {
        EnvoyRecord prefixed = envoy("[pod/sleep-7f8d5c9b4-x2x9z/istio-proxy] " + SEED_SIDECAR);
        assertEquals("sleep-7f8d5c9b4-x2x9z", prefixed.origin().pod());
        assertEquals("istio-proxy", prefixed.origin().container());
        assertEquals(90274, prefixed.bytesSent());

        EnvoyRecord both = envoy("[pod/gw-1/istio-proxy] 2022-04-20T06:40:43.520123456Z " + SEED_SIDECAR);
        assertEquals("gw-1", both.origin().pod());
        assertEquals(millis("2022-04-20T06:40:43.520Z"), both.origin().wrapperTime());

        SquidRecord stamped = squid("2022-04-20T06:40:32.160000000Z " + SEED);
        assertEquals(millis("2022-04-20T06:40:32.160Z"), stamped.origin().wrapperTime());
        assertEquals(18967, stamped.elapsed());
    }

    @Test
    void criPrefix() {
        EnvoyRecord r = envoy("2022-04-20T06:40:43.520123456Z stdout F " + SEED_SIDECAR);
        assertEquals(millis("2022-04-20T06:40:43.520Z"), r.origin().wrapperTime());
        assertEquals(18975, r.duration());
        assertNull(r.origin().pod());
    }

    @Test
    void customFormatStartingWithABareTimestampIsNotMistakenForKubectl() {
        LogParser parser = new LogParser(new ParserOptions(List.of("%START_TIME% %BYTES_SENT% %UPSTREAM_HOST%"), List.of()));
        EnvoyRecord r = envoy(parser, "2022-04-20T06:40:24.541Z 90274 10.0.0.15:8080");
        assertEquals(millis("2022-04-20T06:40:24.541Z"), r.startTime());
        assertEquals(90274, r.bytesSent());
        assertEquals(-1, r.origin().wrapperTime());
    }

    @Test
    void syslogInFrontOfSquid() {
        assertEquals(19, squid("May  1 13:51:30 fw.example.org (squid-2)[9549]: 1746100290.093     19 172.20.2.3 "
                + "TCP_DENIED/200 0 CONNECT www.example.com:443 - HIER_NONE/- -").elapsed());
        assertEquals(18459, squid("<1>1 2020-09-25T16:23:25+02:00 OPNsense.localdomain (squid-1)[91300]: 1601051005.952  18459 "
                + "192.168.4.100 TCP_TUNNEL/200 7323 CONNECT ap.example.com:443 - HIER_DIRECT/192.0.2.9 -").elapsed());
        assertEquals(4258, squid("2017-04-14T10:00:28.807113+02:00 amon.lan (squid-1): 1492156828.806      0 10.1.2.51 "
                + "TCP_DENIED/407 4258 CONNECT www.example.fr:443 - HIER_NONE/- text/html").bytes());
    }
}
