package dev.egresslog.cli.sim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.egresslog.parser.envoy.EnvoyFormats;
import dev.egresslog.parser.squid.SquidFormats;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded lines for fuzzing the whole input path: every field of every built-in format (Envoy
 * TEXT of every Istio era, Istio JSON, Squid native, common and combined, a custom Squid
 * logformat), rendered with plausible values, then one to three fields replaced by empty, huge,
 * negative, non-ASCII, wrong-typed or structure-breaking values; some lines are wrapped in the
 * shippers' envelopes (with hostile envelope fields too), some cut, some garbage.
 *
 * <p>What a parser must do with each: give a record or a reject with a reason, never fail.
 */
public final class HostileLines {
    /** Custom format the fuzzer also renders; pass it to the parser as --squid-logformat. */
    public static final String CUSTOM_SQUID = "%ts.%03tu %6tr %>a:%>p %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt %>st";

    private static final Pattern ENVOY_OPERATOR = Pattern.compile("%([A-Z_]+(?:\\([^)]*\\))?(?::\\d+)?)%");
    private static final Pattern SQUID_CODE = Pattern.compile(
            "%(?:\\{[^}]*\\})?['\\[#-]?\\d*(?:\\.\\d+)?(>Hs|<Hs|>st|<st|>a|>p|<a|<p|Ss|Sh|rm|ru|rv|un|ui|mt|tl|ts|tu|tr|>h)");
    private static final String[] ISTIO_JSON_KEYS = {"start_time", "method", "path", "protocol", "response_code",
            "response_flags", "response_code_details", "connection_termination_details", "upstream_transport_failure_reason",
            "bytes_received", "bytes_sent", "duration", "upstream_service_time", "x_forwarded_for", "user_agent",
            "request_id", "authority", "upstream_host", "upstream_cluster", "upstream_local_address",
            "downstream_local_address", "downstream_remote_address", "requested_server_name", "route_name"};
    /** Values that no field expects, or that sit at the edge of what it expects. */
    static final String[] HOSTILE = {"", "-", "0", "-1", "-0", "+5", "-9223372036854775808", "9223372036854775807",
            "999999999999999999", "253402300799", "99999999999999999999999", "1e309", "NaN", "Infinity", "0x1F", "1.5", "12abc", "abc", "\u4E2D\u6587\u00E9",
            "\uD83D\uDE00", "\uFFFD", "\u0001", "\t", "1969-12-31T23:59:59.999Z", "1900-01-01T00:00:00Z",
            "0000-00-00T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "2024-02-30T25:61:61.000Z", "2024-01-01T00:00:00.000+99:99",
            "2024-01-01T00:00:00.0000000000000Z", "-1.000", "99999999999.999", "[::1]:99999", "1.2.3.4:-1",
            "300.1.1.1:80", "::::", "[::1", "1.2.3.4:", ":80", "outbound|||", "outbound|abc||x", "|||",
            "\"", "\"\"", "[", "]", "\\", "%", "UF,URX,,", "-,-", "01/Jan/1969:00:00:00 +0000",
            "31/Foo/2024:99:99:99 +9999", "TCP_DENIED/", "/403", "HIER_DIRECT/", "x".repeat(5000)};

    private final Random random;
    private final List<Function<Random, String>> generators = new ArrayList<>();

    public HostileLines(long seed) {
        random = new Random(seed);
        for (String format : List.of(EnvoyFormats.ISTIO_1_9, EnvoyFormats.ISTIO_1_9_NO_TERMINATION, EnvoyFormats.ISTIO_1_8,
                EnvoyFormats.ISTIO_1_3, EnvoyFormats.ISTIO_1_2, EnvoyFormats.ISTIO_1_1, EnvoyFormats.ISTIO_PRE_1_1,
                EnvoyFormats.ENVOY_DEFAULT, EnvoyFormats.ISTIO_1_0_TCP)) {
            generators.add(r -> render(format, ENVOY_OPERATOR, op -> envoyValue(op, r), r));
        }
        for (String format : List.of(SquidFormats.SQUID, SquidFormats.COMMON, SquidFormats.COMBINED, CUSTOM_SQUID)) {
            generators.add(r -> render(format, SQUID_CODE, code -> squidValue(code, r), r));
        }
        generators.add(HostileLines::istioJson);
    }

    /** The next line: a hostile variant of some format, sometimes wrapped, cut or garbage. */
    public String next() {
        int kind = random.nextInt(100);
        if (kind < 2) {
            return garbage(random);
        }
        String line = generators.get(random.nextInt(generators.size())).apply(random);
        if (kind < 8) {
            line = line.substring(0, random.nextInt(line.length() + 1));
        }
        if (kind >= 80) {
            line = wrap(line, random);
        }
        return line;
    }

    /**
     * Writes {@code n} lines to {@code file} as UTF-8, one in 200 with invalid UTF-8 bytes in it
     * (a broken multi-byte sequence, a lone continuation byte).
     */
    public void write(Path file, int n) throws IOException {
        byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, 0x41}};
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (int i = 0; i < n; i++) {
                byte[] line = next().getBytes(StandardCharsets.UTF_8);
                if (random.nextInt(200) == 0) {
                    int at = random.nextInt(line.length + 1);
                    out.write(line, 0, at);
                    out.write(invalid[random.nextInt(invalid.length)]);
                    out.write(line, at, line.length - at);
                } else {
                    out.write(line);
                }
                out.write('\n');
            }
        }
    }

    /** The format with each directive replaced by a plausible value, and a few by hostile ones. */
    private static String render(String format, Pattern directive, Function<String, String> value, Random random) {
        Matcher m = directive.matcher(format);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end(), m.start(1), m.end(1)});
        }
        int hostile = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3);
        boolean[] pick = new boolean[spans.size()];
        for (int i = 0; i < hostile && !spans.isEmpty(); i++) {
            pick[random.nextInt(spans.size())] = true;
        }
        StringBuilder b = new StringBuilder();
        int at = 0;
        for (int i = 0; i < spans.size(); i++) {
            int[] s = spans.get(i);
            b.append(format, at, s[0]);
            b.append(pick[i] ? HOSTILE[random.nextInt(HOSTILE.length)] : value.apply(format.substring(s[2], s[3])));
            at = s[1];
        }
        b.append(format, at, format.length());
        return b.toString();
    }

    /** Plausible values, varied so that lines do not all pair with each other (a day of times, many sizes and ports). */
    private static String envoyValue(String operator, Random r) {
        String op = operator.replaceAll(":\\d+$", "");
        return switch (op) {
            case "START_TIME" -> java.time.Instant.ofEpochMilli(1_709_600_000_000L + r.nextInt(86_400_000)).toString();
            case "RESPONSE_CODE" -> "0";
            case "BYTES_RECEIVED", "BYTES_SENT" -> Integer.toString(r.nextInt(1_000_000));
            case "DURATION" -> Integer.toString(r.nextInt(600_000));
            case "UPSTREAM_HOST" -> "10.0.0." + r.nextInt(8) + ":3128";
            case "UPSTREAM_CLUSTER" -> "outbound|3128||squid.corp.example";
            case "UPSTREAM_LOCAL_ADDRESS" -> "10.1." + r.nextInt(4) + "." + r.nextInt(250) + ":" + (32768 + r.nextInt(28000));
            case "DOWNSTREAM_LOCAL_ADDRESS" -> "10.0.0." + r.nextInt(8) + ":3128";
            case "DOWNSTREAM_REMOTE_ADDRESS" -> "10.1." + r.nextInt(4) + "." + r.nextInt(250) + ":" + (32768 + r.nextInt(28000));
            default -> "-"; // TCP lines: no method, path, protocol, flags, headers...
        };
    }

    private static String squidValue(String code, Random r) {
        return switch (code) {
            case "ts" -> Long.toString(1_709_600_000L + r.nextInt(86_400));
            case "tu" -> Integer.toString(r.nextInt(1000));
            case "tr" -> Integer.toString(r.nextInt(600_000));
            case ">a", "<a" -> "10.0." + r.nextInt(4) + "." + r.nextInt(250);
            case ">p" -> Integer.toString(32768 + r.nextInt(28000));
            case "Ss" -> "TCP_TUNNEL";
            case ">Hs", "<Hs" -> "200";
            case "<st", ">st" -> Integer.toString(r.nextInt(1_000_000));
            case "rm" -> "CONNECT";
            case "ru" -> "example.com:443";
            case "rv" -> "1.1";
            case "un", "ui" -> "-";
            case "Sh" -> "HIER_DIRECT";
            case "mt" -> "-";
            case "tl" -> "05/Mar/2024:10:11:12 +0000";
            case ">h" -> "curl/8.0";
            default -> "-";
        };
    }

    private static String istioJson(Random random) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        boolean typed = random.nextBoolean();
        for (String key : ISTIO_JSON_KEYS) {
            String text = envoyValue(switch (key) {
                case "start_time" -> "START_TIME";
                case "bytes_received" -> "BYTES_RECEIVED";
                case "bytes_sent" -> "BYTES_SENT";
                case "duration" -> "DURATION";
                case "upstream_host" -> "UPSTREAM_HOST";
                case "upstream_cluster" -> "UPSTREAM_CLUSTER";
                case "upstream_local_address" -> "UPSTREAM_LOCAL_ADDRESS";
                case "downstream_local_address" -> "DOWNSTREAM_LOCAL_ADDRESS";
                case "downstream_remote_address" -> "DOWNSTREAM_REMOTE_ADDRESS";
                case "response_code" -> "RESPONSE_CODE";
                default -> "";
            }, random);
            if (typed && text.matches("\\d+")) {
                o.put(key, Long.parseLong(text));
            } else if (typed && text.equals("-")) {
                o.putNull(key);
            } else {
                o.put(key, text);
            }
        }
        int hostile = 1 + random.nextInt(3);
        for (int i = 0; i < hostile; i++) {
            String key = random.nextInt(10) == 0 ? "x_" + random.nextInt(5) : ISTIO_JSON_KEYS[random.nextInt(ISTIO_JSON_KEYS.length)];
            switch (random.nextInt(9)) {
                case 0 -> o.put(key, HOSTILE[random.nextInt(HOSTILE.length)]);
                case 1 -> o.put(key, random.nextBoolean() ? Long.MIN_VALUE : -1L);
                case 2 -> o.put(key, new java.math.BigInteger("123456789012345678901234567890"));
                case 3 -> o.put(key, random.nextBoolean() ? 1.5e300 : -0.5);
                case 4 -> o.put(key, random.nextBoolean());
                case 5 -> o.putArray(key).add(1).add("a");
                case 6 -> o.putObject(key).put("k", "v");
                case 7 -> o.putNull(key);
                default -> o.remove(key);
            }
        }
        return o.toString();
    }

    private static String wrap(String line, Random random) {
        String hostileValue = random.nextInt(3) == 0 ? HOSTILE[random.nextInt(HOSTILE.length)] : null;
        return switch (random.nextInt(5)) {
            case 0 -> (hostileValue != null ? hostileValue : "2024-03-05T10:11:12.345678901Z") + " stdout F " + line;
            case 1 -> (hostileValue != null ? hostileValue : "2024-03-05T10:11:12.345678901Z") + " " + line;
            case 2 -> "[pod/" + (hostileValue != null ? hostileValue : "sleep-1") + "/istio-proxy] " + line;
            case 3 -> {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("log", line + "\n");
                if (hostileValue != null) {
                    o.put("time", hostileValue);
                    o.put("kubernetes", hostileValue);
                } else {
                    o.put("time", "2024-03-05T10:11:12.345678901Z");
                    o.putObject("kubernetes").put("pod_name", "sleep-1").put("namespace_name", "default")
                            .put("container_name", "istio-proxy");
                }
                yield o.toString();
            }
            default -> {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("message", line);
                o.put("timestamp", hostileValue != null ? hostileValue : "2024-03-05T10:11:12.345Z");
                yield o.toString();
            }
        };
    }

    private static String garbage(Random random) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(200);
        for (int i = 0; i < n; i++) {
            b.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5f)));
        }
        return b.toString().replace('\n', ' ').replace('\r', ' ');
    }
}
