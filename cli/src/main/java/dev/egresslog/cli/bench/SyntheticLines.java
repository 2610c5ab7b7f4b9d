package dev.egresslog.cli.bench;

import dev.egresslog.cli.output.RecordWriter;

import java.util.Random;

/**
 * Realistic-looking Envoy (Istio 1.9+ TEXT, 90 % TCP tunnels, 10 % HTTP) and Squid native lines
 * for benchmarks, from a seeded generator so runs are comparable.
 */
public final class SyntheticLines {
    private static final String[] HOSTS = {"en.wikipedia.org", "api.github.com", "storage.googleapis.com",
            "login.microsoftonline.com", "registry-1.docker.io", "pypi.org", "s3.eu-west-1.amazonaws.com"};

    private final Random random;
    private long time = 1_650_436_800_000L;

    SyntheticLines(long seed) {
        random = new Random(seed);
    }

    String envoy() {
        time += random.nextInt(20);
        String start = RecordWriter.TIME.format(java.time.Instant.ofEpochMilli(time));
        int pod = random.nextInt(250);
        int port = 32768 + random.nextInt(28000);
        if (random.nextInt(10) == 0) {
            return "[" + start + "] \"GET /api/v1/items/" + random.nextInt(100000) + " HTTP/1.1\" 200 - via_upstream - \"-\" 0 "
                    + random.nextInt(20000) + " " + random.nextInt(300) + " " + random.nextInt(300)
                    + " \"-\" \"curl/7.82.0\" \"" + new java.util.UUID(random.nextLong(), random.nextLong())
                    + "\" \"items.default.svc.cluster.local:8080\" \"10.131.2." + pod % 200 + ":8080\" "
                    + "outbound|8080||items.default.svc.cluster.local 10.131.1." + pod + ":" + port + " 172.30.1.7:8080 10.131.1."
                    + pod + ":" + (port + 1) + " - default";
        }
        long up = 500 + random.nextInt(5000);
        long down = 39 + random.nextInt(2_000_000);
        return "[" + start + "] \"- - -\" 0 - - - \"-\" " + up + " " + down + " " + random.nextInt(60000)
                + " - \"-\" \"-\" \"-\" \"-\" \"10.131.1.111:7777\" outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local 10.131.1."
                + pod + ":" + port + " 10.0.0.15:8080 10.131.1." + pod + ":" + (port + 7) + " - - \"-\"";
    }

    String squid() {
        time += random.nextInt(20);
        long elapsed = random.nextInt(60000);
        String host = HOSTS[random.nextInt(HOSTS.length)];
        String ms = String.format("%03d", time % 1000);
        return (time / 1000) + "." + ms + " " + pad(elapsed) + " 10.0.0." + (90 + random.nextInt(10))
                + " TCP_TUNNEL/200 " + (39 + random.nextInt(2_000_000)) + " CONNECT " + host + ":443 - HIER_DIRECT/"
                + (100 + random.nextInt(100)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + " -";
    }

    private static String pad(long value) {
        String text = Long.toString(value);
        return text.length() >= 6 ? text : " ".repeat(6 - text.length()) + text;
    }
}
