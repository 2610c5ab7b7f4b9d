package dev.egresslog.cli;

import dev.egresslog.cli.store.Store;
import dev.egresslog.correlator.CorrelatorOptions;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The join and database options `trace` and `stream` share. */
final class CorrelationOptions {
    @Option(names = "--proxy", paramLabel = "HOST:PORT",
            description = "A Squid proxy address, added to the ones learned from the data. Repeatable.")
    List<String> proxies = new ArrayList<>();

    @Option(names = "--max-skew", paramLabel = "SECONDS", defaultValue = "900",
            description = "Largest Squid clock offset searched for, either way (default: ${DEFAULT-VALUE}).")
    long maxSkewSeconds;

    @Option(names = "--memory-limit", paramLabel = "SIZE", defaultValue = "448MB",
            description = "DuckDB's memory limit; larger sorts and joins spill to disk (default: ${DEFAULT-VALUE}).")
    String memoryLimit;

    /**
     * The one line for a database error; DuckDB running out of memory also says how to go on
     * (the same command with a larger limit: inputs not stored whole are read again, the rest kept).
     */
    String databaseError(java.sql.SQLException e) {
        String line = Store.firstLine(e);
        return line.contains("Out of Memory")
                ? "database error: " + line + " (run again with a larger --memory-limit than " + memoryLimit + ")"
                : "database error: " + line;
    }

    /** @param squidProxies "SQUID_FILE=HOST:PORT" overrides (trace only) */
    CorrelatorOptions toCorrelatorOptions(List<String> squidProxies) {
        try {
            return new CorrelatorOptions(maxSkewSeconds * 1000, CorrelatorOptions.DEFAULT.proxyWindowMs(),
                    CorrelatorOptions.DEFAULT.meshWindowMs(), proxies, squidProxies);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }
}
