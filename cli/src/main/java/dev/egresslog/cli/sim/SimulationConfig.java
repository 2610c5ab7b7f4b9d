package dev.egresslog.cli.sim;

/**
 * The mesh a simulation writes logs for, and the traps it sets (shared/DOMAIN.md §4).
 *
 * @param tunnels         tunnels to generate (plus non-tunnel lines on the sidecars)
 * @param ratePerSecond   tunnel arrivals per second; with the durations this sets the concurrency
 * @param pods            client pods with sidecars
 * @param nodes           nodes the pods run on
 * @param maxSkewSeconds  each Squid's clock offset is drawn from ±this
 * @param driftMsPerHour  each Squid's clock drifts by up to this much per hour (3,600 = 1,000 ppm)
 * @param lossRate        probability that any one line is lost
 * @param seed            random seed: the same seed writes the same files
 * @param gatewaySkewMs   each gateway node's clock is off from the sidecars' nodes by up to ±this
 * @param burstShare      share of tunnels that come in bursts: one pod retrying one host 50 to 300
 *                        times within one or two seconds, with identical byte counts (mostly denied)
 * @param ufWithLocalShare share of failed sidecar connections (UF) whose line still carries an
 *                        upstream_local_address, as Envoy writes when the socket was opened
 * @param proxyJitterMs   a Squid line starts 1 to this many ms after its gateway's: the spread that no clock
 *                        correction removes, and what makes two identical connections indistinguishable
 * @param nodeLogPaths    Envoy logs laid out as copied off the nodes (/var/log/pods/NS_POD_UID/istio-proxy/0.log
 *                        and /var/log/containers/POD_NS_istio-proxy-ID.log, CRI lines) instead of one file a pod
 */
public record SimulationConfig(int tunnels, double ratePerSecond, int pods, int nodes, double maxSkewSeconds,
                               double driftMsPerHour, double lossRate, long seed, long gatewaySkewMs, double burstShare,
                               double ufWithLocalShare, int proxyJitterMs, boolean nodeLogPaths) {
    /** Squid's start lags its gateway's by 1-25 ms unless told otherwise. */
    public static final int PROXY_JITTER_MS = 25;
    public static final SimulationConfig SMALL = new SimulationConfig(2_000, 50, 40, 4, 90, 40, 0.005, 42);

    /** A mesh with the classic traps only (no gateway clock skew, no bursts, failed connections without a local address). */
    public SimulationConfig(int tunnels, double ratePerSecond, int pods, int nodes, double maxSkewSeconds,
                            double driftMsPerHour, double lossRate, long seed) {
        this(tunnels, ratePerSecond, pods, nodes, maxSkewSeconds, driftMsPerHour, lossRate, seed, 0, 0, 0, PROXY_JITTER_MS, false);
    }

    /** A mesh with the default spread between gateway and Squid. */
    public SimulationConfig(int tunnels, double ratePerSecond, int pods, int nodes, double maxSkewSeconds,
                            double driftMsPerHour, double lossRate, long seed, long gatewaySkewMs, double burstShare,
                            double ufWithLocalShare, boolean nodeLogPaths) {
        this(tunnels, ratePerSecond, pods, nodes, maxSkewSeconds, driftMsPerHour, lossRate, seed, gatewaySkewMs, burstShare,
                ufWithLocalShare, PROXY_JITTER_MS, nodeLogPaths);
    }

    public SimulationConfig {
        if (tunnels < 1 || ratePerSecond <= 0 || pods < 8 || nodes < 4 || lossRate < 0 || lossRate > 0.5) {
            throw new IllegalArgumentException("tunnels >= 1, rate > 0, pods >= 8, nodes >= 4, 0 <= loss <= 0.5");
        }
        if (gatewaySkewMs < 0 || burstShare < 0 || burstShare > 0.9 || ufWithLocalShare < 0 || ufWithLocalShare > 1 || driftMsPerHour < 0
                || proxyJitterMs < 1) {
            throw new IllegalArgumentException("gateway skew >= 0, 0 <= burst share <= 0.9, 0 <= UF share <= 1, drift >= 0, proxy jitter >= 1");
        }
    }
}
