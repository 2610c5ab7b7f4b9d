package dev.egresslog.cli.sim;

/**
 * The mesh a simulation writes logs for, and the traps it sets (shared/DOMAIN.md §4).
 *
 * @param tunnels         tunnels to generate (plus non-tunnel lines on the sidecars)
 * @param ratePerSecond   tunnel arrivals per second; with the durations this sets the concurrency
 * @param pods            client pods with sidecars
 * @param nodes           nodes the pods run on
 * @param maxSkewSeconds  each Squid's clock offset is drawn from ±this
 * @param driftMsPerHour  each Squid's clock drifts by up to this much per hour
 * @param lossRate        probability that any one line is lost
 * @param seed            random seed: the same seed writes the same files
 */
public record SimulationConfig(int tunnels, double ratePerSecond, int pods, int nodes, double maxSkewSeconds,
                               double driftMsPerHour, double lossRate, long seed) {
    public static final SimulationConfig SMALL = new SimulationConfig(2_000, 50, 40, 4, 90, 40, 0.005, 42);

    public SimulationConfig {
        if (tunnels < 1 || ratePerSecond <= 0 || pods < 8 || nodes < 4 || lossRate < 0 || lossRate > 0.5) {
            throw new IllegalArgumentException("tunnels >= 1, rate > 0, pods >= 8, nodes >= 4, 0 <= loss <= 0.5");
        }
    }
}
