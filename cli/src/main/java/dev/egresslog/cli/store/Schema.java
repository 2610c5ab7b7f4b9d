package dev.egresslog.cli.store;

import dev.egresslog.parser.RecordColumns;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The database schema: the users' interface, documented in README.md. Log tables take their
 * columns from {@link RecordColumns}, so `parse` output and the database use the same names.
 */
public final class Schema {
    /** Bumped when a table changes incompatibly; a file with another version is refused. */
    public static final int VERSION = 1;

    private Schema() {
    }

    /**
     * Lists (response flags) are stored comma-separated and maps (extras) as JSON text: DuckDB's
     * Appender writes nested types at a third of the speed, and both read well in SQL
     * ({@code string_split(response_flags, ',')}, {@code extras->>'field_23'}).
     */
    static String sqlType(String type) {
        return switch (type) {
            case "MAP", "VARCHAR[]" -> "VARCHAR";
            default -> type;
        };
    }

    private static String columns(List<? extends RecordColumns<?>> columns) {
        return columns.stream().map(c -> "    \"" + c.name() + "\" " + sqlType(c.type())).collect(Collectors.joining(",\n"));
    }

    /** Origin columns except source and line, which every log table has first. */
    private static String originColumns() {
        return columns(RecordColumns.ORIGIN.stream().filter(c -> !c.name().equals("source") && !c.name().equals("line")).toList());
    }

    static List<String> ddl() {
        return List.of(
                """
                CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
                """
                CREATE TABLE IF NOT EXISTS sources (
                    source_id INTEGER PRIMARY KEY,
                    path VARCHAR NOT NULL,
                    fingerprint VARCHAR NOT NULL,
                    head_hash VARCHAR NOT NULL,
                    bytes BIGINT,
                    lines BIGINT,
                    records BIGINT,
                    rejects BIGINT,
                    kind VARCHAR,
                    forced_role VARCHAR,
                    role VARCHAR,
                    proxy_address VARCHAR,
                    clock_offset_ms BIGINT,
                    added_at TIMESTAMP)""",
                "CREATE TABLE IF NOT EXISTS envoy_log (\n    source_id INTEGER NOT NULL,\n    source VARCHAR NOT NULL,\n"
                        + "    line BIGINT NOT NULL,\n" + originColumns() + ",\n" + columns(RecordColumns.ENVOY) + ",\n    raw VARCHAR)",
                "CREATE TABLE IF NOT EXISTS squid_log (\n    source_id INTEGER NOT NULL,\n    source VARCHAR NOT NULL,\n"
                        + "    line BIGINT NOT NULL,\n" + originColumns() + ",\n" + columns(RecordColumns.SQUID) + ",\n    raw VARCHAR)",
                "CREATE TABLE IF NOT EXISTS rejects (\n    source_id INTEGER NOT NULL,\n    source VARCHAR NOT NULL,\n"
                        + "    line BIGINT NOT NULL,\n" + originColumns() + ",\n" + columns(RecordColumns.REJECT) + ")",
                // stream: the next offset of each partition, written in the transaction of its records
                """
                CREATE TABLE IF NOT EXISTS kafka_offsets (
                    topic VARCHAR NOT NULL,
                    "partition" INTEGER NOT NULL,
                    next_offset BIGINT NOT NULL,
                    committed_at TIMESTAMP,
                    PRIMARY KEY (topic, "partition"))""",
                // stream: what the last correlation pass made final, and lines that came after that
                """
                CREATE TABLE IF NOT EXISTS stream_state (key VARCHAR PRIMARY KEY, value BIGINT)""",
                """
                CREATE TABLE IF NOT EXISTS late_lines (end_ms BIGINT NOT NULL, spread_ms BIGINT NOT NULL)""");
    }
}
