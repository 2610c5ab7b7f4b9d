package dev.egresslog.correlator.engine;

/**
 * One Envoy TCP line as the engine sees it: numbers only. Addresses are 64-bit keys (a hash of
 * their text, 0 when absent) that the engine compares for equality and never reads.
 *
 * @param id                 the line's id (source * 2^40 + line), unique across the input
 * @param source             the file or topic partition the line came from
 * @param emitter            the pod (or file) that wrote it: roles are decided per emitter
 * @param hint               what the line's own addresses say of its writer: {@link #HINT_SIDECAR}, {@link #HINT_GATEWAY} or 0
 * @param namedGateway       the emitter's name says egress gateway
 * @param forcedRole         the user's role for the source, or null
 * @param start              start, epoch ms of the writer's clock
 * @param duration           ms
 * @param up                 bytes received from the client
 * @param down               bytes sent to the client
 * @param connectFailed      a response flag says the hop could not reach its upstream
 * @param toGateway          its upstream cluster names an egress gateway
 * @param upstreamLocal      ip:port of its own upstream socket
 * @param upstreamLocalIp    ip of its own upstream socket
 * @param upstreamLocalPort  port of its own upstream socket, -1 when absent
 * @param downstreamRemote   ip:port of its client
 * @param downstreamRemoteIp ip of its client
 * @param downstreamLocal    ip:port its client dialled
 * @param upstreamHost       ip:port it dialled (0 when absent or an internal listener)
 * @param proxyPort          the port it dialled is one forward proxies listen on
 */
public record EnvoyHop(long id, int source, int emitter, int hint, boolean namedGateway, Role forcedRole,
                       long start, long duration, long up, long down, boolean connectFailed, boolean toGateway,
                       long upstreamLocal, long upstreamLocalIp, int upstreamLocalPort,
                       long downstreamRemote, long downstreamRemoteIp, long downstreamLocal,
                       long upstreamHost, boolean proxyPort) {
    public static final int HINT_SIDECAR = 1;
    public static final int HINT_GATEWAY = 2;

    /**
     * A hash of what the line says (not of where it was read): the same for the same line in a
     * file and in a Kafka topic, so that ties fall alike in {@code trace} and {@code stream}.
     */
    public long content() {
        long h = SquidLearner.mix(start);
        h = SquidLearner.mix(h ^ duration);
        h = SquidLearner.mix(h ^ up);
        h = SquidLearner.mix(h ^ down);
        h = SquidLearner.mix(h ^ upstreamLocal);
        h = SquidLearner.mix(h ^ downstreamRemote);
        h = SquidLearner.mix(h ^ downstreamLocal);
        return SquidLearner.mix(h ^ upstreamHost);
    }
}
