package dev.egresslog.parser;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.egresslog.parser.Parsing.envoy;
import static dev.egresslog.parser.Parsing.millis;
import static dev.egresslog.parser.Parsing.reject;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Istio's JSON encoding: string-typed with "-" (≤ 1.7), typed with null (1.8+), any key order. */
class EnvoyJsonTest {
    @Test
    void stringTypedValuesWithDashes() {
        EnvoyRecord r = envoy("{\"bytes_sent\":\"90274\",\"upstream_cluster\":\"outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local\","
                + "\"downstream_remote_address\":\"10.131.1.250:38380\",\"authority\":\"-\",\"duration\":\"18975\","
                + "\"upstream_local_address\":\"10.131.1.250:33002\",\"downstream_local_address\":\"10.0.0.15:8080\","
                + "\"response_code\":\"0\",\"response_flags\":\"-\",\"start_time\":\"2022-04-20T06:40:24.541Z\",\"method\":\"-\","
                + "\"upstream_host\":\"10.131.1.111:7777\",\"bytes_received\":\"989\",\"istio_policy_status\":\"-\"}");
        assertEquals("istio-json-strings", r.format());
        assertEquals(millis("2022-04-20T06:40:24.541Z"), r.startTime());
        assertEquals(18975, r.duration());
        assertEquals(989, r.bytesReceived());
        assertEquals(90274, r.bytesSent());
        assertEquals(0, r.responseCode());
        assertEquals(List.of(), r.responseFlags());
        assertNull(r.method());
        assertNull(r.authority());
        assertEquals(33002, r.upstreamLocalAddress().port());
        assertEquals("proxy", r.upstreamCluster().subset());
    }

    @Test
    void typedValuesWithNullsAndUnknownKeys() {
        EnvoyRecord r = envoy("{\"response_code\":0,\"upstream_host\":null,\"downstream_remote_address\":\"172.17.3.28:35070\","
                + "\"bytes_sent\":0,\"duration\":8,\"response_flags\":\"UH\",\"start_time\":\"2021-06-04T14:35:50.462Z\","
                + "\"bytes_received\":0,\"upstream_cluster\":\"BlackHoleCluster\",\"x_custom\":\"kept\",\"nested\":{\"a\":1}}");
        assertEquals("istio-json", r.format());
        assertEquals(List.of("UH"), r.responseFlags());
        assertNull(r.upstreamHost());
        assertEquals(8, r.duration());
        assertEquals(Map.of("x_custom", "kept", "nested", "{\"a\":1}"), r.extras());
    }

    @Test
    void envoyGatewayHeaderNamedKeys() {
        EnvoyRecord r = envoy("{\"start_time\":\"2023-08-30T19:39:16.694Z\",\"method\":\"GET\",\"x-envoy-origin-path\":\"/get\","
                + "\"protocol\":\"HTTP/1.1\",\"response_code\":\"200\",\"user-agent\":\"curl/7.86.0\",\":authority\":\"www.example.com\","
                + "\"x-request-id\":\"df9cc5ed\",\"x-envoy-upstream-service-time\":\"0\",\"bytes_sent\":\"508\"}");
        assertEquals("/get", r.path());
        assertEquals("curl/7.86.0", r.userAgent());
        assertEquals("www.example.com", r.authority());
        assertEquals("df9cc5ed", r.requestId());
        assertEquals(0, r.upstreamServiceTime());
    }

    @Test
    void badJsonValuesAndObjectsAreRejected() {
        Reject badNumber = reject("{\"start_time\":\"2021-06-04T14:35:50.462Z\",\"bytes_sent\":\"lots\"}");
        assertEquals("\"bytes_sent\": expected a byte count, found 'lots'", badNumber.reason());
        Reject notEnvoy = reject("{\"hello\":\"world\"}");
        assertEquals("a JSON object with no Envoy access-log key and no 'log' or 'message' field", notEnvoy.reason());
        Reject broken = reject("{\"start_time\": \"2021-06-04T14:35:50.462Z\", ");
        assertTrue(broken.reason().startsWith("invalid JSON: "), broken.reason());
    }
}
