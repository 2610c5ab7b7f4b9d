package dev.egresslog.cli;

import dev.egresslog.cli.bench.BenchCommand;
import picocli.CommandLine.Command;

@Command(
        name = "egresslog",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Correlates Istio sidecar, egress gateway and Squid access logs into end-to-end tunnels.",
        subcommands = {ParseCommand.class, TraceCommand.class, QueryCommand.class, ExplainCommand.class, ReportCommand.class,
                StreamCommand.class, SimulateCommand.class, BenchCommand.class})
final class EgressLog {
}
