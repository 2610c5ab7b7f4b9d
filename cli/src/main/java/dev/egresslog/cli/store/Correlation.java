package dev.egresslog.cli.store;

import dev.egresslog.correlator.CorrelatorOptions;
import dev.egresslog.correlator.engine.ClockModel;
import dev.egresslog.correlator.engine.Engine;
import dev.egresslog.correlator.engine.EnvoyHop;
import dev.egresslog.correlator.engine.FromRecords;
import dev.egresslog.correlator.engine.JoinSettings;
import dev.egresslog.correlator.engine.Learning;
import dev.egresslog.correlator.engine.Link;
import dev.egresslog.correlator.engine.Role;
import dev.egresslog.correlator.engine.Roles;
import dev.egresslog.correlator.engine.SquidHop;
import dev.egresslog.correlator.engine.Status;
import dev.egresslog.correlator.engine.Tunnel;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * A correlation over the log tables of an egresslog database: reads the Envoy TCP lines and Squid
 * lines (of a stream pass's window, or all of them) as numbers, lets the {@link Engine} join them,
 * and writes its rows into {@code tunnels} with the columns the lines hold, with the views and
 * what the engine learned of each source, in one transaction. Addresses reach the engine as
 * 64-bit keys (DuckDB's hash of their text): reading numbers is ten times faster than strings.
 */
public final class Correlation {
    /** Hop ids: source_id * 2^40 + line, unique across the database. */
    static final String HID = "1099511627776";
    /** A row's id: of its lines' ids (a line is in one row). */
    private static final String TUNNEL_ID = """
            substr(md5(concat_ws('|', coalesce(r.s_src::BIGINT * %1$s + r.s_line, 0), coalesce(r.g_src::BIGINT * %1$s + r.g_line, 0),
                                      coalesce(r.q_src::BIGINT * %1$s + r.q_line, 0))), 1, 16)""".formatted(HID);

    /** The engine's connect-failure flags, as an SQL list: the database gives it the numbers {@link FromRecords} gives from records. */
    static final String CONNECT_FAILURE_FLAGS = sqlList(FromRecords.CONNECT_FAILURE_FLAGS.stream().sorted().toList());
    /** The engine's forward-proxy ports, as an SQL tuple. */
    static final String PROXY_PORTS = FromRecords.PROXY_PORTS.stream().sorted().map(String::valueOf)
            .collect(java.util.stream.Collectors.joining(", ", "(", ")"));

    private final Connection connection;
    private final CorrelatorOptions options;
    private final Consumer<String> progress;
    /** The lines a streaming pass looks at, or null to rebuild everything. */
    private Window window;
    /** The database file's catalog name: its tables are named through it while work tables come first in the search path. */
    private String catalog;

    /**
     * What one pass of a stream looks at: the lines that ended since {@code horizonMs} (mesh
     * time) and those around late arrivals, less the lines of final rows. Rows that end before
     * the boundary {@code finalBefore} gives become final: later passes leave them alone, unless
     * a late line arrives near them.
     *
     * <p>The engine decides the lines slice by slice; a pass keeps (makes final) the rows of the
     * slices whose lines have all arrived, and the next pass starts at the slice after them with
     * every line not in a final row: the rows are then those that trace makes of the same lines.
     *
     * @param horizonMs     lines that ended before this (mesh time) are not looked at again, unless
     *                      they are in no final row and after the slice a pass resumes at
     * @param finalBefore   where rows stop being final (once their slice is complete), given the
     *                      clock offsets of the Squids the pass learned: asked once the clocks are
     *                      learned, so that a Squid whose offset this very pass found is placed
     * @param lateRanges    [from, to] ranges of epoch ms around lines that arrived after their time was final
     * @param resumeSliceMs the slice the last pass stopped keeping rows at, or Long.MIN_VALUE
     * @param learning      what the stream's passes learned so far, which this pass feeds the lines
     *                      that ended before the horizon and learns from (with its newer lines)
     */
    public record Window(long horizonMs, FinalBoundary finalBefore, List<long[]> lateRanges, long resumeSliceMs, KeptLearning learning) {
        public Window {
            lateRanges = List.copyOf(lateRanges);
        }

        /** The earliest end (mesh time) of a line in a row that is not final, for a pass resuming at {@code resume}. */
        long from(long resume) {
            return resume == Long.MIN_VALUE ? OLDEST_MS : Math.min(horizonMs, resume - Engine.sliceMs());
        }
    }

    /**
     * What a stream's passes learn, kept across them in the stream's process: the engine's
     * {@link Learning}, fed each line once as its time becomes final, and the numbers its emitters
     * go by. A stream that starts (again) learns first from the lines that ended in the
     * {@link #RELEARN_MS} before where its rows are final.
     */
    public static final class KeptLearning {
        /** How far back a stream that starts learns from the lines the database holds. */
        public static final long RELEARN_MS = 30 * 60_000L;

        private Learning learning;
        private final Map<Long, Integer> emitters = new HashMap<>();
        /** Squid lines (by rowid) the passes have seen: those from here on are new to the next pass. */
        private long squidRowsSeen;
        /** Squid lines stored after the learning's Squid bound had passed them, since it was last made, and the earliest end. */
        private long lateSquidLines;
        private long lateSquidFrom = Long.MAX_VALUE;
    }

    /** Where a stream's rows stop being final. */
    @FunctionalInterface
    public interface FinalBoundary {
        /** Rows that end before the time returned are final; {@code squidOffsetsMs}: per Squid source the pass learned, its offset (ms). */
        long finalBeforeMs(Map<Integer, Long> squidOffsetsMs);
    }

    /** Of a stream pass: the final boundary its window gave once the clocks were learned. */
    private long finalBeforeMs;

    /**
     * The slice this pass resumes at: the last pass's, or earlier when a line came late (every row
     * decided from the late line's slice on is made again).
     */
    private long resumeAt = Long.MIN_VALUE;

    /** Of a stream pass: where its learning is made again from (many late Squid lines), or Long.MIN_VALUE. */
    private long relearnFromMs = Long.MIN_VALUE;

    private long from() {
        return window.from(resumeAt);
    }

    /** 0001-01-01: before any line's time (DuckDB's timestamps start there). */
    static final long OLDEST_MS = -62_135_596_800_000L;

    /**
     * How far apart the ends of one tunnel's lines can be (mesh time, once Squid's offset is
     * removed): milliseconds between Envoy hops, an offset estimate's error for Squid (its join
     * window, 200–1500 ms, bounds what is accepted). Every stream pass reads this much more than its window.
     */
    public static final long SLACK_MS = 5_000;

    public Correlation(Connection connection, CorrelatorOptions options, Consumer<String> progress) {
        this.connection = requireNonNull(connection, "connection is null");
        this.options = requireNonNull(options, "options is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /** Rebuilds the tunnels table and its views from all the lines the database holds. */
    public Result run() throws SQLException {
        return run(null);
    }

    /**
     * Rebuilds the rows of the tunnels table that are not final from the lines of {@code window}
     * (all rows from all lines when it is null); the rows change in one transaction, so readers
     * never see a row missing or doubled.
     */
    public Result run(Window window) throws SQLException {
        this.window = window;
        this.catalog = string("SELECT current_database()");
        // Work tables (the staged lines, the engine's rows) live in a database attached for the
        // run. A stream pass's window is small: in memory, it writes nothing to disk. A trace keeps
        // them in a file of their own (DB.work), evicted to disk like any table, so that memory
        // stays within the limit however large the input.
        exec("DROP SCHEMA IF EXISTS " + quoteIdentifier(catalog) + ".egresslog_work CASCADE"); // where earlier versions kept them
        exec("DETACH DATABASE IF EXISTS egresslog_work");
        String dbPath = string("SELECT path FROM duckdb_databases() WHERE database_name = " + literal(catalog));
        boolean keep = System.getenv("EGRESSLOG_KEEP_WORK") != null;
        Path workFile = (window == null || keep) && dbPath != null ? Path.of(dbPath + ".work") : null;
        if (workFile != null) {
            deleteWorkFile(workFile);
        }
        exec("ATTACH '" + (workFile == null ? ":memory:" : workFile.toString().replace("'", "''")) + "' AS egresslog_work");
        useWork();
        boolean done = false;
        try {
            correlate();
            useFile();
            Result result = result();
            done = true;
            return result;
        } finally {
            // also when a stage fails (out of memory, disk full): no work file is left behind
            try {
                if (!done) {
                    useFile();
                }
                exec("DETACH DATABASE IF EXISTS egresslog_work");
            } catch (SQLException e) {
                if (done) {
                    throw e;
                }
            }
            if (workFile != null && !keep) {
                deleteWorkFile(workFile);
            }
        }
    }

    private void correlate() throws SQLException {
        settled();
        JoinSettings settings = settings();
        long t0 = System.nanoTime();
        long[] counts = stageLines();
        Roles roles = window == null ? roles() : null;
        progress.accept(String.format("sorting %,d Envoy and %,d Squid lines (%.1f s)", counts[0], counts[1],
                (System.nanoTime() - t0) / 1e9));
        createRowsTable();
        readingNanos = 0;
        readingCpuNanos = 0;
        long engineStart = System.nanoTime();
        long engineCpuStart = CPU.getCurrentThreadCpuTime();
        long[] handed = {0};
        keptRows = 0;
        resumeSliceMs = window == null ? Long.MIN_VALUE : resumeAt;
        // a pass keeps the rows of the slices whose lines have all arrived: every line that ends
        // before the slice's end and its context has, once that is more than the lateness ago
        finalBeforeMs = Long.MIN_VALUE;
        Engine.Slices slices = window == null ? Engine.Slices.ALL : new Engine.Slices(resumeAt, end -> {
            if (end + Engine.contextMs() <= finalBeforeMs) {
                keptRows = handed[0];
                resumeSliceMs = end;
            }
        }, clocks -> {
            // the offsets as the sources will hold them after the pass (see learned())
            Map<Integer, Long> offsets = new HashMap<>();
            clocks.forEach((source, clock) -> offsets.put(source, clock.overall()));
            finalBeforeMs = window.finalBefore().finalBeforeMs(offsets);
        });
        try (RowWriter rows = new RowWriter((DuckDBConnection) connection, "egresslog_work", "engine_rows", Correlation::appendRow)) {
            Consumer<Tunnel> out = t -> {
                handed[0]++;
                rows.accept(t);
            };
            Learning learning = window == null ? null : passLearning(settings);
            // The engine reads a page (within one row group) at a time and its rows are appended on
            // one thread: DuckDB's other threads would only take a core from the engine. Measured
            // on the 1 M-tunnel set: correlating 4.55 -> 4.27 s (six runs each).
            try (DatabaseThreads one = DatabaseThreads.limit(connection, 1)) {
                if (window == null) {
                    engineResult = Engine.correlate(() -> envoyLines("envoy_hops"), () -> squidLines("squid_hops"),
                            () -> envoyLines("envoy_hops"), () -> squidLines("squid_hops"), roles, settings, out, progress, slices);
                } else {
                    engineResult = Engine.correlate(learning, () -> envoyLines("envoy_hops"), () -> squidLines("squid_hops"),
                            settings, out, progress, slices);
                }
            }
        } catch (UncheckedSqlException e) {
            throw e.cause;
        }
        if (window != null && finalBeforeMs == Long.MIN_VALUE) {
            // the engine learned nothing (no lines): the boundary as the sources' clocks stand
            finalBeforeMs = window.finalBefore().finalBeforeMs(Map.of());
        }
        double total = (System.nanoTime() - engineStart) / 1e9;
        double engineCpu = (CPU.getCurrentThreadCpuTime() - engineCpuStart - readingCpuNanos) / 1e9;
        progress.accept(String.format("correlating (%.1f s: the engine %.1f s, %.1f s of CPU on its thread; reading its lines from the database %.1f s)",
                total, total - readingNanos / 1e9, engineCpu, readingNanos / 1e9));
        stage("building tunnels", this::tunnels);
        if (window == null) {
            replace();
        } else {
            merge();
        }
    }

    /** An SQLException out of a callback the engine calls. */
    private static final class UncheckedSqlException extends RuntimeException {
        final SQLException cause;

        UncheckedSqlException(SQLException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    /** What the engine returned on the last run. */
    private Engine.Result engineResult;
    /** Of a stream pass: the rows (in the engine's order) of the slices complete, and the slice after them. */
    private long keptRows;
    private long resumeSliceMs = Long.MIN_VALUE;

    /**
     * Trace's rows, built aside in {@code tunnels_building}, replace the table in one transaction
     * (with the views and the sources' learned offsets): a reader, or a trace that dies while it
     * builds, never leaves a half-built tunnels table.
     */
    private void replace() throws SQLException {
        publish(() -> {
            exec("DROP TABLE IF EXISTS " + tunnelsTable());
            exec("ALTER TABLE " + fileSchema() + ".tunnels_building RENAME TO tunnels");
            // a stream's record of which slice decided each row is void once trace made them all again
            exec("DELETE FROM " + fileSchema() + ".tunnel_slices");
        });
    }

    /** Runs {@code change} to the tunnels table with the views and the sources' learned offsets, in one transaction. */
    private void publish(Stage change) throws SQLException {
        exec("BEGIN TRANSACTION");
        try {
            change.run();
            createViews();
            updateSources();
            exec("COMMIT");
        } catch (SQLException e) {
            exec("ROLLBACK");
            throw e;
        }
    }

    private static void deleteWorkFile(Path work) throws SQLException {
        try {
            Files.deleteIfExists(work);
            Files.deleteIfExists(Path.of(work + ".wal"));
        } catch (IOException e) {
            throw new SQLException("cannot delete " + work + ": " + e.getMessage(), e);
        }
    }

    /** Unqualified names find work tables first, then the file's (envoy_log, sources, ...); new tables go to work. */
    private void useWork() throws SQLException {
        exec("SET search_path = " + literal("egresslog_work.main," + fileSchema()));
    }

    private void useFile() throws SQLException {
        exec("SET search_path = " + literal(fileSchema()));
    }

    /** The views are created in, and refer to, the file alone. */
    private void createViews() throws SQLException {
        useFile();
        try {
            Views.create(connection);
        } finally {
            useWork();
        }
    }

    /** The file's main schema, by full name. */
    private String fileSchema() {
        return quoteIdentifier(catalog) + ".main";
    }

    private String tunnelsTable() {
        return fileSchema() + ".tunnels";
    }

    private static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private String string(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private interface Stage {
        void run() throws SQLException;
    }

    private void stage(String name, Stage stage) throws SQLException {
        long t0 = System.nanoTime();
        stage.run();
        progress.accept(String.format("%s (%.1f s)", name, (System.nanoTime() - t0) / 1e9));
    }

    private static final boolean TIMING = System.getenv("EGRESSLOG_SQL_TIMING") != null;

    private void exec(String sql) throws SQLException {
        long t0 = System.nanoTime();
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
        if (TIMING) {
            String memory = "";
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("SELECT sum(memory_usage_bytes) // 1048576 FROM duckdb_memory()")) {
                memory = rs.next() ? rs.getLong(1) + " MB" : "";
            }
            progress.accept(String.format("  %.2f s, %s: %s", (System.nanoTime() - t0) / 1e9, memory,
                    "full".equals(System.getenv("EGRESSLOG_SQL_TIMING")) ? sql.strip() : sql.strip().lines().findFirst().orElse("")));
        }
    }

    private long count(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** An address's key for the engine: 0 when absent, else 63 bits of DuckDB's hash of its text. */
    private static String key(String column) {
        return "coalesce((hash(" + column + ") >> 1)::BIGINT, 0)";
    }

    /**
     * Copies the lines the engine reads, as numbers, into work tables in end order: the engine
     * reads each twice, page by page, and holds no more than its windows. Returns the counts.
     */
    private String envoySql(String filter) {
        return """
                SELECT e.source_id, e.line, %2$s AS emitter,
                       epoch_ms(e.start_time) AS t0,
                       CASE
                         -- a sidecar's outbound socket and the app's socket share the pod's IP
                         WHEN e.upstream_local_ip = e.downstream_remote_ip
                              AND e.downstream_local_ip IS DISTINCT FROM e.upstream_local_ip THEN 1
                         -- a gateway's outbound socket and its listener share the gateway pod's IP
                         WHEN e.upstream_local_ip = e.downstream_local_ip
                              AND e.downstream_remote_ip IS DISTINCT FROM e.upstream_local_ip THEN 2
                         WHEN e.cluster_host ILIKE '%%egress%%gateway%%' THEN 1
                         ELSE 0
                       END AS hint,
                       coalesce(e.pod, s.path) ILIKE '%%egress%%gateway%%' AS named_gateway,
                       -- the role the user gave the file: a code, read per line (a string costs far more)
                       CASE s.forced_role WHEN 'gateway' THEN 1 WHEN 'sidecar' THEN 2 ELSE 0 END AS forced,
                       e.duration,
                       coalesce(e.bytes_received, 0) AS up, coalesce(e.bytes_sent, 0) AS down,
                       coalesce(list_has_any(string_split(e.response_flags, ','), %3$s), false) AS connect_failed,
                       -- a connection towards an egress gateway service, whatever became of it
                       coalesce(e.cluster_host ILIKE '%%egress%%gateway%%', false) AS to_gateway,
                       %4$s AS ula, %5$s AS ula_ip, coalesce(e.upstream_local_port, -1) AS ula_port,
                       %6$s AS dra, %7$s AS dra_ip, %8$s AS dla,
                       CASE WHEN e.upstream_host LIKE 'envoy://%%' THEN 0 ELSE %9$s END AS uh,
                       coalesce(e.upstream_host_port IN %10$s, false) AS proxy_port
                FROM envoy_log e JOIN sources s USING (source_id)
                WHERE e.method IS NULL AND coalesce(e.response_code, 0) = 0
                  AND e.start_time IS NOT NULL AND e.duration IS NOT NULL
                  AND e.requested_server_name IS NULL
                  AND coalesce(e.cluster_direction, '') NOT LIKE 'inbound%%'
                  AND coalesce(e.upstream_cluster, '') NOT LIKE 'Inbound%%'
                  -- an Envoy line in a file forced to be Squid's joins nothing (RoleCheck warns)
                  AND coalesce(s.forced_role, '') <> 'squid'%1$s
                """.formatted(filter,
                key("coalesce(e.pod, s.path)"), CONNECT_FAILURE_FLAGS, key("e.upstream_local_address"), key("e.upstream_local_ip"),
                key("e.downstream_remote_address"), key("e.downstream_remote_ip"), key("e.downstream_local_address"),
                key("e.upstream_host"), PROXY_PORTS);
    }

    private String squidSql(String filter) {
        return """
                SELECT q.source_id, q.line, epoch_ms(q.end_time) - coalesce(q.elapsed_ms, 0) AS t0, coalesce(q.elapsed_ms, 0) AS elapsed,
                       coalesce(q.bytes, 0) AS bytes, %2$s AS client_ip, coalesce(q.client_port, -1) AS client_port,
                       coalesce(q.result_code LIKE 'TCP_DENIED%%', false) AS denied,
                       coalesce(q.http_status >= 500 OR q.result_code LIKE 'ERR%%', false) AS failed,
                       coalesce(q.http_status, 0) AS http_status
                FROM squid_log q LEFT JOIN sources src USING (source_id)
                WHERE q.end_time IS NOT NULL%1$s
                """.formatted(filter, key("q.client_ip"));
    }

    private long[] stageLines() throws SQLException {
        String envoy = envoySql(windowFilter("e.end_time", "e.source_id::BIGINT * " + HID + " + e.line", 0));
        String squid = squidSql(squidWindowFilter(true));
        // in end order: a tunnel's lines end together, however long it lived
        exec("CREATE OR REPLACE TABLE envoy_hops AS SELECT * FROM (" + envoy + ") ORDER BY t0 + duration, source_id, line");
        exec("CREATE OR REPLACE TABLE squid_hops AS SELECT * FROM (" + squid + ") ORDER BY t0 + elapsed, source_id, line");
        return new long[]{count("SELECT count(*) FROM envoy_hops"), count("SELECT count(*) FROM squid_hops")};
    }

    /** Each emitter's lines by hint: the engine decides roles from them. Emitters get small numbers here. */
    private Roles roles() throws SQLException {
        emitters.clear();
        Roles roles = new Roles();
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT emitter, hint, bool_or(named_gateway), count(*) FROM envoy_hops GROUP BY ALL ORDER BY ALL")) {
            while (rs.next()) {
                int emitter = emitters.computeIfAbsent(rs.getLong(1), k -> emitters.size());
                roles.count(emitter, rs.getInt(2), rs.getBoolean(3), rs.getLong(4));
            }
        }
        return roles;
    }

    /** The small numbers the engine knows emitters by (a stream's, kept across its passes). */
    private Map<Long, Integer> emitters = new HashMap<>();
    /** Time spent reading the staged lines back, which the engine's own time excludes (wall, and CPU of the engine's thread). */
    private long readingNanos;
    private long readingCpuNanos;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Rows a page of the staged lines holds: the engine's reading costs this much heap at most.
     * Half of one of DuckDB's row groups (122,880 rows), so that a page is scanned by one thread,
     * in stored order.
     */
    static final long PAGE_ROWS = 61_440;

    /**
     * A stream pass's learning: the kept learning is fed the lines that ended before the horizon
     * since the last pass (a process's first pass: those of the {@link KeptLearning#RELEARN_MS}
     * before it), then a copy of it the newer lines; the pass learns from the copy. Many late Squid
     * lines make the kept learning again from before them (see {@link #unsettleLate}).
     */
    private Learning passLearning(JoinSettings settings) throws SQLException {
        KeptLearning kept = window.learning();
        emitters = kept.emitters;
        long horizon = window.horizonMs();
        long lag = squidLag(settings);
        long relearnFrom = horizon - KeptLearning.RELEARN_MS;
        if (relearnFromMs != Long.MIN_VALUE) {
            kept.learning = null;
            relearnFrom = Math.min(relearnFrom, relearnFromMs);
        }
        if (kept.learning == null) {
            kept.learning = new Learning(settings);
            feed(kept.learning, relearnFrom, horizon, lag);
        } else if (horizon > kept.learning.envoyFedBefore()) {
            feed(kept.learning, kept.learning.envoyFedBefore(), horizon, lag);
        }
        Learning pass = kept.learning.copy();
        feed(pass, kept.learning.envoyFedBefore(), Long.MAX_VALUE, lag);
        return pass;
    }

    /** Late Squid lines (since the learning was last made), at least, that make a stream's learning begin again. */
    static final int RELEARN_LATE_LINES = 1_000;

    /** Squid lines that came late: how many, and the earliest end among them (Long.MAX_VALUE: none). */
    private record LateSquid(long lines, long earliestMs) {
    }

    /**
     * Of the Squid lines stored since the last pass, those that ended (their own clock) before the
     * kept learning's Squid bound; moves the lines seen on.
     */
    private LateSquid lateSquidLines(KeptLearning kept) throws SQLException {
        long bound = kept.learning == null ? Long.MIN_VALUE : kept.learning.squidFedBefore();
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE epoch_ms(end_time) < " + bound + "), "
                     + "min(epoch_ms(end_time)) FILTER (WHERE epoch_ms(end_time) < " + bound + "), max(rowid) "
                     + "FROM squid_log WHERE rowid >= " + kept.squidRowsSeen)) {
            rs.next();
            if (rs.getObject(3) != null) {
                kept.squidRowsSeen = rs.getLong(3) + 1;
            }
            return new LateSquid(rs.getLong(1), rs.getObject(2) == null ? Long.MAX_VALUE : rs.getLong(2));
        }
    }

    /**
     * What a Squid's offset may have moved since a pass learned it (passes learn it every second or
     * so; a clock drifting 1,000 ppm moves 3.6 s an hour), with room for the estimate's error.
     */
    private static final long LAG_MARGIN_MS = 10_000;

    /**
     * How far behind the Envoy lines the Squid lines are fed to the kept learning (their own clock):
     * by as much as a Squid clock is behind the mesh's and a margin, once every Squid source's offset
     * is known; until then the largest skew searched for. (Fed closer, a pass re-reads fewer Squid
     * lines: a minute or two of them instead of a quarter of an hour at the default --max-skew.)
     */
    private long squidLag(JoinSettings settings) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE clock_offset_ms IS NULL), max(-clock_offset_ms), count(*) "
                     + "FROM sources WHERE role = 'squid'")) {
            rs.next();
            if (rs.getLong(1) > 0 || rs.getLong(3) == 0) {
                return settings.maxSkewMs();
            }
            return Math.min(settings.maxSkewMs(), Math.max(0, rs.getLong(2)) + LAG_MARGIN_MS);
        }
    }

    /** Lines a feed hands the learning at once, by the Envoy lines' end time: bounds the lists it holds. */
    private static final long FEED_CHUNK_MS = 60_000;

    /**
     * Feeds {@code learning} the Envoy lines that ended in [from, before) and the Squid lines that
     * ended {@code lag} earlier (their own clock), in end order, a minute of them at a time.
     */
    private void feed(Learning learning, long from, long before, long lag) throws SQLException {
        long squidFrom = Math.max(from - lag, learning.squidFedBefore());
        long squidTo = before == Long.MAX_VALUE ? Long.MAX_VALUE : before - lag;
        exec("CREATE OR REPLACE TABLE envoy_feed AS SELECT * FROM (" + envoySql("\n  AND e.end_time >= " + epochMs(from - SLACK_MS))
                + ") WHERE " + between("t0 + duration", from, before) + " ORDER BY t0 + duration, source_id, line");
        exec("CREATE OR REPLACE TABLE squid_feed AS SELECT * FROM (" + squidSql("\n  AND q.end_time >= " + epochMs(squidFrom - SLACK_MS))
                + ") WHERE " + between("t0 + elapsed", squidFrom, squidTo) + " ORDER BY t0 + elapsed, source_id, line");
        Paged<EnvoyHop> envoy = envoyLines("envoy_feed");
        Paged<SquidHop> squid = squidLines("squid_feed");
        long at = from;
        while (true) {
            // the earliest line left, on the Envoy lines' side of the span (a gap in the logs is skipped)
            long next = Math.min(envoy.hasNext() ? envoy.peek().start() + envoy.peek().duration() : Long.MAX_VALUE,
                    squid.hasNext() ? squid.peek().start() + squid.peek().elapsed() + lag : Long.MAX_VALUE);
            long chunkFrom = Math.max(at, next);
            long until = next == Long.MAX_VALUE || chunkFrom >= before - FEED_CHUNK_MS ? before : chunkFrom + FEED_CHUNK_MS;
            long squidUntil = until == Long.MAX_VALUE ? Long.MAX_VALUE : until - lag;
            List<EnvoyHop> envoyChunk = new ArrayList<>();
            while (envoy.hasNext() && envoy.peek().start() + envoy.peek().duration() < until) {
                envoyChunk.add(envoy.next());
            }
            List<SquidHop> squidChunk = new ArrayList<>();
            while (squid.hasNext() && squid.peek().start() + squid.peek().elapsed() < squidUntil) {
                squidChunk.add(squid.next());
            }
            learning.feed(envoyChunk, squidChunk, until, squidUntil);
            if (until == before) {
                return;
            }
            at = until;
        }
    }

    /** {@code expr} in [from, before), Long.MAX_VALUE meaning no end. */
    private static String between(String expr, long from, long before) {
        return expr + " >= " + from + (before == Long.MAX_VALUE ? "" : " AND " + expr + " < " + before);
    }

    private Paged<EnvoyHop> envoyLines(String table) {
        return new Paged<>(table, rs -> {
            int source = rs.getInt(1);
            int forced = rs.getInt(7);
            Role role = forced == 1 ? Role.GATEWAY : forced == 2 ? Role.SIDECAR : null;
            return new EnvoyHop(hid(source, rs.getLong(2)), source, emitters.computeIfAbsent(rs.getLong(3), k -> emitters.size()), rs.getInt(5), rs.getBoolean(6), role,
                    rs.getLong(4), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getBoolean(11), rs.getBoolean(12), rs.getLong(13),
                    rs.getLong(14), rs.getInt(15), rs.getLong(16), rs.getLong(17), rs.getLong(18), rs.getLong(19), rs.getBoolean(20));
        });
    }

    private Paged<SquidHop> squidLines(String table) {
        return new Paged<>(table, rs -> {
            int source = rs.getInt(1);
            return new SquidHop(hid(source, rs.getLong(2)), source, rs.getLong(3), rs.getLong(4), rs.getLong(5),
                    rs.getLong(6), rs.getInt(7), rs.getBoolean(8), rs.getBoolean(9), rs.getInt(10));
        });
    }

    private interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** The rows of a staged table in their stored (end) order, a page at a time. */
    private final class Paged<T> implements Iterator<T> {
        private final String table;
        private final RowReader<T> reader;
        private final List<T> page = new ArrayList<>();
        private int at;
        private long next;
        private boolean done;

        Paged(String table, RowReader<T> reader) {
            this.table = table;
            this.reader = reader;
        }

        @Override
        public boolean hasNext() {
            if (at < page.size()) {
                return true;
            }
            if (done) {
                return false;
            }
            at = 0;
            long t0 = System.nanoTime();
            long cpu0 = CPU.getCurrentThreadCpuTime();
            try {
                // a page lies in one row group, which DuckDB scans on one thread in stored order; sorting it
                // cost 0.35 s of the 1 M-tunnel set's reading. Should a page come otherwise, it is read
                // again sorted.
                if (!readPage(false)) {
                    readPage(true);
                }
            } catch (SQLException e) {
                throw new UncheckedSqlException(e);
            }
            readingNanos += System.nanoTime() - t0;
            readingCpuNanos += CPU.getCurrentThreadCpuTime() - cpu0;
            next += PAGE_ROWS;
            done = page.size() < PAGE_ROWS;
            return !page.isEmpty();
        }

        /** Reads the page at {@code next}; false (and nothing kept) when its rows came out of order. */
        private boolean readPage(boolean sorted) throws SQLException {
            page.clear();
            try (Statement st = connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT *, rowid FROM " + table + " WHERE rowid >= " + next + " AND rowid < "
                         + (next + PAGE_ROWS) + (sorted ? " ORDER BY rowid" : ""))) {
                int rowid = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    if (rs.getLong(rowid) != next + page.size()) {
                        page.clear();
                        return false;
                    }
                    page.add(reader.read(rs));
                }
            }
            return true;
        }

        @Override
        public T next() {
            T item = peek();
            at++;
            return item;
        }

        /** The next row, left to be read. */
        T peek() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return page.get(at);
        }
    }

    private static long hid(int source, long line) {
        return source * HID_FACTOR + line;
    }

    static final long HID_FACTOR = 1L << 40;

    /** The user's proxies and Squid-proxy pairs, and what earlier passes of a stream learned, as keys. */
    private JoinSettings settings() throws SQLException {
        Set<Long> proxies = new HashSet<>();
        for (String address : options.proxyAddresses()) {
            proxies.add(keyOf(address));
        }
        Map<Integer, Long> squidProxy = new HashMap<>();
        for (String pair : options.squidProxyMap()) {
            int eq = pair.lastIndexOf('=');
            long addr = keyOf(pair.substring(eq + 1));
            try (PreparedStatement ps = connection.prepareStatement("SELECT source_id FROM sources WHERE path = ?")) {
                ps.setString(1, pair.substring(0, eq));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        squidProxy.put(rs.getInt(1), addr);
                    }
                }
            }
        }
        // what earlier runs learned helps a stream pass, which sees a window of the lines; a trace
        // sees all the lines and learns from them alone: a one-shot run and a continued run on the
        // same lines give the same rows
        Map<Integer, Long> priorOffset = new HashMap<>();
        Map<Integer, Long> priorProxy = new HashMap<>();
        if (window != null) {
            try (Statement st = connection.createStatement();
                 ResultSet rs = st.executeQuery("SELECT source_id, clock_offset_ms, " + key("proxy_address")
                         + " FROM sources WHERE clock_offset_ms IS NOT NULL OR proxy_address IS NOT NULL")) {
                while (rs.next()) {
                    long offset = rs.getLong(2);
                    if (!rs.wasNull()) {
                        priorOffset.put(rs.getInt(1), offset);
                    }
                    if (rs.getLong(3) != 0) {
                        priorProxy.put(rs.getInt(1), rs.getLong(3));
                    }
                }
            }
        }
        return new JoinSettings(options.maxSkewMs(), options.proxyWindowMs(), options.meshWindowMs(), proxies, squidProxy,
                priorOffset, priorProxy);
    }

    private long keyOf(String address) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT " + key("?::VARCHAR"))) {
            ps.setString(1, address);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * The hop ids of final rows near the window: their lines are never paired again. Rows near a
     * late line stopped being final before (see {@link #unsettleLate}), so the late line can join them.
     */
    private void settled() throws SQLException {
        if (window == null) {
            return;
        }
        if (!tunnelsHaveFinal()) {
            exec("CREATE OR REPLACE TABLE settled AS SELECT NULL::BIGINT AS hid LIMIT 0");
            return;
        }
        unsettleLate();
        String near = "end_time >= " + epochMs(from() - 2 * SLACK_MS) + lateRanges("end_time", 2 * SLACK_MS);
        exec("""
                CREATE OR REPLACE TABLE settled AS
                SELECT sidecar_source_id::BIGINT * %1$s + sidecar_line AS hid FROM %3$s
                WHERE final AND sidecar_line IS NOT NULL AND (%2$s)
                UNION ALL
                SELECT gateway_source_id::BIGINT * %1$s + gateway_line FROM %3$s
                WHERE final AND gateway_line IS NOT NULL AND (%2$s)
                UNION ALL
                SELECT squid_source_id::BIGINT * %1$s + squid_line FROM %3$s
                WHERE final AND squid_line IS NOT NULL AND (%2$s)
                """.formatted(HID, near, tunnelsTable()));
    }

    private boolean tunnelsHaveFinal() throws SQLException {
        return count("""
                SELECT count(*) FROM duckdb_columns()
                WHERE database_name = %s AND schema_name = 'main' AND table_name = 'tunnels'
                  AND column_name = 'final'""".formatted(literal(catalog))) > 0;
    }

    /**
     * Sets the slice this pass resumes at; rows decided from a late line's slice on are made again
     * with it: they stop being final, and the pass resumes there. Decides too whether the pass
     * makes its learning again ({@link #relearnFromMs}): the rows from there on are made again.
     */
    private void unsettleLate() throws SQLException {
        resumeAt = window.resumeSliceMs();
        // Squid lines that came after the learning's Squid bound had passed their time are never
        // learned from: a few late lines do no harm, but a Squid shipper that was down sends all its
        // lines so (on a 100 k-tunnel mesh: a Squid's clock learned from the first 20 k of them, 101 s
        // off, and most tunnels split). Many of them: the learning is made again from before them,
        // and the rows from there on are made again with it.
        KeptLearning kept = window.learning();
        LateSquid lateSquid = lateSquidLines(kept);
        relearnFromMs = Long.MIN_VALUE;
        if (kept.learning != null) {
            // what came late long ago (sporadic late lines over a day, say) does not add up to a
            // relearning that would make a day of rows again
            if (kept.lateSquidFrom != Long.MAX_VALUE && kept.lateSquidFrom < window.horizonMs() - 2 * KeptLearning.RELEARN_MS) {
                kept.lateSquidLines = 0;
                kept.lateSquidFrom = Long.MAX_VALUE;
            }
            kept.lateSquidLines += lateSquid.lines();
            kept.lateSquidFrom = Math.min(kept.lateSquidFrom, lateSquid.earliestMs());
            if (kept.lateSquidLines >= RELEARN_LATE_LINES) {
                relearnFromMs = kept.lateSquidFrom - KeptLearning.RELEARN_MS;
                kept.lateSquidLines = 0;
                kept.lateSquidFrom = Long.MAX_VALUE;
            }
        }
        if (!window.lateRanges().isEmpty() || relearnFromMs != Long.MIN_VALUE) {
            // the first slice that could have held the late line: rows decided from there on are
            // made again, and the pass resumes there (rows without a recorded slice, from an earlier
            // version, are made again when near the line)
            long earliest = Math.min(relearnFromMs == Long.MIN_VALUE ? Long.MAX_VALUE : relearnFromMs,
                    window.lateRanges().stream().mapToLong(r -> r[0]).min().orElse(Long.MAX_VALUE));
            long slice = Math.floorDiv(earliest - Engine.contextMs() - Engine.sliceMs(), Engine.sliceMs()) * Engine.sliceMs();
            exec("UPDATE " + tunnelsTable() + " SET final = false WHERE final AND (tunnel_id IN (SELECT tunnel_id FROM "
                    + fileSchema() + ".tunnel_slices WHERE slice_ms > " + slice + ")" + lateRanges("end_time", SLACK_MS) + ")");
            resumeAt = resumeAt == Long.MIN_VALUE ? Long.MIN_VALUE : Math.min(resumeAt, slice);
        }
    }

    /** {@code epoch_ms(ms)}, folded to a constant by DuckDB, so that zone maps skip old row groups. */
    private static String epochMs(long ms) {
        return "epoch_ms(" + ms + "::BIGINT)";
    }

    /** " OR column BETWEEN a AND b ..." for the late ranges, widened by {@code widen} ms. */
    private String lateRanges(String column, long widen) {
        StringBuilder sql = new StringBuilder();
        for (long[] range : window.lateRanges()) {
            sql.append(" OR ").append(column).append(" BETWEEN ").append(epochMs(range[0] - widen))
                    .append(" AND ").append(epochMs(range[1] + widen));
        }
        return sql.toString();
    }

    /** The lines of the window: ended since the horizon or near a late line, and not settled. */
    private String windowFilter(String endColumn, String hid, long widen) {
        if (window == null) {
            return "";
        }
        return "\n  AND (" + endColumn + " >= " + epochMs(from() - SLACK_MS - widen)
                + lateRanges(endColumn, SLACK_MS + widen) + ")"
                + "\n  AND " + hid + " NOT IN (SELECT hid FROM settled)";
    }

    /**
     * The Squid lines of the window. Their clock is the Squid's own: a source whose offset an
     * earlier pass learned is placed by it; one whose offset is not yet known is read as far back
     * as the largest offset searched for.
     */
    private String squidWindowFilter(boolean unsettledOnly) {
        if (window == null) {
            return "";
        }
        StringBuilder known = new StringBuilder("epoch_ms(q.end_time) - src.clock_offset_ms >= " + (from() - SLACK_MS));
        for (long[] range : window.lateRanges()) {
            known.append(" OR epoch_ms(q.end_time) - src.clock_offset_ms BETWEEN ").append(range[0] - 2 * SLACK_MS)
                    .append(" AND ").append(range[1] + 2 * SLACK_MS);
        }
        String filter = windowFilter("q.end_time", "q.source_id::BIGINT * " + HID + " + q.line", options.maxSkewMs());
        if (!unsettledOnly) {
            filter = filter.substring(0, filter.indexOf("\n  AND " + "q.source_id::BIGINT"));
        }
        return filter + "\n  AND (src.clock_offset_ms IS NULL OR " + known + ")";
    }

    /** DuckDB's row group: an insert of fewer rows goes through the write-ahead log instead of straight to the file. */
    static final long ROW_GROUP_ROWS = 122_880;

    /** Rows in a slice: two row groups; tests make slices smaller to have many of few rows. */
    static long sliceRows = 2 * ROW_GROUP_ROWS;

    /** Rows inserted by one statement: a row group; tests make them fewer. */
    static long insertRows = ROW_GROUP_ROWS;

    /**
     * Where each slice of the final join starts, and the end: two row groups of rows a slice; a
     * rest of half a slice or more is a slice of its own, a smaller one goes with the last slice
     * (which then has up to three row groups). Each slice scans the log tables once and holds its
     * lines' columns, so the slice's size bounds the join's memory. Building the rows of the 1 M-
     * tunnel set took 6.1-6.2 s in slices of one row group, 5.3-5.5 s in slices of two (each scan
     * of the log tables serves twice the rows). Memory: with the sidecar and gateway lines joined
     * from separate tables, slices of two row groups build that set's rows with DuckDB's memory
     * limited to 256 MB, as slices of one row group did (neither at 192 MB); two row groups joined
     * to one table of both did not fit in 350 MB, three not in 448 MB.
     */
    static long[] sliceBounds(long total) {
        long full = total / sliceRows;
        long rest = total % sliceRows;
        int slices = (int) Math.max(1, rest >= sliceRows / 2 ? full + 1 : full);
        long[] bounds = new long[slices + 1];
        for (int i = 0; i < slices; i++) {
            bounds[i] = i * sliceRows;
        }
        bounds[slices] = Math.max(total, 1);
        return bounds;
    }

    /**
     * The rows of a slice from {@code from} to {@code to}, a row group an insert, the last taking
     * the rest (up to two row groups). Why whole row groups: an insert read from one row group of
     * {@code engine_rows} runs on one thread and writes one full row group. Slices of 150,000 rows
     * left partial row groups that the checkpoint when the database is closed merged and wrote
     * again, and a last slice below one row group went through the write-ahead log (closing the
     * database after the 1 M-tunnel set 0.9 s; after whole row groups 0.03 s); an insert of two
     * row groups on two threads left 285 free blocks (71 MB) in that set's 248 MB file.
     */
    static long[] insertBounds(long from, long to) {
        int inserts = (int) Math.max(1, (to - from) / insertRows);
        long[] bounds = new long[inserts + 1];
        for (int i = 0; i < inserts; i++) {
            bounds[i] = from + i * insertRows;
        }
        bounds[inserts] = Math.max(to, from + 1);
        return bounds;
    }

    /**
     * The engine's rows go to a work table (numbers only, through the Appender), then statements
     * join them, a slice at a time, with the columns of their lines. A stream pass reads only the
     * lines near its window, so that a pass costs in proportion to the lines it received.
     */
    private void createRowsTable() throws SQLException {
        exec("""
                CREATE OR REPLACE TABLE engine_rows (
                    s_src INTEGER, s_line BIGINT, g_src INTEGER, g_line BIGINT, q_src INTEGER, q_line BIGINT,
                    status TINYINT, score DOUBLE,
                    mesh_key TINYINT, mesh_score DOUBLE, mesh_dt BIGINT, mesh_db BIGINT, mesh_dd BIGINT,
                    proxy_key TINYINT, proxy_score DOUBLE, proxy_dt BIGINT, proxy_db BIGINT, proxy_dd BIGINT,
                    start_ms BIGINT, duration_ms BIGINT, squid_offset_ms BIGINT, offset_known BOOLEAN, proxy_address BIGINT,
                    slice_ms BIGINT)""");
    }

    private static void appendRow(DuckDBAppender a, Tunnel t) throws SQLException {
        a.beginRow();
        line(a, t.sidecar());
        line(a, t.gateway());
        line(a, t.squid());
        // codes, not text: the Appender pays a JNI call for every string longer than 12 bytes
        a.append((byte) t.status().ordinal());
        nullable(a, t.score());
        link(a, t.meshLink());
        link(a, t.proxyLink());
        a.append(t.startMs());
        a.append(t.durationMs());
        if (t.squidOffsetMs() == null) {
            a.appendNull();
            a.appendNull();
        } else {
            a.append((long) t.squidOffsetMs());
            a.append(t.squidOffsetKnown());
        }
        a.append(t.proxyAddress());
        a.append(t.sliceMs());
        a.endRow();
    }

    private void tunnels() throws SQLException {
        learned();
        // the text of each proxy address key the rows and the sources name: few distinct ones
        String near = window == null ? "" : "\n  AND (end_time >= " + epochMs(from() - 3 * SLACK_MS)
                + lateRanges("end_time", 3 * SLACK_MS) + ")";
        exec("""
                CREATE OR REPLACE TABLE proxy_names AS
                SELECT k, min(addr) AS addr FROM (
                  SELECT %1$s AS k, upstream_host AS addr FROM envoy_log WHERE upstream_host IS NOT NULL%2$s
                  UNION ALL SELECT %3$s, downstream_local_address FROM envoy_log WHERE downstream_local_address IS NOT NULL%2$s
                  UNION ALL SELECT %4$s, proxy_address FROM sources WHERE proxy_address IS NOT NULL)
                WHERE k IN (SELECT proxy_address FROM engine_rows UNION SELECT proxy_key FROM learned)
                GROUP BY k""".formatted(key("upstream_host"), near, key("downstream_local_address"), key("proxy_address")));
        String table = window == null ? fileSchema() + ".tunnels_building" : "new_tunnels";
        String finalRow = window == null ? "true"
                : "r.seq < %3$d AND ((r.start_ms + r.duration_ms < %1$d AND coalesce(r.offset_known, true)) OR coalesce(epoch_ms(q.end_time) < %2$d, false))"
                        .formatted(finalBeforeMs, finalBeforeMs - options.maxSkewMs(), keptRows);
        // slice by slice, each joined with copies of just its own lines: no join holds a whole log table
        long total = count("SELECT count(*) FROM engine_rows");
        long[] bounds = sliceBounds(total);
        boolean grouped = bounds.length - 1 > GROUPED_ABOVE * slicesPerGroup;
        for (int slice = 0; slice + 1 < bounds.length; slice++) {
            long from = bounds[slice];
            long to = bounds[slice + 1];
            if (grouped && slice % slicesPerGroup == 0) {
                // the lines of the next slices, copied from the log tables in one scan each
                long groupEnd = bounds[Math.min(slice + slicesPerGroup, bounds.length - 1)];
                String groupRows = "(SELECT * FROM engine_rows WHERE rowid >= " + from + " AND rowid < " + groupEnd + ")";
                exec("CREATE OR REPLACE TABLE group_envoy AS " + ENVOY_COLUMNS.formatted("envoy_log", groupRows) + near);
                exec("CREATE OR REPLACE TABLE group_squid AS " + SQUID_COLUMNS.formatted("squid_log", groupRows));
            }
            String rows = "(SELECT * FROM engine_rows WHERE rowid >= " + from + " AND rowid < " + to + ")";
            exec("CREATE OR REPLACE TABLE slice_envoy AS " + ENVOY_HOP_COLUMNS.formatted(grouped ? "group_envoy" : "envoy_log", rows)
                    + (grouped ? "" : near));
            exec("CREATE OR REPLACE TABLE slice_squid AS " + SQUID_COLUMNS.formatted(grouped ? "group_squid" : "squid_log", rows));
            // an insert a row group: one read from one row group of engine_rows runs on one
            // thread and writes one full row group (see insertBounds)
            long[] inserts = insertBounds(from, to);
            for (int i = 0; i + 1 < inserts.length; i++) {
                exec("CREATE OR REPLACE TABLE slice_rows AS SELECT *, rowid AS seq FROM engine_rows WHERE rowid >= " + inserts[i]
                        + " AND rowid < " + inserts[i + 1]);
                exec((inserts[i] == 0 ? "CREATE OR REPLACE TABLE " + table + " AS\n" : "INSERT INTO " + table + "\n")
                        + ROW.formatted(finalRow, "slice_envoy", "slice_squid"));
            }
        }
    }

    /**
     * Slices whose lines are copied from the log tables together. A slice's lines are found by a
     * scan of the whole log table, so slices alone made building the rows grow with the square of
     * the input (10 M tunnels: 81 slices of one row group, each scanning 19 M Envoy lines); a
     * group's scan serves four slices (eight row groups), which then scan the group's copy.
     * Writing the copies costs too: measured with slices of one row group in groups of eight,
     * building the rows of 10 M tunnels took 76.4 s with groups and 83.4 s without, of 2 M
     * (16 slices) 14.0 s with and 12.8 s without; so runs of up to {@link #GROUPED_ABOVE} groups'
     * worth of slices (about 3.9 M rows) read the log tables directly. Tests make groups smaller.
     */
    static int slicesPerGroup = 4;

    /** Slices are copied in groups when there are more than this many groups' worth. */
    static final int GROUPED_ABOVE = 4;

    /** The Envoy columns a row takes. */
    private static final String ENVOY_SELECT = """
            SELECT e.source_id, e.line, source, pod, namespace, downstream_remote_address, downstream_remote_ip, downstream_remote_port,
                   upstream_host, downstream_local_address, bytes_received, bytes_sent, duration, response_flags""";

    /** The Envoy columns a row takes, of the lines in %1$s that the rows in %2$s name. */
    private static final String ENVOY_COLUMNS = ENVOY_SELECT + """

            FROM %1$s e
            SEMI JOIN (SELECT s_src AS src, s_line AS l FROM %2$s WHERE s_src IS NOT NULL
                       UNION ALL SELECT g_src, g_line FROM %2$s WHERE g_src IS NOT NULL) k
                 ON e.source_id = k.src AND e.line = k.l
            WHERE true""";

    /**
     * As {@link #ENVOY_COLUMNS}, each line with the hop it is in the rows ('s' sidecar, 'g'
     * gateway; a line both is there twice), so that each of the row's two joins holds only its
     * own lines (one table of both in each join held twice the memory).
     */
    private static final String ENVOY_HOP_COLUMNS = ENVOY_SELECT + """
            , k.hop
            FROM %1$s e
            JOIN (SELECT DISTINCT src, l, hop FROM (SELECT s_src AS src, s_line AS l, 's' AS hop FROM %2$s WHERE s_src IS NOT NULL
                       UNION ALL SELECT g_src, g_line, 'g' FROM %2$s WHERE g_src IS NOT NULL)) k
                 ON e.source_id = k.src AND e.line = k.l
            WHERE true""";

    /** The Squid columns a row takes, of the lines in %1$s that the rows in %2$s name. */
    private static final String SQUID_COLUMNS = """
            SELECT source_id, line, source, client_ip, client_port, connect_host, connect_port, method, url, result_code,
                   http_status, server_ip, hierarchy, request_bytes, bytes, elapsed_ms, end_time
            FROM %1$s q
            SEMI JOIN (SELECT q_src AS src, q_line AS l FROM %2$s WHERE q_src IS NOT NULL) k
                 ON q.source_id = k.src AND q.line = k.l""";

    /** What the engine learned of each source, in a work table, for {@link #updateSources}. */
    private void learned() throws SQLException {
        exec("CREATE OR REPLACE TABLE learned (source_id INTEGER, clock_offset_ms BIGINT, proxy_key BIGINT, role VARCHAR)");
        try (DuckDBAppender a = ((DuckDBConnection) connection).createAppender("egresslog_work", "main", "learned")) {
            Set<Integer> sources = new TreeSet<>();
            sources.addAll(engineResult.squidClocks().keySet());
            sources.addAll(engineResult.sidecarOffsetMs().keySet());
            sources.addAll(engineResult.proxyOf().keySet());
            sources.addAll(engineResult.roleOf().keySet());
            sources.addAll(engineResult.mixedRoleSources());
            for (int source : sources) {
                a.beginRow();
                a.append(source);
                ClockModel clock = engineResult.squidClocks().get(source);
                Long offset = clock != null ? Long.valueOf(clock.overall()) : engineResult.sidecarOffsetMs().get(source);
                if (offset == null) {
                    a.appendNull();
                } else {
                    a.append((long) offset);
                }
                Long proxy = engineResult.proxyOf().get(source);
                if (proxy == null) {
                    a.appendNull();
                } else {
                    a.append((long) proxy);
                }
                Role role = engineResult.roleOf().get(source);
                if (role != null) {
                    a.append(role.name().toLowerCase(Locale.ROOT));
                } else if (engineResult.mixedRoleSources().contains(source)) {
                    a.append("mixed");
                } else {
                    a.appendNull();
                }
                a.endRow();
            }
        }
    }

    private static void line(DuckDBAppender a, long hid) throws SQLException {
        if (hid < 0) {
            a.appendNull();
            a.appendNull();
        } else {
            a.append((int) (hid / HID_FACTOR));
            a.append(hid % HID_FACTOR);
        }
    }

    private static void nullable(DuckDBAppender a, Double value) throws SQLException {
        if (value == null) {
            a.appendNull();
        } else {
            a.append((double) value);
        }
    }

    private static void link(DuckDBAppender a, Link l) throws SQLException {
        if (l == null) {
            for (int i = 0; i < 5; i++) {
                a.appendNull();
            }
        } else {
            a.append((byte) LINK_KEYS.indexOf(l.key()));
            a.append(l.score());
            a.append(l.startDeltaMs());
            a.append(l.bytesDelta());
            a.append(l.durationDeltaMs());
        }
    }

    /** What can join two hops, as {@link Link#key()} says. */
    static final List<String> LINK_KEYS = List.of("address", "bytes", "client-port", "time+bytes+client", "time+bytes");

    /** The row of each tunnel: the engine's joins and status, the columns of its lines. */
    private static final String ROW = """
            SELECT
              %7$s AS tunnel_id,
              %5$s[r.status + 1] AS status,
              r.score,
              r.g_src IS NOT NULL AS via_gateway,
              coalesce(s.downstream_remote_address, g.downstream_remote_address, q.client_ip) AS client_address,
              coalesce(s.downstream_remote_ip, g.downstream_remote_ip, q.client_ip) AS client_ip,
              coalesce(s.downstream_remote_port, g.downstream_remote_port, q.client_port) AS client_port,
              s.pod AS pod,
              s.namespace AS namespace,
              p.addr AS proxy_address,
              q.connect_host,
              q.connect_port,
              q.method AS squid_method,
              q.url AS squid_url,
              q.result_code AS squid_result,
              q.http_status,
              q.server_ip,
              q.hierarchy AS squid_hierarchy,
              q.client_ip AS squid_client_ip,
              CASE WHEN r.s_src IS NOT NULL THEN coalesce(s.bytes_received, 0) WHEN r.g_src IS NOT NULL THEN coalesce(g.bytes_received, 0)
                   ELSE q.request_bytes END AS bytes_up,
              CASE WHEN r.s_src IS NOT NULL THEN coalesce(s.bytes_sent, 0) WHEN r.g_src IS NOT NULL THEN coalesce(g.bytes_sent, 0)
                   ELSE coalesce(q.bytes, 0) END AS bytes_down,
              epoch_ms(r.start_ms) AS start_time,
              epoch_ms(r.start_ms + r.duration_ms) AS end_time,
              r.duration_ms,
              s.duration AS sidecar_duration_ms,
              g.duration AS gateway_duration_ms,
              CASE WHEN r.q_src IS NOT NULL THEN coalesce(q.elapsed_ms, 0) END AS squid_elapsed_ms,
              r.squid_offset_ms AS squid_clock_offset_ms,
              CASE WHEN r.s_src IS NOT NULL THEN coalesce(string_split(s.response_flags, ','), []) END AS sidecar_flags,
              CASE WHEN r.g_src IS NOT NULL THEN coalesce(string_split(g.response_flags, ','), []) END AS gateway_flags,
              s.source AS sidecar_file, s.line AS sidecar_line, s.source_id AS sidecar_source_id,
              g.source AS gateway_file, g.line AS gateway_line, g.source_id AS gateway_source_id,
              q.source AS squid_file, q.line AS squid_line, q.source_id AS squid_source_id,
              %6$s[r.mesh_key + 1] AS mesh_link_key, r.mesh_score AS mesh_link_score, r.mesh_dt AS mesh_start_delta_ms,
              r.mesh_db AS mesh_bytes_delta, r.mesh_dd AS mesh_duration_delta_ms,
              %6$s[r.proxy_key + 1] AS proxy_link_key, r.proxy_score AS proxy_link_score, r.proxy_dt AS proxy_start_delta_ms,
              r.proxy_db AS proxy_bytes_delta, r.proxy_dd AS proxy_duration_delta_ms,
              -- false while a stream may still change the row (a hop may yet arrive)
              %1$s AS final
            FROM slice_rows r
            LEFT JOIN (SELECT * FROM %2$s WHERE hop = 's') s ON s.source_id = r.s_src AND s.line = r.s_line
            LEFT JOIN (SELECT * FROM %2$s WHERE hop = 'g') g ON g.source_id = r.g_src AND g.line = r.g_line
            LEFT JOIN %3$s q ON q.source_id = r.q_src AND q.line = r.q_line
            LEFT JOIN proxy_names p ON p.k = r.proxy_address
            """.replace("%4$s", HID).replace("%5$s", sqlList(Arrays.stream(Status.values()).map(Status::label).toList()))
            .replace("%6$s", sqlList(LINK_KEYS)).replace("%7$s", TUNNEL_ID);


    private static String sqlList(List<String> values) {
        return values.stream().map(Correlation::literal).collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    /** How far before a pass's lines the record of slices is looked at for rows that are not final, besides the largest skew and two slices. */
    private static final long SLICE_RECORD_MARGIN_MS = 20_000;

    /**
     * A stream pass's rows replace the rows that were not final, in one transaction (with the
     * sources' learned offsets and roles), so a reader sees the table before or after, never between.
     */
    private void merge() throws SQLException {
        boolean existed = tunnelsHaveFinal();
        publish(() -> {
            if (existed) {
                // rows that are not final were decided near this pass's window: only the recent
                // record is looked at (one missed stays behind harmlessly: its id is in no row)
                exec("DELETE FROM " + fileSchema() + ".tunnel_slices WHERE slice_ms >= "
                        + (from() - SLICE_RECORD_MARGIN_MS - options.maxSkewMs() - 2 * Engine.sliceMs())
                        + " AND tunnel_id IN (SELECT tunnel_id FROM " + tunnelsTable() + " WHERE NOT final)");
                exec("DELETE FROM " + tunnelsTable() + " WHERE NOT final");
                exec("INSERT INTO " + tunnelsTable() + " BY NAME SELECT * FROM new_tunnels");
            } else {
                exec("DELETE FROM " + fileSchema() + ".tunnel_slices");
                exec("CREATE OR REPLACE TABLE " + tunnelsTable() + " AS SELECT * FROM new_tunnels");
            }
            // the slice that decided each row: a line that comes late makes again the rows decided after its slice
            exec("INSERT INTO " + fileSchema() + ".tunnel_slices SELECT " + TUNNEL_ID + ", r.slice_ms FROM engine_rows r");
        });
    }

    /** What the engine learned of each source, for the next stream pass and for users (sources.role, clock_offset_ms, proxy_address). */
    private void updateSources() throws SQLException {
        if (window == null) {
            // a trace learns everything again: nothing stays of an earlier run's estimates
            exec("UPDATE sources SET clock_offset_ms = NULL, proxy_address = NULL, role = NULL");
        }
        exec("""
                UPDATE sources SET clock_offset_ms = coalesce(l.clock_offset_ms, sources.clock_offset_ms),
                                   proxy_address = coalesce(p.addr, sources.proxy_address),
                                   role = coalesce(l.role, sources.role)
                FROM learned l LEFT JOIN proxy_names p ON p.k = l.proxy_key
                WHERE l.source_id = sources.source_id
                """);
        exec("UPDATE sources SET role = 'squid' WHERE source_id IN (SELECT DISTINCT source_id FROM squid_log) AND role IS NULL");
    }

    /**
     * Tunnels by status, the offset of each Squid source, and the lines on an egress path that
     * are in no row (the invariant is that there are none: each such line is in exactly one row).
     *
     * @param resumeSliceMs where the next stream pass starts: the slice after the last one whose rows this pass kept
     * @param finalBeforeMs of a stream pass, the final boundary it used (Long.MIN_VALUE for trace)
     */
    public record Result(Map<String, Long> byStatus, List<String> offsets, long linesInNoRow, long resumeSliceMs, long finalBeforeMs) {
    }

    private Result result() throws SQLException {
        Map<String, Long> byStatus = new LinkedHashMap<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT status, count(*) FROM main.tunnels GROUP BY status ORDER BY count(*) DESC, status")) {
            while (rs.next()) {
                byStatus.put(rs.getString(1), rs.getLong(2));
            }
        }
        List<String> offsets = new ArrayList<>();
        Map<Integer, String> paths = new HashMap<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT source_id, path FROM main.sources")) {
            while (rs.next()) {
                paths.put(rs.getInt(1), rs.getString(2));
            }
        }
        new TreeMap<>(engineResult.squidClocks()).forEach((source, clock) -> {
            String drift = clock.driftPpm() == 0 ? "" : String.format(", drifting %+.0f ppm", clock.driftPpm());
            offsets.add(String.format("%s: %+.3f s (from %d certain pairs%s)", paths.get(source), clock.overall() / 1000.0,
                    clock.support(), drift));
        });
        offsets.sort(null);
        return new Result(byStatus, offsets, engineResult.linesInNoRow(), resumeSliceMs, finalBeforeMs);
    }
}
