package dev.egresslog.cli.store;

import dev.egresslog.parser.RecordColumns;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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

    /** The columns of a log table: provenance, origin, the record's own columns, and raw when {@code withRaw}. */
    static List<StagedTable.Column> logColumns(List<? extends RecordColumns<?>> record, boolean withRaw) {
        List<StagedTable.Column> columns = new ArrayList<>();
        columns.add(new StagedTable.Column("source_id", "INTEGER"));
        for (RecordColumns<?> c : RecordColumns.ORIGIN) {
            columns.add(new StagedTable.Column(c.name(), sqlType(c.type())));
        }
        for (RecordColumns<?> c : record) {
            columns.add(new StagedTable.Column(c.name(), sqlType(c.type())));
        }
        if (withRaw) {
            columns.add(new StagedTable.Column("raw", "VARCHAR"));
        }
        return columns;
    }

    static final List<StagedTable.Column> ENVOY_LOG = logColumns(RecordColumns.ENVOY, true);
    static final List<StagedTable.Column> SQUID_LOG = logColumns(RecordColumns.SQUID, true);
    static final List<StagedTable.Column> REJECTS = logColumns(RecordColumns.REJECT, false);

    private static final Set<String> REQUIRED = Set.of("source_id", "source", "line");

    private static String createTable(String name, List<StagedTable.Column> columns, boolean textKept) {
        return "CREATE TABLE IF NOT EXISTS " + name + " (\n" + columns.stream()
                .map(c -> "    \"" + c.name() + "\" " + c.type() + (REQUIRED.contains(c.name()) ? " NOT NULL" : "")
                        + (c.name().equals("raw") && textKept ? " USING COMPRESSION " + RAW_COMPRESSION : ""))
                .collect(Collectors.joining(",\n")) + ")";
    }

    /**
     * How the lines' text is compressed when the command that makes the database keeps it.
     * Measured on the 1 M-tunnel set (2.93 M lines, 608 MB): `trace --keep-raw` 23.8 / 24.9 s and
     * a 273 MB file with zstd, 24.9 / 25.9 s and 389 MB with DuckDB's own choice (dictionary and
     * FSST); `stream` on the same lines as fast either way, 372-403 MB against 489-520 MB; a LIKE
     * over every line's text 0.19-0.22 s against 0.17-0.23 s. A column of NULLs (trace without
     * --keep-raw) forced to zstd took a block per row group: 13 MB more of a 180 MB file, so
     * it is left to DuckDB then. Forcing zstd on every text column made that file 564 MB.
     */
    private static final String RAW_COMPRESSION = "zstd";

    /** Columns added to {@code sources} after databases were first written: added where missing, NULL in old rows. */
    static final List<String> ADDED_SOURCE_COLUMNS = List.of("absolute_path VARCHAR", "last_line_open BOOLEAN", "error VARCHAR");

    /** The schema's statements; {@code textKept}: see {@link Store#open(java.nio.file.Path, String, java.io.PrintWriter, boolean)}. */
    static List<String> ddl(boolean textKept) {
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
                    added_at TIMESTAMP,
                    -- when all its lines were stored; NULL while it is read, and after a run that failed
                    finished_at TIMESTAMP,
                    absolute_path VARCHAR,
                    last_line_open BOOLEAN,
                    error VARCHAR)""",
                createTable("envoy_log", ENVOY_LOG, textKept),
                createTable("squid_log", SQUID_LOG, textKept),
                createTable("rejects", REJECTS, textKept),
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
                CREATE TABLE IF NOT EXISTS late_lines (end_ms BIGINT NOT NULL, spread_ms BIGINT NOT NULL)""",
                // stream: the engine's slice that decided each row (a late line remakes the rows decided after its slice)
                """
                CREATE TABLE IF NOT EXISTS tunnel_slices (tunnel_id VARCHAR NOT NULL, slice_ms BIGINT NOT NULL)""",
                // trace --pods: which pod held which IP from when, from pod listings
                """
                CREATE TABLE IF NOT EXISTS pods (
                    source_id INTEGER NOT NULL,
                    namespace VARCHAR,
                    pod VARCHAR NOT NULL,
                    uid VARCHAR,
                    node VARCHAR,
                    app VARCHAR,
                    ip VARCHAR NOT NULL,
                    started_at TIMESTAMP NOT NULL)""");
    }
}
