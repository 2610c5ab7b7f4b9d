package dev.egresslog.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The --db option every command that uses the database shares. */
final class DatabaseOption {
    @Option(names = "--db", paramLabel = "FILE", defaultValue = "egresslog.duckdb",
            description = "The database file (default: ${DEFAULT-VALUE}).")
    Path db;
}
