package dev.egresslog.correlator.engine;

/**
 * One Squid line as the engine sees it.
 *
 * @param id         the line's id (source * 2^40 + line)
 * @param source     the Squid log it came from: each has a clock of its own
 * @param start      start, epoch ms of the Squid's clock (end less elapsed)
 * @param elapsed    ms
 * @param bytes      bytes sent to the client
 * @param clientIp   key of the client address Squid saw (0 when absent)
 * @param clientPort the client port when the logformat has %>p, else -1
 * @param denied     TCP_DENIED
 * @param failed     Squid could not reach the target (5xx or ERR_)
 * @param httpStatus 0 when absent
 */
public record SquidHop(long id, int source, long start, long elapsed, long bytes, long clientIp, int clientPort,
                       boolean denied, boolean failed, int httpStatus) {
    /**
     * A hash of what the line says (not of where it was read): the same for the same line in a
     * file and in a Kafka topic, so that ties and samples fall alike in {@code trace} and {@code stream}.
     */
    public long content() {
        long h = SquidLearner.mix(start);
        h = SquidLearner.mix(h ^ elapsed);
        h = SquidLearner.mix(h ^ bytes);
        h = SquidLearner.mix(h ^ clientIp);
        return SquidLearner.mix(h ^ ((long) clientPort << 16 ^ httpStatus));
    }
}
