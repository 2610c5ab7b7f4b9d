package dev.egresslog.parser;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.egresslog.parser.Parsing.envoy;
import static dev.egresslog.parser.Parsing.millis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Formats given by the user: any Envoy command operator, literals, quotes, length limits. */
class EnvoyCustomFormatTest {
    private static LogParser withFormat(String format) {
        return new LogParser(new ParserOptions(List.of(format), List.of()));
    }

    @Test
    void operatorsWithArgumentsLengthLimitsAndLiterals() {
        LogParser parser = withFormat("%START_TIME(%s.%3f)% src=%DOWNSTREAM_REMOTE_ADDRESS% dst=%UPSTREAM_HOST% "
                + "\"%REQ(USER-AGENT):64%\" %BYTES_RECEIVED%/%BYTES_SENT% %DURATION%ms "
                + "\"%DYNAMIC_METADATA(istio.mixer:status)%\" %REQ(X-B3-TRACEID)% %RESPONSE_FLAGS%\\n");
        EnvoyRecord r = envoy(parser, "1650436824.541 src=10.131.1.250:38380 dst=10.131.1.111:7777 \"curl/7.82.0\" "
                + "989/90274 18975ms \"ok\" 80f198ee56343ba864fe8b2a57d3eff7 UF,URX");
        assertEquals("custom", r.format());
        assertEquals(millis("2022-04-20T06:40:24.541Z"), r.startTime());
        assertEquals(38380, r.downstreamRemoteAddress().port());
        assertEquals("10.131.1.111", r.upstreamHost().host());
        assertEquals("curl/7.82.0", r.userAgent());
        assertEquals(989, r.bytesReceived());
        assertEquals(90274, r.bytesSent());
        assertEquals(18975, r.duration());
        assertEquals("ok", r.istioPolicyStatus());
        assertEquals(List.of("UF", "URX"), r.responseFlags());
        assertEquals(Map.of("REQ(X-B3-TRACEID)", "80f198ee56343ba864fe8b2a57d3eff7"), r.extras());
    }

    @Test
    void headerNamesAreCaseInsensitive() {
        LogParser parser = withFormat("[%START_TIME%] \"%REQ(User-Agent)%\" %UPSTREAM_CLUSTER_RAW%");
        EnvoyRecord r = envoy(parser, "[2024-01-01T00:00:00.000Z] \"curl/8\" outbound|3128||proxy.example");
        assertEquals("curl/8", r.userAgent());
        assertEquals("proxy.example", r.upstreamCluster().host());
    }

    @Test
    void builtInFormatsStillApplyWhenTheCustomOneDoesNotFit() {
        LogParser parser = withFormat("%START_TIME% %BYTES_SENT%");
        assertEquals("istio-1.9+", envoy(parser, EnvoyTextFormatTest.SEED_SIDECAR).format());
        assertEquals(7, envoy(parser, "2024-01-01T00:00:00.000Z 7").bytesSent());
    }

    @Test
    void syntaxErrorsNameTheColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> withFormat("[%START_TIME%] %BYTES_SENT"));
        assertTrue(e.getMessage().startsWith("envoy format 'custom', column "), e.getMessage());
        IllegalArgumentException quote = assertThrows(IllegalArgumentException.class,
                () -> withFormat("[%START_TIME%] \"%BYTES_SENT%"));
        assertTrue(quote.getMessage().contains("double quote is not closed"), quote.getMessage());
    }
}
