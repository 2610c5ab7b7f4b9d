package dev.egresslog.parser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Pod names from the paths the kubelet gives container logs, as operators copy them off nodes. */
class PodLogPathTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /var/log/pods/shop_orders-7d9f8-x2x4k_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/istio-proxy/0.log                  | shop         | orders-7d9f8-x2x4k             | istio-proxy
            copied/shop_orders-7d9f8-x2x4k_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/istio-proxy/3.log.20261130-101500.gz   | shop         | orders-7d9f8-x2x4k             | istio-proxy
            istio-system_istio-egressgateway-5d8f7b-abcde_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/istio-proxy/0.log       | istio-system | istio-egressgateway-5d8f7b-abcde | istio-proxy
            /var/log/containers/orders-7d9f8-x2x4k_shop_istio-proxy-4f1c9a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f.log | shop | orders-7d9f8-x2x4k | istio-proxy
            """)
    void namesThePod(String path, String namespace, String pod, String container) {
        assertEquals(new PodLogPath(namespace, pod, container), PodLogPath.of(path));
    }

    @Test
    void otherPathsNameNoPod() {
        assertNull(PodLogPath.of("logs/sidecar/orders.log"));
        assertNull(PodLogPath.of("kafka:envoy/0"));
        assertNull(PodLogPath.of("-"));
        assertNull(PodLogPath.of("/var/log/pods/not_a_uid/istio-proxy/0.log"));
    }

    @Test
    void linesOfSuchAFileCarryThePodUnlessTheirEnvelopeSaysOtherwise() throws Exception {
        String path = "/var/log/pods/shop_orders-1_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/istio-proxy/0.log";
        String cri = "2022-04-20T06:40:43.520123456Z stdout F " + EnvoyTextFormatTest.SEED_SIDECAR + "\n";
        String envelope = "{\"log\":\"" + EnvoyTextFormatTest.SEED_SIDECAR.replace("\"", "\\\"")
                + "\",\"kubernetes\":{\"pod_name\":\"other\",\"namespace_name\":\"x\"}}\n";
        java.util.List<ParsedLine> out = new java.util.ArrayList<>();
        try (LineReader reader = new LineReader(new java.io.ByteArrayInputStream((cri + envelope).getBytes()), 65536)) {
            InputParser.parse(reader, path, new LogParser(), out::add);
        }
        assertEquals("orders-1", out.get(0).origin().pod());
        assertEquals("shop", out.get(0).origin().namespace());
        assertEquals("istio-proxy", out.get(0).origin().container());
        assertEquals("other", out.get(1).origin().pod());
    }
}
