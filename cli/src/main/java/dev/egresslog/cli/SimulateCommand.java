package dev.egresslog.cli;

import dev.egresslog.cli.sim.MeshSimulator;
import dev.egresslog.cli.sim.SimulationConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Writes realistic sidecar, egress gateway and Squid logs of a simulated mesh, with every trap "
                + "of correlation into DIR/logs, and DIR/truth.jsonl: which lines belong to which tunnel.")
public final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write into.")
    Path out;

    @Mixin
    SimulationOptions simulation;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        SimulationConfig config = simulation.config();
        MeshSimulator.Summary summary = MeshSimulator.run(config, out);
        o.printf("wrote %,d lines (%,d lost on purpose) for %,d tunnels into %s, and the truth into %s%n", summary.lines(),
                summary.lostLines(), summary.tunnels(), out.resolve("logs"), out.resolve("truth.jsonl"));
        new TreeMap<>(summary.byStatus()).forEach((k, v) -> o.printf("  %-16s %,9d%n", k, v));
        o.flush();
        return ExitCodes.OK;
    }

    /** Options shared by simulate and bench trace. */
    public static final class SimulationOptions {
        @Option(names = "--tunnels", paramLabel = "N", defaultValue = "2000", description = "Tunnels (default: ${DEFAULT-VALUE}).")
        int tunnels;

        @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "50",
                description = "Tunnel arrivals per second (default: ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--pods", paramLabel = "N", defaultValue = "40", description = "Client pods (default: ${DEFAULT-VALUE}).")
        int pods;

        @Option(names = "--skew", paramLabel = "SECONDS", defaultValue = "90",
                description = "Squid clocks are off by up to this, either way (default: ${DEFAULT-VALUE}).")
        public double skew;

        @Option(names = "--loss", paramLabel = "FRACTION", defaultValue = "0.005",
                description = "Share of lines lost (default: ${DEFAULT-VALUE}).")
        public double loss;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--drift-ppm", paramLabel = "PPM",
                description = "Squid clocks drift by up to this many parts per million, either way; 1000 is 3.6 s an hour "
                        + "(default: 11, i.e. 40 ms an hour).")
        Double driftPpm;

        @Option(names = "--gateway-skew-ms", paramLabel = "MS", defaultValue = "0",
                description = "Gateway nodes' clocks are off from the sidecars' nodes by up to this, either way (default: ${DEFAULT-VALUE}).")
        long gatewaySkewMs;

        @Option(names = "--burst-share", paramLabel = "FRACTION", defaultValue = "0",
                description = "Share of tunnels that come in bursts of 50-300 identical connections within 1-2 s, mostly "
                        + "denied (default: ${DEFAULT-VALUE}).")
        double burstShare;

        @Option(names = "--uf-local-share", paramLabel = "FRACTION", defaultValue = "0",
                description = "Share of failed sidecar connections (UF) whose line carries an upstream_local_address "
                        + "(default: ${DEFAULT-VALUE}).")
        double ufLocalShare;

        @Option(names = "--proxy-jitter-ms", paramLabel = "MS", defaultValue = "25",
                description = "A Squid line starts 1 to this many ms after its gateway's: the spread no clock correction "
                        + "removes (default: ${DEFAULT-VALUE}).")
        int proxyJitterMs;

        @Option(names = "--node-layout",
                description = "Lay the Envoy logs out as copied off the nodes: /var/log/pods/NS_POD_UID/istio-proxy/0.log and "
                        + "/var/log/containers/POD_NS_istio-proxy-ID.log, CRI lines, under node-N/ folders.")
        boolean nodeLayout;

        @Option(names = "--storm",
                description = "Every trap at the strength of issue 11: --drift-ppm 1000 --gateway-skew-ms 300 --burst-share 0.15 "
                        + "--uf-local-share 0.5 (each can still be set).")
        boolean storm;

        public SimulationConfig config() {
            try {
                double driftMsPerHour = driftPpm != null ? driftPpm * 3.6 : storm ? 3600 : 40;
                if (storm) {
                    gatewaySkewMs = gatewaySkewMs == 0 ? 300 : gatewaySkewMs;
                    burstShare = burstShare == 0 ? 0.15 : burstShare;
                    ufLocalShare = ufLocalShare == 0 ? 0.5 : ufLocalShare;
                }
                return new SimulationConfig(tunnels, rate, pods, 4, skew, driftMsPerHour, loss, seed, gatewaySkewMs, burstShare,
                        ufLocalShare, proxyJitterMs, nodeLayout);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }
    }
}
