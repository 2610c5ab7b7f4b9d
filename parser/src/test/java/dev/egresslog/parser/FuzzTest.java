package dev.egresslog.parser;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Seeded mutation fuzzing: a mutated line yields a record or a reject, never an exception. */
class FuzzTest {
    private static final List<String> BASE = List.of(
            EnvoyTextFormatTest.SEED_SIDECAR,
            EnvoyTextFormatTest.SEED_GATEWAY,
            EnvoyTextFormatTest.SEED_PRE_1_1,
            EnvoyTextFormatTest.SEED_HTTP,
            SquidFormatTest.SEED,
            "192.168.178.21 - - [23/Dec/2024:18:35:56 +0100] \"CONNECT www.merkur.de:443 HTTP/1.1\" 200 1105 TCP_TUNNEL:HIER_DIRECT",
            "{\"start_time\":\"2021-06-04T14:35:50.462Z\",\"bytes_sent\":0,\"response_flags\":\"UH\",\"upstream_host\":null}",
            "{\"log\":\"1650436832.158  18967 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT a.example:443 - HIER_DIRECT/1.2.3.4 -\",\"kubernetes\":{\"pod_name\":\"p\"}}",
            "[pod/sleep-1/istio-proxy] 2022-04-20T06:40:43.520123456Z " + EnvoyTextFormatTest.SEED_SIDECAR,
            "2022-04-20T06:40:43.520123456Z stdout F " + SquidFormatTest.SEED);
    private static final String ALPHABET = "\"[]{}:,.-_/|% \t\\0123456789abcXYZ\u201C\u201D\u0000\u0001\uFFFD\u00E9\u4E2D";

    @Test
    void mutatedLinesNeverThrow() {
        Random random = new Random(42);
        LogParser parser = new LogParser(new ParserOptions(
                List.of("[%START_TIME%] %BYTES_SENT% \"%REQ(USER-AGENT)%\" %DOWNSTREAM_REMOTE_ADDRESS%"),
                List.of("%ts.%03tu %6tr %>a:%>p %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt")));
        int records = 0;
        int rejects = 0;
        for (int i = 0; i < 40_000; i++) {
            String line = mutate(BASE.get(random.nextInt(BASE.size())), random);
            ParsedLine parsed;
            try {
                parsed = parser.parse(line, "fuzz", i + 1);
            } catch (RuntimeException e) {
                throw new AssertionError("iteration " + i + " threw on: " + line, e);
            }
            assertNotNull(parsed);
            if (parsed instanceof Reject r) {
                rejects++;
                assertTrue(!r.reason().startsWith(LogParser.INTERNAL_ERROR), () -> "iteration failed: " + r.reason() + " on: " + line);
                assertTrue(!r.reason().isBlank() && r.column() >= 0 && r.column() <= line.length() + 1,
                        () -> "bad reject " + r + " for " + line);
            } else {
                records++;
            }
            assertTrue(parsed.origin().line() == i + 1);
        }
        // both outcomes must occur, or the mutations are too weak or too strong to test anything
        assertTrue(records > 2_000, "records: " + records);
        assertTrue(rejects > 2_000, "rejects: " + rejects);
    }

    /** Every Istio JSON key with a value of every JSON kind, and empty, negative, huge and non-ASCII text. */
    @Test
    void everyJsonKeyWithEveryKindOfValueIsARecordOrAReject() {
        String[] keys = {"start_time", "method", "path", "protocol", "response_code", "response_flags",
                "response_code_details", "connection_termination_details", "upstream_transport_failure_reason",
                "bytes_received", "bytes_sent", "duration", "upstream_service_time", "x_forwarded_for", "user_agent",
                "request_id", "authority", "upstream_host", "upstream_cluster", "upstream_local_address",
                "downstream_local_address", "downstream_remote_address", "requested_server_name", "route_name"};
        String[] values = {"\"\"", "\"-\"", "null", "true", "[]", "[1,\"a\"]", "{}", "{\"a\":1}", "0", "-1", "1.5", "-0.0",
                "1e400", "123456789012345678901234567890", "\"-1\"", "\"abc\"", "\"\u4e2d\u00e9\"", "\"1969-12-31T23:59:59.999Z\"",
                "\"99999-01-01T00:00:00Z\"", "\"9999999999999999999\"", "\"[::1]:99999\"", "\":\"", "\"|||\""};
        LogParser parser = new LogParser();
        int line = 0;
        for (String key : keys) {
            for (String value : values) {
                String json = "{\"start_time\":\"2021-06-04T14:35:50.462Z\",\"bytes_sent\":0,\"" + key + "\":" + value + "}";
                ParsedLine parsed = parser.parse(json, "fuzz", ++line);
                assertNotNull(parsed);
                if (parsed instanceof Reject r) {
                    assertTrue(!r.reason().startsWith(LogParser.INTERNAL_ERROR) && !r.reason().isBlank(), r.reason() + " on " + json);
                }
            }
        }
        Reject empty = (Reject) parser.parse("{\"start_time\": \"\"}", "fuzz", 1);
        assertTrue(empty.reason().contains("start_time"), empty.reason());
        Reject before1970 = (Reject) parser.parse("{\"start_time\": \"1969-12-31T23:59:59.999Z\", \"duration\": 5}", "fuzz", 2);
        assertTrue(before1970.reason().contains("before 1970"), before1970.reason());
    }

    @Test
    void randomFormatStringsEitherCompileOrSaySo() {
        Random random = new Random(7);
        String pieces = "%START_TIME% %BYTES_SENT% %REQ( %REQ(X-A):12% ) ( % %% \" [ ] : %ts %>a %{Referer}>h %03tu %Ss/ %[un x";
        String[] parts = pieces.split(" ");
        for (int i = 0; i < 5_000; i++) {
            StringBuilder format = new StringBuilder();
            int n = 1 + random.nextInt(8);
            for (int j = 0; j < n; j++) {
                format.append(parts[random.nextInt(parts.length)]);
                if (random.nextBoolean()) {
                    format.append(' ');
                }
            }
            String text = format.toString();
            for (boolean envoy : new boolean[] {true, false}) {
                try {
                    new LogParser(envoy ? new ParserOptions(List.of(text), List.of()) : new ParserOptions(List.of(), List.of(text)));
                } catch (IllegalArgumentException expected) {
                    assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
                } catch (RuntimeException e) {
                    fail("format '" + text + "' threw " + e);
                }
            }
        }
    }

    static String mutate(String line, Random random) {
        StringBuilder b = new StringBuilder(line);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length() > 0; e++) {
            int at = random.nextInt(b.length());
            switch (random.nextInt(7)) {
                case 0 -> b.deleteCharAt(at);
                case 1 -> b.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 2 -> b.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 3 -> b.setLength(at);
                case 4 -> {
                    int end = Math.min(b.length(), at + random.nextInt(30));
                    b.insert(at, b.substring(at, end));
                }
                case 5 -> {
                    int other = random.nextInt(b.length());
                    char c = b.charAt(at);
                    b.setCharAt(at, b.charAt(other));
                    b.setCharAt(other, c);
                }
                default -> {
                    // replace one blank-separated field with digits or junk
                    int start = b.lastIndexOf(" ", at) + 1;
                    int end = b.indexOf(" ", start);
                    b.replace(start, end < 0 ? b.length() : end, random.nextBoolean() ? "99999999999999999999" : "-");
                }
            }
        }
        return b.toString();
    }
}
