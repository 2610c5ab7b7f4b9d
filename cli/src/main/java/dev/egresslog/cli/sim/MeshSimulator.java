package dev.egresslog.cli.sim;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Writes the access logs of a simulated mesh, with a truth file saying which lines belong to
 * which tunnel. The topology is seed 000's: pods with sidecars, two egress gateway pods (one with
 * Istio's peer-metadata byte overhead on the mesh hop), two Squid proxies with their own clocks
 * (one old enough to leave Squid's 39-byte reply out of its counts), plus a sidecar that dials a
 * proxy directly (bypass) and clients outside the mesh.
 *
 * <p>Traps set: Squid clocks off by up to ±maxSkew and drifting; SNAT (Squid sees node IPs; the
 * gateway sees node IPs for the pods of one node); ephemeral ports reused; pods polling with
 * identical byte counts; hundreds of concurrent tunnels, long ones over short ones; client aborts
 * with shrinking counts; lines lost at random; non-tunnel lines (HTTP) in the sidecar logs; shipper
 * envelopes for the pods of one node; kubectl --timestamps for some pods. Optionally (see
 * {@link SimulationConfig}): gateway node clocks off from the sidecars' nodes, bursts of identical
 * connections (denials and retries, SNAT'd when the pod is on the SNAT node), and failed sidecar
 * connections that carry an upstream_local_address.
 *
 * <p>The truth says, for each tunnel, what makes its lines tell apart under perfect clocks (the
 * Squid line's and, behind SNAT, the gateway line's key, true start and duration), so that the
 * evaluation can count the tunnels no join could get right: the ambiguity ceiling.
 *
 * <p>Each file is written in end-time order, as Envoy and Squid write them; memory is bounded by
 * the open tunnels, not by the number generated.
 */
public final class MeshSimulator {
    static final DateTimeFormatter ENVOY_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter NANO_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'000000Z'").withZone(ZoneOffset.UTC);
    static final long START = 1_776_000_000_000L; // 2026-04-12
    static final String[] TARGETS = {"en.wikipedia.org", "api.github.com", "storage.googleapis.com", "pypi.org",
            "login.microsoftonline.com", "registry-1.docker.io", "s3.eu-west-1.amazonaws.com", "hooks.slack.com",
            "api.stripe.com", "objects.githubusercontent.com"};
    static final String GW_CLUSTER = "outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local";

    /** Written statistics. */
    public record Summary(long tunnels, long lines, long lostLines, Map<String, Long> byStatus) {
    }

    private final SimulationConfig config;
    private final Path out;
    private final Random random;
    private final Map<String, LogFile> files = new HashMap<>();
    private final List<Pod> pods = new ArrayList<>();
    private final Gateway[] gateways;
    private final Proxy[] proxies;
    private final Writer truth;
    private final Map<String, Long> byStatus = new HashMap<>();
    private long lines;
    private long lost;

    private MeshSimulator(SimulationConfig config, Path out) throws IOException {
        this.config = config;
        this.out = out;
        this.random = new Random(config.seed());
        Files.createDirectories(out.resolve("logs"));
        truth = Files.newBufferedWriter(out.resolve("truth.jsonl"), StandardCharsets.UTF_8);
        for (int i = 0; i < config.pods(); i++) {
            int node = i % config.nodes();
            String name = APPS[i % APPS.length] + "-" + Long.toString(Math.abs(random.nextLong()) % 0xfffffffL, 36) + "-" + i;
            String ip = "10.131." + node + "." + (10 + i / config.nodes());
            String file = config.nodeLogPaths() ? nodeLogPath(node, "shop", name, i % 2 == 0)
                    : node == 0 ? "shipper/fluentbit-node-0.jsonl" : "sidecar/" + name + ".log";
            Framing framing = config.nodeLogPaths() ? Framing.CRI
                    : node == 1 ? Framing.KUBECTL_TIMESTAMPS : node == 0 ? Framing.FLUENT_BIT : Framing.PLAIN;
            Pod pod = new Pod(name, ip, node, file, framing, i == config.pods() - 1, i % 10 == 3 && i != config.pods() - 1);
            pods.add(pod);
        }
        gateways = new Gateway[] {
                new Gateway("istio-egressgateway-5d8f7b-abcde", "10.131.9.11", "10.0.0.98", false, gatewaySkew()),
                new Gateway("istio-egressgateway-5d8f7b-fghij", "10.131.9.12", "10.0.0.99", true, gatewaySkew())};
        if (config.nodeLogPaths()) {
            for (Gateway gw : gateways) {
                gw.nodeFile = nodeLogPath(9, "istio-system", gw.name, true);
            }
        }
        proxies = new Proxy[] {
                new Proxy("squid-a", "10.0.0.15:8080", "myproxy.istio-system.svc.cluster.local", skew(), drift(), false),
                new Proxy("squid-b", "10.0.0.16:3128", "corp-proxy.example.com", skew(), drift(), true)};
    }

    /**
     * Where the kubelet of node {@code node} writes the istio-proxy container's log of a pod, under
     * a folder named after the node: /var/log/pods/NS_POD_UID/istio-proxy/0.log, or the
     * /var/log/containers/POD_NS_istio-proxy-ID.log link to it.
     */
    private String nodeLogPath(int node, String namespace, String pod, boolean podsDir) {
        java.util.UUID uid = new java.util.UUID(random.nextLong(), random.nextLong());
        return "node-" + node + (podsDir
                ? "/var/log/pods/" + namespace + "_" + pod + "_" + uid + "/istio-proxy/0.log"
                : "/var/log/containers/" + pod + "_" + namespace + "_istio-proxy-"
                        + String.format("%016x%016x%016x%016x", random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong())
                        + ".log");
    }

    /** Pollers fetch the same URL (identical byte counts) about every two seconds, each. */
    static final int POLL_INTERVAL_MS = 2000;

    private static final String[] APPS = {"orders", "billing", "checkout", "search", "reports", "sync", "crawler", "notify"};

    private long skew() {
        return (long) ((random.nextDouble() * 2 - 1) * config.maxSkewSeconds() * 1000);
    }

    /** A gateway node's clock against the sidecars' nodes (none drawn in a classic mesh, which keeps its files as they were). */
    private long gatewaySkew() {
        return config.gatewaySkewMs() == 0 ? 0 : (long) ((random.nextDouble() * 2 - 1) * config.gatewaySkewMs());
    }

    private double drift() {
        return (random.nextDouble() * 2 - 1) * config.driftMsPerHour() / 3_600_000.0;
    }

    /** Writes the logs under {@code out/logs} and the truth into {@code out/truth.jsonl}. */
    public static Summary run(SimulationConfig config, Path out) throws IOException {
        MeshSimulator sim = new MeshSimulator(config, out);
        try {
            sim.generate();
        } finally {
            sim.close();
        }
        return new Summary(config.tunnels(), sim.lines, sim.lost, Map.copyOf(sim.byStatus));
    }

    // ---- topology -------------------------------------------------------------------------

    enum Framing { PLAIN, KUBECTL_TIMESTAMPS, FLUENT_BIT, CRI }

    private static final class Ports {
        private int next;
        private final int base;
        private final int size;

        Ports(int base, int size, int start) {
            this.base = base;
            this.size = size;
            this.next = start;
        }

        /** Sequential with wrap-around over a small range: ports are reused within the hour. */
        int take() {
            next = (next + 1) % size;
            return base + next;
        }
    }

    private final class Pod {
        final String name;
        final String ip;
        final int node;
        final String file;
        final Framing framing;
        final boolean bypass;
        final boolean poller;
        final long skewMs;
        final Ports ports;

        Pod(String name, String ip, int node, String file, Framing framing, boolean bypass, boolean poller) {
            this.name = name;
            this.ip = ip;
            this.node = node;
            this.file = file;
            this.framing = framing;
            this.bypass = bypass;
            this.poller = poller;
            this.skewMs = random.nextInt(7) - 3;
            this.ports = new Ports(32768, 3000, random.nextInt(3000));
        }

        String nodeIp() {
            return "10.0.0." + (90 + node);
        }
    }

    private final class Gateway {
        final String name;
        final String ip;
        final String nodeIp;
        final boolean metadataExchange;
        /** Its node's clock minus the sidecars' nodes' clocks. */
        final long skewMs;
        final Ports ports = new Ports(40000, 5000, 0);

        Gateway(String name, String ip, String nodeIp, boolean metadataExchange, long skewMs) {
            this.name = name;
            this.ip = ip;
            this.nodeIp = nodeIp;
            this.metadataExchange = metadataExchange;
            this.skewMs = skewMs;
        }

        /** Set in a node layout: the gateway pod's log path on its node. */
        String nodeFile;

        String file() {
            return nodeFile != null ? nodeFile : "gateway/" + name + ".log";
        }
    }

    private record Proxy(String name, String address, String host, long offsetMs, double driftPerMs, boolean old) {
        String file() {
            return "squid/" + name + "/access.log";
        }

        long clock(long meshMs) {
            return meshMs + offsetMs + (long) ((meshMs - START) * driftPerMs);
        }
    }

    // ---- output -----------------------------------------------------------------------------

    /** One tunnel's lines; the truth line is written once all of them are placed or lost. */
    private final class Tunnel {
        final long id;
        final String status;
        final String[] refs = new String[3];
        int pending;
        /** What tells its Squid line apart: proxy|client as Squid sees it|bytes|result, true start (mesh ms), elapsed. */
        String squidKey;
        long squidStart;
        long squidElapsed;
        /** Behind SNAT only (the gateway cannot see the sidecar's address): gateway|up|down, true start, duration. */
        String gatewayKey;
        long gatewayStart;
        long gatewayDuration;

        Tunnel(long id, String status) {
            this.id = id;
            this.status = status;
        }

        void placed(int hop, String ref) {
            refs[hop] = ref;
            release();
        }

        /** One line fewer to wait for (placed, or the hold taken while the tunnel's lines are queued). */
        void release() {
            if (--pending == 0) {
                writeTruth(this);
            }
        }
    }

    private record Pending(long endMs, long seq, String text, Tunnel tunnel, int hop) {
    }

    private final class LogFile {
        final String name;
        final Writer writer;
        final PriorityQueue<Pending> queue = new PriorityQueue<>((a, b) -> a.endMs != b.endMs
                ? Long.compare(a.endMs, b.endMs) : Long.compare(a.seq, b.seq));
        long line;

        LogFile(String name) {
            this.name = name;
            try {
                Path path = out.resolve("logs").resolve(name);
                Files.createDirectories(path.getParent());
                writer = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(path), StandardCharsets.UTF_8), 1 << 16);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void flushUntil(long timeMs) {
            while (!queue.isEmpty() && queue.peek().endMs <= timeMs) {
                Pending p = queue.poll();
                try {
                    writer.write(p.text);
                    writer.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                line++;
                lines++;
                if (p.tunnel != null) {
                    p.tunnel.placed(p.hop, name + ":" + line);
                }
            }
        }
    }

    private long seq;

    /** Queues a line that will be written at {@code endMs}; lost lines are counted and never written. */
    private void emit(String file, long endMs, String text, Tunnel tunnel, int hop) {
        if (tunnel != null) {
            tunnel.pending++;
        }
        if (random.nextDouble() < config.lossRate()) {
            lost++;
            if (tunnel != null) {
                tunnel.release();
            }
            return;
        }
        files.computeIfAbsent(file, LogFile::new).queue.add(new Pending(endMs, seq++, text, tunnel, hop));
    }

    private void writeTruth(Tunnel t) {
        try {
            truth.write("{\"id\":" + t.id + ",\"status\":\"" + t.status + "\",\"sidecar\":" + json(t.refs[0])
                    + ",\"gateway\":" + json(t.refs[1]) + ",\"squid\":" + json(t.refs[2])
                    + (t.squidKey == null ? "" : ",\"q_key\":" + json(t.squidKey) + ",\"q_t0\":" + t.squidStart + ",\"q_el\":" + t.squidElapsed)
                    + (t.gatewayKey == null ? "" : ",\"g_key\":" + json(t.gatewayKey) + ",\"g_t0\":" + t.gatewayStart
                            + ",\"g_dur\":" + t.gatewayDuration)
                    + "}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String json(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    private void close() throws IOException {
        for (LogFile f : files.values()) {
            f.flushUntil(Long.MAX_VALUE);
            f.writer.close();
        }
        truth.close();
        writePods();
    }

    /**
     * DIR/pods.json: the pods as {@code kubectl get pods -A -o json} lists them (names, namespaces,
     * IPs, nodes, app labels, start times), for trace --pods.
     */
    private void writePods() throws IOException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var items = json.createArrayNode();
        String started = Instant.ofEpochMilli(START - 86_400_000L).toString();
        for (Pod pod : pods) {
            var item = items.addObject();
            item.putObject("metadata").put("name", pod.name).put("namespace", "shop")
                    .putObject("labels").put("app", pod.name.substring(0, pod.name.indexOf('-')));
            item.putObject("spec").put("nodeName", "node-" + pod.node);
            item.putObject("status").put("podIP", pod.ip).put("startTime", started);
        }
        for (Gateway gw : gateways) {
            var item = items.addObject();
            item.putObject("metadata").put("name", gw.name).put("namespace", "istio-system")
                    .putObject("labels").put("app", "istio-egressgateway");
            item.putObject("spec").put("nodeName", "node-9");
            item.putObject("status").put("podIP", gw.ip).put("startTime", started);
        }
        var list = json.createObjectNode().put("apiVersion", "v1").put("kind", "List");
        list.set("items", items);
        json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("pods.json").toFile(), list);
    }

    // ---- generation -------------------------------------------------------------------------

    private void generate() {
        double meanGapMs = 1000.0 / config.ratePerSecond();
        long nextArrival = START;
        long[] nextPoll = new long[pods.size()];
        for (int i = 0; i < nextPoll.length; i++) {
            nextPoll[i] = pods.get(i).poller ? START + random.nextInt(POLL_INTERVAL_MS) : Long.MAX_VALUE;
        }
        long nextFlush = START;
        // a burst starts at an arrival with this probability, so that about burstShare of the tunnels come in bursts
        double burstStart = config.burstShare() == 0 ? 0
                : config.burstShare() / (MEAN_BURST * (1 - config.burstShare()) + config.burstShare());
        for (long id = 1; id <= config.tunnels(); id++) {
            int poller = -1;
            for (int i = 0; i < nextPoll.length; i++) {
                if (nextPoll[i] < nextArrival && (poller < 0 || nextPoll[i] < nextPoll[poller])) {
                    poller = i;
                }
            }
            long t;
            Pod pod;
            if (poller >= 0) {
                t = nextPoll[poller];
                pod = pods.get(poller);
                nextPoll[poller] = t + POLL_INTERVAL_MS + random.nextInt(40) - 20;
            } else {
                t = nextArrival;
                nextArrival = t + 1 + (long) (-Math.log(1 - random.nextDouble()) * meanGapMs);
                do {
                    pod = pods.get(random.nextInt(pods.size()));
                } while (pod.poller);
            }
            if (t >= nextFlush) {
                for (LogFile f : files.values()) {
                    f.flushUntil(t - 1);
                }
                nextFlush = t + 1000;
            }
            if (burstStart > 0 && poller < 0 && !pod.bypass && random.nextDouble() < burstStart) {
                id = burst(id, t, pod) - 1;
                continue;
            }
            if (random.nextInt(12) == 0) {
                httpLine(pod, t);
            }
            double roll = random.nextDouble();
            if (poller < 0 && random.nextInt(40) == 0) {
                nonMesh(id, t);
            } else if (pod.bypass) {
                tunnel(id, t, pod, null, proxies[1], roll < 0.05 ? "denied" : "bypass");
            } else if (pod.poller) {
                tunnel(id, t, pod, gateways[random.nextInt(gateways.length)], proxies[0], "complete");
            } else {
                String status = roll < 0.88 ? "complete" : roll < 0.92 ? "denied" : roll < 0.95 ? "upstream_failed"
                        : roll < 0.975 ? "gateway_failed" : "sidecar_failed";
                tunnel(id, t, pod, gateways[random.nextInt(gateways.length)], proxies[0], status);
            }
        }
    }

    /** Mean size of a burst of identical connections. */
    static final int MEAN_BURST = 175;

    /** Identical connections of one burst: same bytes each way, same duration give or take a few ms. */
    private record Burst(long up, long squidBytes, long dur) {
    }

    /**
     * A pod retrying one host 50 to 300 times within one or two seconds: mostly refused by Squid
     * (identical 403 pages), else succeeding with identical counts. Returns the next free id.
     */
    private long burst(long firstId, long t, Pod pod) {
        int size = (int) Math.min(config.tunnels() - firstId + 1, 50 + random.nextInt(251));
        long span = 1000 + random.nextInt(1000);
        boolean denied = random.nextDouble() < 0.7;
        String target = TARGETS[random.nextInt(TARGETS.length)];
        Burst same = new Burst(200 + random.nextInt(800), 39 + 1000 + random.nextInt(20_000), 20 + random.nextInt(200));
        for (int i = 0; i < size; i++) {
            long at = t + i * span / size + random.nextInt(3);
            tunnel(firstId + i, at, pod, gateways[random.nextInt(gateways.length)], proxies[0], denied ? "denied" : "complete",
                    target, same);
        }
        return firstId + size;
    }

    private long duration(Pod pod) {
        if (pod.poller) {
            return 180 + random.nextInt(40);
        }
        double r = random.nextDouble();
        double median = r < 0.70 ? 300 : r < 0.95 ? 5_000 : 120_000;
        return Math.max(1, (long) (median * Math.exp(random.nextGaussian() * 0.8)));
    }

    private void tunnel(long id, long t, Pod pod, Gateway gw, Proxy proxy, String status) {
        tunnel(id, t, pod, gw, proxy, status, TARGETS[random.nextInt(TARGETS.length)], null);
    }

    private void tunnel(long id, long t, Pod pod, Gateway gw, Proxy proxy, String status, String target, Burst burst) {
        Tunnel tunnel = new Tunnel(id, status);
        tunnel.pending = 1; // released below, once every line is queued
        int appPort = pod.ports.take();
        int sidecarPort = pod.ports.take();
        long dur = duration(pod);
        long squidBytes;
        long up;
        String squidResult;
        String hier;
        String type = "-";
        long squidElapsedCut = random.nextInt(20);
        switch (status) {
            case "denied" -> {
                dur = 1 + random.nextInt(8);
                squidBytes = 3428;
                up = 100 + target.length();
                squidResult = "TCP_DENIED/403";
                hier = "HIER_NONE/-";
                type = "text/html";
            }
            case "upstream_failed" -> {
                dur = 5 + random.nextInt(3000);
                squidBytes = 0;
                up = 100 + target.length();
                squidResult = "NONE_NONE/503";
                hier = "HIER_DIRECT/203.0.113." + random.nextInt(250);
            }
            default -> {
                squidBytes = burst != null ? burst.squidBytes() : pod.poller ? 39 + 5634 : 39 + (long) (20_000 * Math.exp(random.nextGaussian()));
                up = burst != null ? burst.up() : pod.poller ? 812 : 100 + (long) (1500 * Math.exp(random.nextGaussian() * 0.5));
                if (burst != null) {
                    dur = burst.dur() + random.nextInt(4);
                }
                squidResult = "TCP_TUNNEL/200";
                hier = "HIER_DIRECT/" + (140 + random.nextInt(60)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
            }
        }
        boolean abort = status.equals("complete") && !pod.poller && burst == null && random.nextInt(50) == 0;
        // Squid logs 0 bytes when the target refuses, while the hops carry its error page
        long hopBytes = status.equals("upstream_failed") ? 3_900 + random.nextInt(200) : squidBytes;
        long gatewayDown = abort ? Math.max(39, squidBytes - random.nextInt(30_000)) : hopBytes;
        long sidecarDown = abort ? Math.max(39, gatewayDown - random.nextInt(20_000)) : hopBytes;
        byStatus.merge(status, 1L, Long::sum);

        if (gw == null) {
            // bypass: the sidecar dials the proxy itself
            String line = envoy(t + pod.skewMs, "-", up, sidecarDown, dur, proxy.address,
                    "outbound|" + port(proxy.address) + "||" + proxy.host, pod.ip + ":" + sidecarPort, proxy.address,
                    pod.ip + ":" + appPort);
            emit(pod.file, t + dur, frame(pod, line, t + dur), tunnel, 0);
            squid(tunnel, proxy, pod.nodeIp(), t + 1 + random.nextInt(config.proxyJitterMs()), dur, squidElapsedCut, squidBytes, squidResult, hier, type, target);
        } else if (status.equals("sidecar_failed")) {
            long failDur = random.nextInt(3);
            // the socket was opened before the gateway failed it: Envoy then logs its local address
            String local = config.ufWithLocalShare() > 0 && random.nextDouble() < config.ufWithLocalShare() ? pod.ip + ":" + sidecarPort : "-";
            String line = envoy(t + pod.skewMs, "UF,URX", 0, 0, failDur, gw.ip + ":7777", GW_CLUSTER, local, proxy.address,
                    pod.ip + ":" + appPort);
            emit(pod.file, t + failDur, frame(pod, line, t + failDur), tunnel, 0);
        } else {
            int gwPort = gw.ports.take();
            long gwStart = t + 1;
            long gwDur = Math.max(0, dur - 2);
            long metaUp = gw.metadataExchange ? 718 : 0;
            long metaDown = gw.metadataExchange ? 798 : 0;
            String gwDown;
            String remote = pod.node == 3 ? pod.nodeIp() + ":" + (20000 + random.nextInt(40000)) : pod.ip + ":" + sidecarPort;
            boolean gwFails = status.equals("gateway_failed");
            long sDown = gwFails ? 0 : sidecarDown;
            String sidecar = envoy(t + pod.skewMs, "-", up, sDown, gwFails ? gwDur + 2 : dur, gw.ip + ":7777", GW_CLUSTER,
                    pod.ip + ":" + sidecarPort, proxy.address, pod.ip + ":" + appPort);
            emit(pod.file, t + dur, frame(pod, sidecar, t + dur), tunnel, 0);
            if (pod.node == 3) {
                tunnel.gatewayKey = gw.name + "|" + (up + metaUp) + "|" + (gwFails ? 0 : gatewayDown + metaDown);
                tunnel.gatewayStart = gwStart;
                tunnel.gatewayDuration = gwDur;
            }
            String gateway = envoy(gwStart + gw.skewMs, gwFails ? "UF,URX" : "-", up + metaUp, gwFails ? 0 : gatewayDown + metaDown, gwDur,
                    proxy.address, "outbound|" + port(proxy.address) + "||" + proxy.host, gwFails ? "-" : gw.ip + ":" + gwPort,
                    gw.ip + ":7777", remote);
            emit(gw.file(), gwStart + gwDur, gw.nodeFile != null ? cri(gateway, gwStart + gwDur) : gateway, tunnel, 1);
            if (!gwFails) {
                squid(tunnel, proxy, gw.nodeIp, gwStart + 1 + random.nextInt(config.proxyJitterMs()), gwDur, squidElapsedCut,
                        squidBytes, squidResult, hier, type, target);
            }
        }
        tunnel.release(); // the hold taken above
    }

    private void squid(Tunnel tunnel, Proxy proxy, String clientIp, long startMesh, long upstreamDur, long cut, long bytes,
                       String result, String hier, String type, String target) {
        long elapsed = Math.max(0, upstreamDur - (startMesh % 7) - cut);
        if (result.startsWith("TCP_DENIED")) {
            elapsed = 0;
        }
        long endMesh = startMesh + elapsed;
        long written = proxy.clock(endMesh);
        long logged = proxy.old && result.startsWith("TCP_TUNNEL") ? Math.max(0, bytes - 39) : bytes;
        tunnel.squidKey = proxy.name + "|" + clientIp + "|" + logged + "|" + result;
        tunnel.squidStart = startMesh;
        tunnel.squidElapsed = elapsed;
        String line = String.format("%d.%03d %6d %s %s %d CONNECT %s:443 - %s %s", written / 1000, written % 1000, elapsed,
                clientIp, result, logged, target, hier, type);
        emit(proxy.file(), endMesh, line, tunnel, 2);
    }

    private void nonMesh(long id, long t) {
        Tunnel tunnel = new Tunnel(id, "non_mesh");
        tunnel.pending = 1;
        byStatus.merge("non_mesh", 1L, Long::sum);
        Proxy proxy = proxies[random.nextInt(proxies.length)];
        long dur = 50 + random.nextInt(4000);
        squid(tunnel, proxy, "10.0.5." + (10 + random.nextInt(40)), t, dur, 0, 39 + random.nextInt(90_000), "TCP_TUNNEL/200",
                "HIER_DIRECT/151.101." + random.nextInt(256) + "." + random.nextInt(256), "-", TARGETS[random.nextInt(TARGETS.length)]);
        tunnel.release();
    }

    private void httpLine(Pod pod, long t) {
        long dur = 2 + random.nextInt(80);
        int port = pod.ports.take();
        String line = "[" + ENVOY_TIME.format(Instant.ofEpochMilli(t + pod.skewMs)) + "] \"GET /api/v1/items/" + random.nextInt(9999)
                + " HTTP/1.1\" 200 - via_upstream - \"-\" 0 " + random.nextInt(5000) + " " + dur + " " + (dur - 1)
                + " \"-\" \"python-requests/2.31\" \"" + new java.util.UUID(random.nextLong(), random.nextLong())
                + "\" \"inventory.shop.svc.cluster.local:8080\" \"10.131.2.77:8080\" "
                + "outbound|8080||inventory.shop.svc.cluster.local " + pod.ip + ":" + port + " 172.30.4.20:8080 "
                + pod.ip + ":" + pod.ports.take() + " - default";
        emit(pod.file, t + dur, frame(pod, line, t + dur), null, 0);
    }

    private static String port(String address) {
        return address.substring(address.lastIndexOf(':') + 1);
    }

    private static String envoy(long start, String flags, long up, long down, long dur, String upstreamHost, String cluster,
                                String upstreamLocal, String downstreamLocal, String downstreamRemote) {
        return "[" + ENVOY_TIME.format(Instant.ofEpochMilli(start)) + "] \"- - -\" 0 " + flags + " - - \"-\" " + up + " " + down
                + " " + dur + " - \"-\" \"-\" \"-\" \"-\" \"" + upstreamHost + "\" " + cluster + " " + upstreamLocal + " "
                + downstreamLocal + " " + downstreamRemote + " - -";
    }

    /** A container runtime's log line: "TIME stdout F LINE". */
    private static String cri(String line, long writtenMs) {
        return NANO_TIME.format(Instant.ofEpochMilli(writtenMs)) + " stdout F " + line;
    }

    private static String frame(Pod pod, String line, long writtenMs) {
        return switch (pod.framing) {
            case PLAIN -> line;
            case KUBECTL_TIMESTAMPS -> NANO_TIME.format(Instant.ofEpochMilli(writtenMs)) + " " + line;
            case CRI -> cri(line, writtenMs);
            case FLUENT_BIT -> "{\"log\":\"" + line.replace("\\", "\\\\").replace("\"", "\\\"") + "\\n\",\"stream\":\"stdout\","
                    + "\"time\":\"" + NANO_TIME.format(Instant.ofEpochMilli(writtenMs)) + "\",\"kubernetes\":{\"pod_name\":\""
                    + pod.name + "\",\"namespace_name\":\"shop\",\"container_name\":\"istio-proxy\",\"host\":\"node-" + pod.node + "\"}}";
        };
    }
}
