package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static dev.egresslog.correlator.engine.FromRecords.id;
import static dev.egresslog.correlator.engine.FromRecords.key;

/**
 * A small mesh that writes the engine's lines for the tunnels a test asks for, and the rows the
 * engine should make of them: pods with sidecars (each its own log), two egress gateways, one
 * Squid, with the clocks, SNAT and losses a test sets. Rows are written as "status sidecar
 * gateway squid", each line by its name (s12, g3, q40) or "-".
 */
final class Mesh {
    static final String PROXY = "10.3.0.5:3128";
    static final String[] GATEWAY_IPS = {"10.2.0.1", "10.2.0.2"};
    static final String[] GATEWAY_NODES = {"10.9.0.1", "10.9.0.2"};
    static final String SNAT_NODE = "10.9.0.7";
    static final int SQUID = 100;

    final List<EnvoyHop> envoy = new ArrayList<>();
    final List<SquidHop> squid = new ArrayList<>();
    final Set<String> expected = new TreeSet<>();
    private final Map<Long, String> names = new HashMap<>();
    private final Map<Integer, Long> lines = new HashMap<>();
    private final Random random;
    private int port = 20_000;
    private int names0;

    /** Squid's clock: offset at time 0 (ms), drift (ppm); gateways' clocks: skew (ms) each. */
    long squidOffsetMs = 30_000;
    double driftPpm;
    long[] gatewaySkewMs = {0, 0};
    long t0 = 1_776_000_000_000L;
    /** Pods behind SNAT: their gateway lines show the node's address. */
    boolean snat;
    /** Squid starts 1 to this many ms after its gateway. */
    int latencyMs = 2;

    Mesh(long seed) {
        random = new Random(seed);
    }

    /** A tunnel of a pod through a gateway to Squid, and the row it should make. Returns the Squid line's name, or null. */
    String tunnel(int pod, long at, long dur, long up, long down, String result, int status, boolean loseSidecar, boolean loseGateway,
                  boolean loseSquid) {
        int gw = random.nextInt(2);
        String podIp = "10.1.0." + pod;
        int appPort = nextPort();
        int sidecarPort = nextPort();
        int gwPort = nextPort();
        long gwStart = at + 1;
        String s = loseSidecar ? null : add(sidecar(pod, podIp, at, dur, up, down, sidecarPort, appPort, false));
        String peer = snat ? SNAT_NODE + ":" + nextPort() : podIp + ":" + sidecarPort;
        long meta = 718;
        String g = loseGateway ? null : add(gateway(gw, gwStart + gatewaySkewMs[gw], Math.max(0, dur - 2), up + meta, down + 798, gwPort,
                peer, false));
        long qStart = gwStart + 1 + random.nextInt(latencyMs);
        String q = loseSquid ? null : add(squidLine(qStart, Math.max(0, dur - 5), result.startsWith("TCP_DENIED") ? 3428
                : result.contains("503") ? 0 : down, GATEWAY_NODES[gw], -1, result, status));
        String name = q == null ? "partial" : status == 403 ? "denied" : status >= 500 ? "upstream_failed"
                : s != null && g != null ? "complete" : "partial";
        if (g == null && q != null) {
            // the gateway line is lost: Squid's line stands alone, the sidecar's too
            expect(s == null ? null : "partial", s, null, null);
            expect(status == 403 ? "denied" : status >= 500 ? "upstream_failed" : "non_mesh", null, null, q);
            return q;
        }
        expect(name, s, g, q);
        return q;
    }

    String complete(int pod, long at, long dur, long up, long down) {
        return tunnel(pod, at, dur, up, down, "TCP_TUNNEL/200", 200, false, false, false);
    }

    void denied(int pod, long at) {
        tunnel(pod, at, 1 + random.nextInt(4), 115, 3428, "TCP_DENIED/403", 403, false, false, false);
    }

    /** A sidecar the gateway refused (UF): with or without the local address of the socket it opened. */
    void sidecarFailed(int pod, long at, boolean withLocal) {
        String podIp = "10.1.0." + pod;
        EnvoyHop h = sidecar(pod, podIp, at, 1, 0, 0, withLocal ? nextPort() : -1, nextPort(), true);
        expect("sidecar_failed", add(h), null, null);
    }

    /** A gateway that could not reach Squid. */
    void gatewayFailed(int pod, long at) {
        int gw = random.nextInt(2);
        String podIp = "10.1.0." + pod;
        int sidecarPort = nextPort();
        String s = add(sidecar(pod, podIp, at, 3, 300, 0, sidecarPort, nextPort(), false));
        String g = add(gateway(gw, at + 1 + gatewaySkewMs[gw], 1, 300 + 718, 0, -1, podIp + ":" + sidecarPort, true));
        expect("gateway_failed", s, g, null);
    }

    /** A sidecar that dials the proxy itself. */
    void bypass(int pod, long at, long dur, long down) {
        String podIp = "10.1.0." + pod;
        int sidecarPort = nextPort();
        EnvoyHop h = new EnvoyHop(nextId(pod), pod, pod, EnvoyHop.HINT_SIDECAR, false, null, at, dur, 500, down, false, false,
                key(podIp + ":" + sidecarPort), key(podIp), sidecarPort, key(podIp + ":" + nextPort()), key(podIp), key(PROXY),
                key(PROXY), true);
        String s = add(h);
        String q = add(squidLine(at + 1 + random.nextInt(latencyMs), dur, down, podIp, -1, "TCP_TUNNEL/200", 200));
        expect("bypass", s, null, q);
    }

    /** A client outside the mesh. */
    void nonMesh(long at, long dur, long bytes) {
        expect("non_mesh", null, null, add(squidLine(at, dur, bytes, "10.5.0.9", -1, "TCP_TUNNEL/200", 200)));
    }

    private EnvoyHop sidecar(int pod, String podIp, long at, long dur, long up, long down, int sidecarPort, int appPort, boolean failed) {
        String gwService = GATEWAY_IPS[0] + ":7777";
        return new EnvoyHop(nextId(pod), pod, pod, EnvoyHop.HINT_SIDECAR, false, null, at, dur, up, down, failed, true,
                sidecarPort < 0 ? 0 : key(podIp + ":" + sidecarPort), sidecarPort < 0 ? 0 : key(podIp), sidecarPort,
                key(podIp + ":" + appPort), key(podIp), key(PROXY), key(gwService), false);
    }

    private EnvoyHop gateway(int gw, long at, long dur, long up, long down, int gwPort, String peer, boolean failed) {
        String ip = GATEWAY_IPS[gw];
        String peerIp = peer.substring(0, peer.lastIndexOf(':'));
        return new EnvoyHop(nextId(50 + gw), 50 + gw, 50 + gw, EnvoyHop.HINT_GATEWAY, false, null, at, dur, up, down, failed, false,
                gwPort < 0 ? 0 : key(ip + ":" + gwPort), gwPort < 0 ? 0 : key(ip), gwPort, key(peer), key(peerIp), key(ip + ":7777"),
                key(PROXY), true);
    }

    /** A Squid line whose start is {@code meshStart} on the mesh's clock. */
    private SquidHop squidLine(long meshStart, long elapsed, long bytes, String client, int clientPort, String result, int status) {
        long own = meshStart + squidOffsetMs + Math.round((meshStart - t0) * driftPpm / 1e6);
        return new SquidHop(nextId(SQUID), SQUID, own, elapsed, bytes, key(client), clientPort, result.startsWith("TCP_DENIED"),
                status >= 500, status);
    }

    private long nextId(int source) {
        long line = lines.merge(source, 1L, Long::sum);
        return id(source, line);
    }

    private int nextPort() {
        return port++;
    }

    private String add(EnvoyHop h) {
        envoy.add(h);
        String name = (h.forcedRole() == null && h.emitter() >= 50 && h.emitter() < 52 ? "g" : "s") + names0++;
        names.put(h.id(), name);
        return name;
    }

    private String add(SquidHop q) {
        squid.add(q);
        String name = "q" + names0++;
        names.put(q.id(), name);
        return name;
    }

    private void expect(String status, String s, String g, String q) {
        if (status != null) {
            expected.add(status + " " + (s == null ? "-" : s) + " " + (g == null ? "-" : g) + " " + (q == null ? "-" : q));
        }
    }

    /** The engine's rows of these lines, written as the expected ones are. */
    Set<String> rows(JoinSettings settings) {
        Set<String> rows = new TreeSet<>();
        List<Tunnel> tunnels = new ArrayList<>();
        Engine.Result result = Engine.correlate(envoy, squid, settings, tunnels::add);
        for (Tunnel t : tunnels) {
            rows.add(t.status().label() + " " + name(t.sidecar()) + " " + name(t.gateway()) + " " + name(t.squid()));
        }
        if (result.linesInNoRow() != 0) {
            rows.add("invariant broken: " + result.linesInNoRow() + " lines in no row");
        }
        Map<Long, Integer> seen = new HashMap<>();
        for (Tunnel t : tunnels) {
            for (long id : new long[]{t.sidecar(), t.gateway(), t.squid()}) {
                if (id >= 0 && seen.merge(id, 1, Integer::sum) > 1) {
                    rows.add("line in two rows: " + names.get(id));
                }
            }
        }
        return rows;
    }

    Set<String> rows() {
        return rows(JoinSettings.defaults());
    }

    private String name(long id) {
        return id < 0 ? "-" : names.get(id);
    }
}
