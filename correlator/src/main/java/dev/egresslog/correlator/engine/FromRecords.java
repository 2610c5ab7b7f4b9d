package dev.egresslog.correlator.engine;

import dev.egresslog.parser.ClusterName;
import dev.egresslog.parser.Endpoint;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.SquidRecord;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The engine's lines from parsed records, for callers that hold records rather than a database
 * (the correlator's own tests; a database gives the same numbers from its columns). Address keys
 * are a 64-bit hash of the address's text: only their equality matters.
 */
public final class FromRecords {
    /** Response flags meaning the hop could not reach its upstream. */
    public static final Set<String> CONNECT_FAILURE_FLAGS = Set.of("UF", "UH", "URX", "UO", "NC", "NR", "UPE");
    /** Ports a forward proxy listens on, for recognising a sidecar that dials a proxy directly. */
    public static final Set<Integer> PROXY_PORTS = Set.of(3128, 3129, 8080, 8118, 8888, 8000, 8081);

    private FromRecords() {
    }

    /**
     * The engine's line for an Envoy record, or null when it can be no hop of a tunnel (HTTP, TLS
     * with a server name, inbound, no start or duration).
     *
     * @param emitter     the number the caller gives the record's pod (or file, when it names no pod)
     * @param emitterName that pod's (or file's) name: one with "egress" and "gateway" in it is a gateway
     */
    public static EnvoyHop envoy(EnvoyRecord r, int source, int emitter, String emitterName, Role forcedRole) {
        ClusterName cluster = r.upstreamCluster();
        boolean inbound = cluster != null && ((cluster.direction() != null && cluster.direction().startsWith("inbound"))
                || cluster.raw().startsWith("Inbound"));
        if (!r.isTcp() || r.startTime() < 0 || r.duration() < 0 || r.requestedServerName() != null || inbound) {
            return null;
        }
        Endpoint ula = r.upstreamLocalAddress();
        Endpoint dra = r.downstreamRemoteAddress();
        Endpoint dla = r.downstreamLocalAddress();
        Endpoint uh = r.upstreamHost();
        String ulaIp = host(ula);
        String draIp = host(dra);
        String dlaIp = host(dla);
        boolean clusterToGateway = cluster != null && cluster.host() != null && namesGateway(cluster.host());
        int hint;
        if (ulaIp != null && ulaIp.equals(draIp) && !Objects.equals(dlaIp, ulaIp)) {
            hint = EnvoyHop.HINT_SIDECAR;
        } else if (ulaIp != null && ulaIp.equals(dlaIp) && !Objects.equals(draIp, ulaIp)) {
            hint = EnvoyHop.HINT_GATEWAY;
        } else {
            hint = clusterToGateway ? EnvoyHop.HINT_SIDECAR : 0;
        }
        boolean failed = r.responseFlags().stream().anyMatch(CONNECT_FAILURE_FLAGS::contains);
        boolean internal = uh != null && uh.raw().startsWith("envoy://");
        return new EnvoyHop(id(source, r.origin().line()), source, emitter, hint, namesGateway(emitterName), forcedRole,
                r.startTime(), r.duration(), Math.max(0, r.bytesReceived()), Math.max(0, r.bytesSent()), failed, clusterToGateway,
                key(ula == null ? null : ula.raw()), key(ulaIp), ula == null || ula.port() < 0 ? -1 : ula.port(),
                key(dra == null ? null : dra.raw()), key(draIp), key(dla == null ? null : dla.raw()),
                internal || uh == null ? 0 : key(uh.raw()), uh != null && PROXY_PORTS.contains(uh.port()));
    }

    /** The engine's line for a Squid record, or null when it has no end time. */
    public static SquidHop squid(SquidRecord r, int source) {
        if (r.endTime() < 0) {
            return null;
        }
        long elapsed = Math.max(0, r.elapsed());
        String result = r.resultCode() == null ? "" : r.resultCode();
        return new SquidHop(id(source, r.origin().line()), source, r.endTime() - elapsed, elapsed, Math.max(0, r.bytes()),
                key(host(r.client())), r.client() == null || r.client().port() < 0 ? -1 : r.client().port(),
                result.startsWith("TCP_DENIED"), r.httpStatus() >= 500 || result.startsWith("ERR"), Math.max(0, r.httpStatus()));
    }

    /** A line's id: source * 2^40 + line, unique across sources. */
    public static long id(int source, long line) {
        return ((long) source << 40) + line;
    }

    /** A 64-bit key of an address's text (FNV-1a, mixed), 0 for none. */
    public static long key(String text) {
        if (text == null) {
            return 0;
        }
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= 0x100000001b3L;
        }
        h = SquidLearner.mix(h);
        return h == 0 ? 1 : h;
    }

    private static boolean namesGateway(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        int egress = lower.indexOf("egress");
        return egress >= 0 && lower.indexOf("gateway", egress) >= 0;
    }

    private static String host(Endpoint e) {
        return e == null ? null : e.host();
    }
}
