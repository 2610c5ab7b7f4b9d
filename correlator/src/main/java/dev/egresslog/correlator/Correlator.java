package dev.egresslog.correlator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/**
 * Joins the hops of every tunnel, over the log tables of an egresslog database (envoy_log,
 * squid_log, sources), and rebuilds the tunnels table. The work is a sequence of SQL stages, so
 * that the database sorts, joins and spills to disk, and memory stays within its limit however
 * large the input:
 *
 * <ol>
 *   <li>hops: Envoy TCP lines with a role (sidecar or gateway), decided per emitting pod (or file)
 *       from the addresses of its lines, its name, or the user's override;</li>
 *   <li>offsets: each Squid source's clock offset, estimated from pairs that cannot be wrong (byte
 *       counts that occur at most twice, durations that agree), per minute (else per 5 minutes,
 *       per hour, overall) so that drift is followed, and the join window its certain pairs allow;
 *       gateway nodes' clocks are first put on the sidecars' clock from their address pairs;</li>
 *   <li>candidates: sidecar↔gateway pairs by address (or, under SNAT, by bytes and time), and
 *       upstream hop↔Squid pairs by time, duration, bytes, the client address Squid saw and,
 *       with %>p, its port, each with a score and evidence;</li>
 *   <li>assignment: each line in at most one pair, the best pairs first (mutual best, iterated:
 *       the result of a global greedy assignment by score), then once more keeping the rank order
 *       of connections with identical byte counts;</li>
 *   <li>tunnels: chains and everything that did not join, with a status.</li>
 * </ol>
 */
public final class Correlator {
    /** Hop ids: source_id * 2^40 + line, unique across the database. */
    static final String HID = "1099511627776";
    /** Response flags meaning the hop could not reach its upstream. */
    static final String CONNECT_FAILURE_FLAGS = "['UF', 'UH', 'URX', 'UO', 'NC', 'NR', 'UPE']";
    /**
     * Pairs scoring less are not joined: the true pair's line is more likely lost. A true pair
     * scores above 0.8 (time within tens of ms, bytes and duration agreeing).
     */
    static final double MIN_PROXY_SCORE = 0.5;
    /** Rounds of the rank-order correction (see keepOrder): a second round gained 0.0001 F1 (measured). */
    static final int ORDER_ROUNDS = 1;
    /** Ports a forward proxy listens on, for recognising a sidecar that dials a proxy directly. */
    static final String PROXY_PORTS = "(3128, 3129, 8080, 8118, 8888, 8000, 8081)";

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
     * {@code finalBeforeMs} become final: later passes leave them alone, unless a late line
     * arrives near them.
     *
     * @param horizonMs     lines that ended before this (mesh time) are not looked at again
     * @param finalBeforeMs rows that end before this are final
     * @param lateRanges    [from, to] ranges of epoch ms around lines that arrived after their time was final
     */
    public record Window(long horizonMs, long finalBeforeMs, List<long[]> lateRanges) {
        public Window {
            lateRanges = List.copyOf(lateRanges);
        }
    }

    /**
     * How far apart the ends of one tunnel's lines can be (mesh time, once Squid's offset is
     * removed): milliseconds between Envoy hops, an offset estimate's error for Squid (its join
     * window, 200–1500 ms, bounds what is accepted). Every stream pass reads this much more than its window.
     */
    public static final long SLACK_MS = 5_000;

    public Correlator(Connection connection, CorrelatorOptions options, Consumer<String> progress) {
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
        // Intermediate tables live in a database attached for the run. A stream pass's window is
        // small: in memory, its ~90 statements write nothing to disk (bench stream: 19 k -> 23 k
        // lines/s, p99 latency 3.0 -> 1.9 s). A trace keeps them in a file of their own (DB.work),
        // evicted to disk like any table: in memory they made 1 M tunnels slower at the 512 MB
        // default limit and ran out of memory at 1 GB.
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
        // What earlier runs learned (sources.clock_offset_ms, proxy_address) helps a stream pass,
        // which sees a window of the lines. A trace sees all the lines and learns from them alone:
        // a one-shot run and a continued run on the same lines give the same rows.
        exec(window == null
                ? "CREATE OR REPLACE VIEW prior AS SELECT source_id, NULL::BIGINT AS clock_offset_ms, NULL::VARCHAR AS proxy_address "
                        + "FROM sources"
                : "CREATE OR REPLACE VIEW prior AS SELECT source_id, clock_offset_ms, proxy_address FROM sources");
        stage("classifying Envoy lines", this::hops);
        stage("pairing sidecars with gateways", () -> {
            sidecarGatewayCandidates();
            assign("sg_cand", "shid", "ghid", "sg_match", 0.5);
            upstream();
        });
        stage("estimating Squid clock offsets", this::offsets);
        stage("pairing upstream hops with Squid lines", this::proxyCandidates);
        // what building the tunnels does not read: room for its joins
        drop("sg_address", "sg_cand", "pq_cand", "pq_scored", "e_rank", "q_rank", "rank_shift", "offset_pairs", "sq");
        stage("building tunnels", this::tunnels);
        if (window == null) {
            replace();
        } else {
            merge();
        }
    }

    /**
     * Trace's rows, built aside in {@code tunnels_building}, replace the table in one transaction
     * (with the views and the sources' learned offsets): a reader, or a trace that dies while it
     * builds, never leaves a half-built tunnels table.
     */
    private void replace() throws SQLException {
        publish(() -> {
            exec("DROP TABLE IF EXISTS " + tunnelsTable());
            exec("ALTER TABLE " + fileSchema() + ".tunnels_building RENAME TO tunnels");
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
                    sql.strip().lines().findFirst().orElse("")));
        }
    }

    private void drop(String... tables) throws SQLException {
        for (String table : tables) {
            exec("DROP TABLE IF EXISTS egresslog_work.main." + table);
        }
    }

    private long count(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Envoy TCP lines that may be hops of a proxy tunnel, with their role. */
    private void hops() throws SQLException {
        createOverrideTable();
        settled();
        exec("""
                CREATE OR REPLACE VIEW env AS -- a view: hops is its only copy
                SELECT e.source_id::BIGINT * %s + e.line AS hid, e.source_id, e.line, e.source,
                       coalesce(e.pod, s.path) AS emitter, e.pod, e.namespace,
                       epoch_ms(e.start_time) AS t0, e.duration AS dur,
                       coalesce(e.bytes_received, 0) AS up, coalesce(e.bytes_sent, 0) AS down,
                       coalesce(string_split(e.response_flags, ','), []) AS flags, e.upstream_host AS uh, e.upstream_local_address AS ula,
                       e.downstream_local_address AS dla, e.downstream_remote_address AS dra,
                       e.downstream_remote_ip AS dra_ip, e.downstream_remote_port AS dra_port,
                       e.upstream_host_port AS uh_port, e.upstream_local_ip AS ula_ip, e.upstream_local_port AS ula_port,
                       CASE
                         -- a sidecar's outbound socket and the app's socket share the pod's IP
                         WHEN e.upstream_local_ip = e.downstream_remote_ip
                              AND e.downstream_local_ip IS DISTINCT FROM e.upstream_local_ip THEN 'sidecar'
                         -- a gateway's outbound socket and its listener share the gateway pod's IP
                         WHEN e.upstream_local_ip = e.downstream_local_ip
                              AND e.downstream_remote_ip IS DISTINCT FROM e.upstream_local_ip THEN 'gateway'
                         WHEN e.cluster_host ILIKE '%%egress%%gateway%%' THEN 'sidecar'
                       END AS hint,
                       -- a connection towards an egress gateway service, whatever became of it
                       coalesce(e.cluster_host ILIKE '%%egress%%gateway%%', false) AS to_gateway,
                       s.forced_role
                FROM envoy_log e JOIN sources s USING (source_id)
                WHERE e.method IS NULL AND coalesce(e.response_code, 0) = 0
                  AND e.start_time IS NOT NULL AND e.duration IS NOT NULL
                  AND e.requested_server_name IS NULL
                  AND coalesce(e.cluster_direction, '') NOT LIKE 'inbound%%'
                  AND coalesce(e.upstream_cluster, '') NOT LIKE 'Inbound%%'%s
                """.formatted(HID, windowFilter("e.end_time", "e.source_id::BIGINT * " + HID + " + e.line", 0)));
        exec("""
                CREATE OR REPLACE TABLE emitters AS
                SELECT emitter,
                       CASE WHEN emitter ILIKE '%egress%gateway%' THEN 'gateway'
                            WHEN count(*) FILTER (WHERE hint = 'gateway') > count(*) FILTER (WHERE hint = 'sidecar') THEN 'gateway'
                            WHEN count(*) FILTER (WHERE hint = 'sidecar') > 0 THEN 'sidecar'
                       END AS role
                FROM env GROUP BY emitter
                """);
        exec("""
                CREATE OR REPLACE TABLE hops AS
                SELECT env.*, coalesce(env.forced_role, m.role) AS role
                FROM env JOIN emitters m USING (emitter)
                """);
        exec("""
                CREATE OR REPLACE TABLE sq AS
                SELECT q.source_id::BIGINT * %s + q.line AS hid, q.source_id, q.line, q.source,
                       epoch_ms(q.end_time) - coalesce(q.elapsed_ms, 0) AS t0, coalesce(q.elapsed_ms, 0) AS dur,
                       coalesce(q.bytes, 0) AS bytes, q.request_bytes, q.client_ip, q.client_port, q.result_code,
                       q.http_status, q.method, q.url, q.connect_host, q.connect_port, q.server_ip, q.hierarchy
                FROM squid_log q LEFT JOIN sources src USING (source_id)
                WHERE q.end_time IS NOT NULL%s
                """.formatted(HID, squidWindowFilter()));
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
        String near = "end_time >= " + epochMs(window.horizonMs() - 2 * SLACK_MS) + lateRanges("end_time", 2 * SLACK_MS);
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

    /** Rows around a late line are made again with it: they stop being final. */
    private void unsettleLate() throws SQLException {
        if (!window.lateRanges().isEmpty()) {
            exec("UPDATE " + tunnelsTable() + " SET final = false WHERE final AND (false" + lateRanges("end_time", SLACK_MS) + ")");
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
        return "\n  AND (" + endColumn + " >= " + epochMs(window.horizonMs() - SLACK_MS - widen)
                + lateRanges(endColumn, SLACK_MS + widen) + ")"
                + "\n  AND " + hid + " NOT IN (SELECT hid FROM settled)";
    }

    /**
     * The Squid lines of the window. Their clock is the Squid's own: a source whose offset an
     * earlier pass learned is placed by it; one whose offset is not yet known is read as far back
     * as the largest offset searched for.
     */
    private String squidWindowFilter() {
        if (window == null) {
            return "";
        }
        StringBuilder known = new StringBuilder("epoch_ms(q.end_time) - src.clock_offset_ms >= " + (window.horizonMs() - SLACK_MS));
        for (long[] range : window.lateRanges()) {
            known.append(" OR epoch_ms(q.end_time) - src.clock_offset_ms BETWEEN ").append(range[0] - 2 * SLACK_MS)
                    .append(" AND ").append(range[1] + 2 * SLACK_MS);
        }
        return windowFilter("q.end_time", "q.source_id::BIGINT * " + HID + " + q.line", options.maxSkewMs())
                + "\n  AND (src.clock_offset_ms IS NULL OR " + known + ")";
    }

    /**
     * Upstream hops: what talks to a proxy (gateways, and sidecars that dial a proxy directly).
     * {@code down} is what the client received: a gateway joined to its sidecar takes the
     * sidecar's count, which Squid's equals even when the mesh hop adds Istio's peer-metadata bytes.
     */
    private void upstream() throws SQLException {
        exec("""
                CREATE OR REPLACE TABLE upstream AS
                SELECT h.* REPLACE (coalesce(s.down, h.down) AS down)
                FROM hops h
                LEFT JOIN sg_match m ON m.ghid = h.hid
                LEFT JOIN hops s ON s.hid = m.shid
                WHERE h.uh IS NOT NULL AND h.uh NOT LIKE 'envoy://%%'
                  AND (h.role = 'gateway'
                       OR (h.role = 'sidecar' AND h.uh = h.dla AND (h.uh_port IN %s OR h.uh IN (SELECT addr FROM proxy_override))))
                """.formatted(PROXY_PORTS));
    }

    private void createOverrideTable() throws SQLException {
        exec("CREATE OR REPLACE TABLE proxy_override (addr VARCHAR)");
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO proxy_override VALUES (?)")) {
            for (String address : options.proxyAddresses()) {
                ps.setString(1, address);
                ps.executeUpdate();
            }
        }
        exec("CREATE OR REPLACE TABLE squid_proxy_override (path VARCHAR, addr VARCHAR)");
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO squid_proxy_override VALUES (?, ?)")) {
            for (String pair : options.squidProxyMap()) {
                int eq = pair.lastIndexOf('=');
                ps.setString(1, pair.substring(0, eq));
                ps.setString(2, pair.substring(eq + 1));
                ps.executeUpdate();
            }
        }
    }

    /**
     * Clock offset of each Squid source: squid time − mesh time, from pairs whose byte count occurs
     * at most twice on each side and whose durations agree. The offset is the densest 100 ms
     * bucket of their differences, refined by the median around it, overall and per minute, 5
     * minutes and hour.
     */
    private void offsets() throws SQLException {
        exec("""
                CREATE OR REPLACE TABLE offset_pairs AS
                WITH e AS (SELECT hid, emitter, t0, dur, down, uh FROM upstream WHERE down > 39
                           QUALIFY count(*) OVER (PARTITION BY down) <= 2),
                     q AS (SELECT hid, source_id, client_ip, t0, dur, bytes FROM sq WHERE bytes > 39
                           QUALIFY count(*) OVER (PARTITION BY source_id, bytes) <= 2),
                     pairs AS (
                       SELECT q.source_id, e.uh, e.emitter, q.client_ip, q.t0 - e.t0 AS delta, q.t0 AS qt, e.dur AS edur, q.dur AS qdur
                       FROM e JOIN q ON q.bytes = e.down
                       UNION ALL
                       SELECT q.source_id, e.uh, e.emitter, q.client_ip, q.t0 - e.t0, q.t0, e.dur, q.dur
                       FROM e JOIN q ON q.bytes = e.down - 39)
                SELECT * FROM pairs
                WHERE abs(delta) <= %d AND abs(edur - qdur) <= 50 + edur // 50
                """.formatted(options.maxSkewMs()));
        // A source none of whose byte counts is rare (a poller behind it, say) gets pairs of any
        // byte count with durations that agree closely, from a sample of its lines: the true
        // offset still stands out as the densest difference.
        exec("""
                INSERT INTO offset_pairs
                WITH weak AS (SELECT DISTINCT source_id FROM sq
                              WHERE source_id NOT IN (SELECT source_id FROM offset_pairs GROUP BY source_id HAVING count(*) >= 20)),
                     q AS (SELECT * FROM sq WHERE source_id IN (SELECT source_id FROM weak) AND bytes > 39
                           QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY hash(hid)) <= 2000),
                     e AS (SELECT hid, emitter, t0, dur, down, uh FROM upstream WHERE down > 39)
                SELECT q.source_id, e.uh, e.emitter, q.client_ip, q.t0 - e.t0 AS delta, q.t0 AS qt, e.dur, q.dur
                FROM e JOIN q ON q.bytes = e.down
                WHERE abs(q.t0 - e.t0) <= %1$d AND abs(e.dur - q.dur) <= 10
                UNION ALL
                SELECT q.source_id, e.uh, e.emitter, q.client_ip, q.t0 - e.t0, q.t0, e.dur, q.dur
                FROM e JOIN q ON q.bytes = e.down - 39
                WHERE abs(q.t0 - e.t0) <= %1$d AND abs(e.dur - q.dur) <= 10
                """.formatted(options.maxSkewMs()));
        exec("""
                CREATE OR REPLACE TABLE offset_mode AS
                SELECT source_id, arg_max(bucket, n) * 100 AS mode_ms, max(n) AS support
                FROM (SELECT source_id, round(delta / 100.0)::BIGINT AS bucket, count(*) AS n
                      FROM offset_pairs GROUP BY ALL)
                GROUP BY source_id
                """);
        exec("""
                CREATE OR REPLACE TABLE source_offset AS
                SELECT p.source_id, median(p.delta)::BIGINT AS offset_ms, count(*) AS support
                FROM offset_pairs p JOIN offset_mode m USING (source_id)
                WHERE abs(p.delta - m.mode_ms) <= 500
                GROUP BY p.source_id
                """);
        // A Squid clock drifts (up to 1,000 ppm seen: 60 ms a minute, seconds in an hour): its
        // offset is taken again in each slot of a minute, around that slot's own densest
        // difference, so that it follows the drift over any span; a minute with too few pairs
        // takes its 5 minutes', then its hour's, then the source's offset.
        StringBuilder slots = new StringBuilder();
        for (long span : SLOTS_MS) {
            slots.append(slots.isEmpty() ? "" : "\nUNION ALL\n").append("""
                    SELECT source_id, %1$d AS span, qt // %1$d AS slot, delta FROM offset_pairs""".formatted(span));
        }
        exec("""
                CREATE OR REPLACE TABLE slot_offset AS
                WITH p AS (%s),
                     b AS (SELECT source_id, span, slot, round(delta / 100.0)::BIGINT AS bucket, count(*) AS n FROM p GROUP BY ALL),
                     m AS (SELECT source_id, span, slot, arg_max(bucket, n) * 100 AS mode_ms FROM b GROUP BY ALL HAVING max(n) >= 3)
                SELECT p.source_id, p.span, p.slot, median(p.delta)::BIGINT AS offset_ms
                FROM p JOIN m USING (source_id, span, slot)
                WHERE abs(p.delta - m.mode_ms) <= 300
                GROUP BY ALL HAVING count(*) >= 3
                """.formatted(slots));
        // which proxy addresses each Squid source serves, as its certain pairs show
        exec("""
                CREATE OR REPLACE TABLE source_proxy AS
                SELECT p.source_id, p.uh AS addr, count(*) AS n
                FROM offset_pairs p JOIN source_offset o USING (source_id)
                WHERE abs(p.delta - o.offset_ms) <= 500
                GROUP BY ALL
                """);
        // how far apart a source's certain pairs start once the offset is removed: its join window
        exec("""
                CREATE OR REPLACE TABLE source_window AS
                SELECT p.source_id,
                       least(%1$d, greatest(200, 3 * quantile_cont(abs(p.delta - %2$s), 0.99)))::BIGINT AS window_ms
                FROM offset_pairs p JOIN source_offset o USING (source_id)
                %3$s
                WHERE abs(p.delta - %2$s) <= 2000
                GROUP BY p.source_id
                """.formatted(options.proxyWindowMs(), slotOffset("o.offset_ms"), slotJoins("p", "p.qt")));
        // the address Squid sees for each emitter (after SNAT: its node), as its certain pairs show
        exec("""
                CREATE OR REPLACE TABLE emitter_client AS
                SELECT p.emitter, p.client_ip, count(*) AS n
                FROM offset_pairs p JOIN source_offset o USING (source_id)
                WHERE abs(p.delta - o.offset_ms) <= 500 AND p.client_ip IS NOT NULL
                GROUP BY ALL
                """);
        exec("""
                CREATE OR REPLACE TABLE sq_mesh AS
                SELECT sq.*, %1$s AS offset_ms,
                       %2$s IS NOT NULL AS offset_known,
                       sq.t0 - %1$s AS tm
                FROM sq LEFT JOIN source_offset o USING (source_id)
                        %3$s
                        -- what an earlier pass learned, for a source with no certain pair this time
                        LEFT JOIN prior src ON src.source_id = sq.source_id
                """.formatted(slotOffset("o.offset_ms, src.clock_offset_ms, 0"), slotOffset("o.offset_ms, src.clock_offset_ms"),
                slotJoins("sq", "sq.t0")));
    }

    /** The offset of the finest slot that has one, then {@code fallback} (SQL), in order. */
    private static String slotOffset(String fallback) {
        StringBuilder b = new StringBuilder("coalesce(");
        for (int i = 0; i < SLOTS_MS.length; i++) {
            b.append("s").append(i).append(".offset_ms, ");
        }
        return b.append(fallback).append(")").toString();
    }

    /** LEFT JOINs of the slots that hold time {@code time} of source {@code table}.source_id, as s0, s1, ... */
    private static String slotJoins(String table, String time) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < SLOTS_MS.length; i++) {
            b.append("LEFT JOIN slot_offset s").append(i).append(" ON s").append(i).append(".source_id = ").append(table)
                    .append(".source_id AND s").append(i).append(".span = ").append(SLOTS_MS[i]).append(" AND s").append(i)
                    .append(".slot = ").append(time).append(" // ").append(SLOTS_MS[i]).append("\n");
        }
        return b.toString();
    }

    /** The spans over which a Squid's clock offset is taken as constant, finest first. */
    static final long[] SLOTS_MS = {60_000, 300_000, 3_600_000};

    /** Address pairs a gateway's clock correction needs, and the least skew corrected (less is accept latency). */
    static final int GATEWAY_SKEW_PAIRS = 20;
    static final int GATEWAY_SKEW_MIN_MS = 20;

    /**
     * Sidecar lines and the gateway lines that accepted their connections: by address (the
     * sidecar's upstream socket is the gateway's downstream peer) within the mesh window; where
     * SNAT hides that address, by bytes (equal, or off by the gateway's constant peer-metadata
     * overhead learned from the address pairs), time and duration.
     */
    private void sidecarGatewayCandidates() throws SQLException {
        long window = options.meshWindowMs();
        exec("""
                CREATE OR REPLACE TABLE sg_address AS
                WITH s AS (SELECT * FROM hops WHERE role = 'sidecar' AND ula IS NOT NULL),
                     g AS (SELECT * FROM hops WHERE role = 'gateway' AND dra IS NOT NULL)
                SELECT s.hid AS shid, g.hid AS ghid, 'address' AS key, g.emitter AS gemitter,
                       g.t0 - s.t0 AS dt, g.down - s.down AS db, g.up - s.up AS dbu, g.dur - s.dur AS dd
                FROM s JOIN g ON g.dra = s.ula
                WHERE g.t0 BETWEEN s.t0 - %1$d AND s.t0 + %1$d
                """.formatted(window));
        // A gateway node's clock against the sidecars' nodes, as its address pairs (which cannot be
        // wrong) show: put its lines on the sidecars' clock before anything compares their times
        // (SNAT'd pairs by bytes, Squid offsets and joins). Below 20 ms it is accept latency.
        exec("""
                CREATE OR REPLACE TABLE gateway_skew AS
                SELECT gemitter AS emitter, median(dt)::BIGINT AS skew_ms FROM sg_address
                GROUP BY gemitter HAVING count(*) >= %d AND abs(median(dt)) >= %d
                """.formatted(GATEWAY_SKEW_PAIRS, GATEWAY_SKEW_MIN_MS));
        exec("""
                UPDATE hops SET t0 = hops.t0 - k.skew_ms FROM gateway_skew k
                WHERE hops.emitter = k.emitter AND hops.role = 'gateway'
                """);
        exec("""
                UPDATE sg_address SET dt = sg_address.dt - k.skew_ms FROM gateway_skew k WHERE sg_address.gemitter = k.emitter
                """);
        // the constant a gateway adds to both counts (Istio peer metadata), as its address pairs show
        exec("""
                CREATE OR REPLACE TABLE gateway_overhead AS
                SELECT gemitter AS emitter, mode(db) AS db, mode(dbu) AS dbu FROM sg_address
                WHERE abs(dt) <= 100 GROUP BY gemitter
                """);
        exec("""
                CREATE OR REPLACE TABLE sg_cand AS
                WITH s AS (SELECT *, t0 // 1000 AS b FROM hops WHERE role = 'sidecar'),
                     sidecar_ips AS (SELECT DISTINCT split_part(ula, ':', 1) AS ip FROM hops WHERE role = 'sidecar' AND ula IS NOT NULL),
                     -- a gateway that could not reach Squid sent nothing back, overhead included
                     snat_g AS (SELECT g.*, CASE WHEN g.down = 0 THEN 0 ELSE g.down - coalesce(o.db, 0) END AS sdown,
                                       unnest([g.t0 // 1000 - 1, g.t0 // 1000, g.t0 // 1000 + 1]) AS b
                                FROM hops g LEFT JOIN gateway_overhead o USING (emitter)
                                WHERE g.role = 'gateway' AND (g.dra IS NULL OR g.dra_ip NOT IN (SELECT ip FROM sidecar_ips))),
                     by_bytes AS (
                       SELECT s.hid AS shid, g.hid AS ghid, 'bytes' AS key, g.emitter AS gemitter,
                              g.t0 - s.t0 AS dt, g.down - s.down AS db, g.up - s.up AS dbu, g.dur - s.dur AS dd
                       FROM s JOIN snat_g g ON g.sdown = s.down AND g.b = s.b
                       WHERE abs(g.t0 - s.t0) <= 1000 AND g.up - s.up BETWEEN 0 AND 2048
                         AND abs(g.dur - s.dur) <= 100 + s.dur // 50)
                SELECT * EXCLUDE (gemitter),
                       (CASE key WHEN 'address' THEN 0.6 ELSE 0.3 END)
                       + 0.2 * exp(-abs(dt) / 500.0)
                       + 0.1 * (CASE WHEN db = 0 AND dbu = 0 THEN 1.0
                                     WHEN db BETWEEN 0 AND 2048 AND dbu BETWEEN 0 AND 2048 THEN 0.8
                                     WHEN db < 0 THEN 0.5 ELSE 0.2 END)
                       + 0.1 * exp(-abs(dd) / 200.0) AS score
                FROM (SELECT * FROM sg_address UNION ALL SELECT * FROM by_bytes)
                """);
    }

    /**
     * Upstream hops (gateways, and sidecars dialling a proxy) and the Squid lines of the same
     * connections. Every join has an equality key, so the work grows with the input, not with its
     * square: first pairs whose bytes agree (Squid's count equals the client's, or is 39 less on
     * Squid before 3.5.26) or where Squid failed and wrote nothing, within the same time bucket;
     * then, among the lines still unpaired (client aborts), any pair close in time and duration.
     */
    private void proxyCandidates() throws SQLException {
        exec("CREATE OR REPLACE TABLE pq_cand AS " + proxyPairs("exact"));
        assign("pq_cand", "ehid", "qhid", "pq_match", MIN_PROXY_SCORE);
        exec("CREATE OR REPLACE TABLE pq_scored AS SELECT * FROM pq_cand");
        for (int round = 0; round < ORDER_ROUNDS; round++) {
            keepOrder();
            assign("pq_cand", "ehid", "qhid", "pq_match", MIN_PROXY_SCORE);
        }
        exec("CREATE OR REPLACE TABLE pq_cand AS " + proxyPairs("rest"));
        exec("CREATE OR REPLACE TABLE pq_first AS SELECT * FROM pq_match");
        assign("pq_cand", "ehid", "qhid", "pq_match", MIN_PROXY_SCORE);
        exec("INSERT INTO pq_match SELECT * FROM pq_first");
        exec("DROP TABLE pq_first");
    }

    /**
     * Lines with the same byte count from one gateway (pollers, denials) are told apart by time
     * alone, and Squid's start lags the accept by 0–30 ms, so close ones can be swapped. Such
     * connections reach Squid in the order they were accepted: around each matched hop, its
     * neighbours in the cluster (same emitter, same count) show how the cluster's hops and Squid
     * lines line up by rank (a lost line shifts that alignment by one, from there on). Candidates
     * that keep the local alignment gain a little, the others lose a little, and the assignment
     * is made again.
     */
    private void keepOrder() throws SQLException {
        exec("""
                CREATE TABLE IF NOT EXISTS e_rank AS
                SELECT hid, emitter, down,
                       row_number() OVER (PARTITION BY emitter, down ORDER BY t0, hid) AS r
                FROM upstream
                """);
        exec("""
                CREATE TABLE IF NOT EXISTS q_rank AS
                SELECT hid, row_number() OVER (PARTITION BY source_id, client_ip, bytes ORDER BY tm, hid) AS r
                FROM sq_mesh
                """);
        // the alignment around each matched hop: the commonest rank difference of its neighbours
        exec("""
                CREATE OR REPLACE TABLE rank_shift AS
                WITH pairs AS (SELECT e.hid, e.emitter, e.down, e.r AS er, e.r - q.r AS d
                               FROM pq_match m JOIN e_rank e ON e.hid = m.ehid JOIN q_rank q ON q.hid = m.qhid)
                SELECT hid, mode(d) OVER w AS d, count(*) OVER w AS n
                FROM pairs
                WINDOW w AS (PARTITION BY emitter, down ORDER BY er ROWS BETWEEN 6 PRECEDING AND 6 FOLLOWING)
                """);
        exec("""
                CREATE OR REPLACE TABLE pq_cand AS
                SELECT c.* REPLACE (c.score + CASE WHEN s.d IS NULL OR s.n < 5 THEN 0.0
                                                   WHEN e.r - q.r = s.d THEN 0.05 ELSE -0.05 END AS score)
                FROM pq_scored c JOIN e_rank e ON e.hid = c.ehid JOIN q_rank q ON q.hid = c.qhid
                LEFT JOIN rank_shift s ON s.hid = c.ehid
                """);
    }

    private String proxyPairs(String pass) {
        long window = options.proxyWindowMs();
        boolean exact = pass.equals("exact");
        String leftover = exact ? "" : " AND hid NOT IN (SELECT ehid FROM pq_match)";
        String leftoverSquid = exact ? "" : " WHERE hid NOT IN (SELECT qhid FROM pq_match)";
        String select = """
                SELECT e.hid AS ehid, q.hid AS qhid, e.uh, e.emitter, q.source_id, q.client_ip, e.role,
                       q.tm - e.t0 AS dt, e.down - q.bytes AS db, e.dur - q.dur AS dd,
                       q.http_status, q.bytes AS qbytes, e.dur AS edur,
                       coalesce(q.client_port = e.ula_port, false) AS port_match,
                       -- Squid saw this hop's own address (no SNAT) with another port: another connection
                       coalesce(q.client_ip = e.ula_ip AND q.client_port <> e.ula_port, false) AS port_conflict
                """;
        // each join keeps only what is near in time and duration: on 1 M tunnels a time bucket
        // alone pairs 15 M lines with Squid's failures
        String near = "\n WHERE abs(q.tm - e.t0) <= " + window + " AND abs(e.dur - q.dur) <= 250 + e.dur // 20";
        // equality keys only: an OR in a join condition would leave just the time bucket to hash on
        String join = exact
                ? select + " FROM e JOIN q ON q.b = e.b AND q.bytes = e.down" + near + "\n UNION ALL\n"
                  + select + " FROM e JOIN q ON q.b = e.b AND q.bytes = e.down - 39" + near + "\n UNION ALL\n"
                  // a custom logformat with %>p: Squid's client port is the upstream hop's own port
                  + select + " FROM e JOIN (SELECT * FROM q WHERE client_port IS NOT NULL) q"
                  + " ON q.b = e.b AND q.client_port = e.ula_port" + near + "\n UNION ALL\n"
                  // Squid failed and logged 0 bytes: the hops carry its error page (a few KB) and little else
                  + select + " FROM (SELECT * FROM e WHERE down BETWEEN 100 AND 16384 AND up < 8192) e"
                  + " JOIN (SELECT * FROM q WHERE bytes = 0 AND http_status >= 400) q ON q.b = e.b" + near
                : select + " FROM e JOIN q ON q.b = e.b" + near;
        return """
                WITH e AS NOT MATERIALIZED (
                           -- only the columns the joins use, and not stored once more: on 1 M tunnels
                           -- 3 s instead of 6 s, as less spills to disk
                           SELECT hid, uh, emitter, role, t0, down, up, dur, ula_ip, ula_port,
                                  unnest([t0 // %1$d - 1, t0 // %1$d, t0 // %1$d + 1]) AS b FROM upstream
                           -- a hop that could not connect never reached Squid
                           WHERE NOT list_has_any(flags, %2$s)%4$s),
                     q AS NOT MATERIALIZED (
                           SELECT hid, source_id, client_ip, client_port, tm, bytes, dur, http_status, tm // %1$d AS b
                           FROM sq_mesh%5$s),
                     overridden AS (SELECT s.source_id, o.addr FROM squid_proxy_override o JOIN sources s ON s.path = o.path),
                     allowed AS (SELECT source_id, addr FROM source_proxy
                                 WHERE source_id NOT IN (SELECT source_id FROM overridden)
                                 QUALIFY n * 10 >= max(n) OVER (PARTITION BY source_id)
                                 UNION ALL SELECT * FROM overridden),
                     joined AS (%3$s),
                     pairs AS (
                       SELECT j.*, CASE WHEN ec.client_ip IS NOT NULL THEN 1.0
                                        WHEN j.emitter IN (SELECT emitter FROM emitter_client) THEN 0.0
                                        ELSE 0.5 END AS client_score
                       FROM joined j
                       LEFT JOIN emitter_client ec ON ec.emitter = j.emitter AND ec.client_ip = j.client_ip
                       LEFT JOIN source_window w ON w.source_id = j.source_id
                       WHERE abs(j.dt) <= coalesce(w.window_ms, %1$d))
                SELECT p.ehid, p.qhid, p.uh, p.source_id,
                       CASE WHEN port_match THEN 'client-port'
                            WHEN client_score = 1.0 THEN 'time+bytes+client' ELSE 'time+bytes' END AS key,
                       p.dt, p.db, p.dd,
                       -- an exact port match halves the distance to 1; a port conflict leaves a third
                       (CASE WHEN port_match THEN 0.5 ELSE 0.0 END)
                       + (CASE WHEN port_match THEN 0.5 WHEN port_conflict THEN 0.3 ELSE 1.0 END) * (
                       0.30 * exp(-abs(dt) / 100.0)
                       + 0.20 * client_score
                       + 0.35 * (CASE WHEN db = 0 OR db = 39 THEN 1.0
                                      -- a constant overhead on the gateway's mesh side (Istio peer metadata)
                                      WHEN db BETWEEN 1 AND 2048 THEN 0.9
                                      WHEN qbytes = 0 AND http_status >= 500 THEN 0.8
                                      -- a client abort: Squid wrote more than reached the client
                                      WHEN db < 0 THEN 0.3 * exp(db / (1.0 + qbytes))
                                      ELSE 0.1 END)
                       + 0.15 * exp(-abs(dd) / 100.0)) AS score
                FROM pairs p
                WHERE (NOT EXISTS (SELECT 1 FROM allowed a WHERE a.source_id = p.source_id)
                       OR EXISTS (SELECT 1 FROM allowed a WHERE a.source_id = p.source_id AND a.addr = p.uh))
                  -- a sidecar dialling some address directly is a bypass only with byte evidence
                  AND (p.role = 'gateway' OR p.db IN (0, 39) OR p.http_status >= 400)
                """.formatted(window, CONNECT_FAILURE_FLAGS, join, leftover, leftoverSquid);
    }

    /**
     * Keeps, round after round, the pairs that are the best for both their lines, then drops
     * every other pair of those lines. Each line ends in at most one pair; with distinct scores
     * this is exactly the greedy assignment by descending score.
     */
    private void assign(String candidates, String left, String right, String matches, double minScore) throws SQLException {
        exec("CREATE OR REPLACE TABLE " + matches + " AS SELECT * FROM " + candidates + " LIMIT 0");
        exec("CREATE OR REPLACE TABLE remaining AS SELECT * FROM " + candidates + " WHERE score >= " + minScore);
        for (int round = 0; round < 50; round++) {
            long before = count("SELECT count(*) FROM " + matches);
            exec("""
                    INSERT INTO %3$s
                    SELECT * EXCLUDE (ra, rb) FROM (
                      SELECT *, row_number() OVER (PARTITION BY %1$s ORDER BY score DESC, %2$s) AS ra,
                                row_number() OVER (PARTITION BY %2$s ORDER BY score DESC, %1$s) AS rb
                      FROM remaining)
                    WHERE ra = 1 AND rb = 1
                    """.formatted(left, right, matches));
            long after = count("SELECT count(*) FROM " + matches);
            if (after == before) {
                break;
            }
            exec("""
                    CREATE OR REPLACE TABLE remaining AS
                    SELECT r.* FROM remaining r
                    WHERE r.%1$s NOT IN (SELECT %1$s FROM %3$s) AND r.%2$s NOT IN (SELECT %2$s FROM %3$s)
                    """.formatted(left, right, matches));
            if (count("SELECT count(*) FROM remaining") == 0) {
                break;
            }
        }
        exec("DROP TABLE IF EXISTS remaining");
    }

    /**
     * Rows per slice of the final join: its hash tables are built on the slice, so memory stays
     * small. Measured with the 512 MB default limit on 1 M tunnels, once the pairing tables are
     * dropped: 300 000 runs (and 13 % faster than 150 000); 400 000 ran out of memory before.
     */
    static final long TUNNELS_PER_SLICE = 300_000;

    private void tunnels() throws SQLException {
        for (String statement : TunnelSql.prepare()) {
            exec(statement);
        }
        long slices = Math.max(1, (count("SELECT count(*) FROM chains") + TUNNELS_PER_SLICE - 1) / TUNNELS_PER_SLICE);
        String table = window == null ? fileSchema() + ".tunnels_building" : "new_tunnels";
        long finalBefore = window == null ? Long.MAX_VALUE : window.finalBeforeMs();
        for (long k = 0; k < slices; k++) {
            for (String statement : TunnelSql.slice(CONNECT_FAILURE_FLAGS, k, slices, k == 0, table, finalBefore, options.maxSkewMs())) {
                exec(statement);
            }
        }
        // the invariant: every line on an egress path is in a row (sidecar lines to a gateway's
        // listener or to a proxy, gateway lines to a proxy, every Squid line)
        linesInNoRow = count("""
                SELECT count(*) FROM hops h
                WHERE ((h.role = 'sidecar' AND (h.to_gateway OR h.uh IN (SELECT DISTINCT dla FROM hops WHERE role = 'gateway' AND dla IS NOT NULL)
                                                OR h.uh IN (SELECT addr FROM proxies) OR h.dla IN (SELECT addr FROM proxies)))
                       OR (h.role = 'gateway' AND h.uh IN (SELECT addr FROM proxies)))
                  AND h.hid NOT IN (SELECT shid FROM chains WHERE shid IS NOT NULL)
                  AND h.hid NOT IN (SELECT ghid FROM chains WHERE ghid IS NOT NULL)""")
                + count("SELECT count(*) FROM sq_mesh WHERE hid NOT IN (SELECT qhid FROM chains WHERE qhid IS NOT NULL)");
    }

    /** Lines on an egress path in no row after the last run: 0 unless a join rule drops lines. */
    private long linesInNoRow;

    /**
     * A stream pass's rows replace the rows that were not final, in one transaction (with the
     * sources' learned offsets and roles), so a reader sees the table before or after, never between.
     */
    private void merge() throws SQLException {
        boolean existed = tunnelsHaveFinal();
        publish(() -> {
            if (existed) {
                exec("DELETE FROM " + tunnelsTable() + " WHERE NOT final");
                exec("INSERT INTO " + tunnelsTable() + " BY NAME SELECT * FROM new_tunnels");
            } else {
                exec("CREATE OR REPLACE TABLE " + tunnelsTable() + " AS SELECT * FROM new_tunnels");
            }
        });
    }

    private void updateSources() throws SQLException {
        if (window == null) {
            // a trace learns everything again: nothing stays of an earlier run's estimates
            exec("UPDATE sources SET clock_offset_ms = NULL, proxy_address = NULL, role = NULL");
        }
        exec("""
                UPDATE sources SET clock_offset_ms = o.offset_ms
                FROM source_offset o WHERE o.source_id = sources.source_id
                """);
        // an Envoy sidecar source's clock against the gateways it talks to (ms; node clocks differ
        // by milliseconds), from its address-matched pairs
        exec("""
                UPDATE sources SET clock_offset_ms = o.offset_ms
                FROM (SELECT s.source_id, median(-m.dt)::BIGINT AS offset_ms
                      FROM sg_match m JOIN hops s ON s.hid = m.shid
                      WHERE m.key = 'address' GROUP BY s.source_id) o
                WHERE o.source_id = sources.source_id
                """);
        exec("""
                UPDATE sources SET proxy_address = p.addr
                FROM (SELECT source_id, arg_max(addr, n) AS addr FROM source_proxy GROUP BY source_id) p
                WHERE p.source_id = sources.source_id
                """);
        exec("""
                UPDATE sources SET role = r.role
                FROM (SELECT source_id, CASE WHEN count(DISTINCT role) = 1 THEN any_value(role) ELSE 'mixed' END AS role
                      FROM hops WHERE role IS NOT NULL GROUP BY source_id) r
                WHERE r.source_id = sources.source_id
                """);
        exec("UPDATE sources SET role = 'squid' WHERE source_id IN (SELECT DISTINCT source_id FROM squid_log) AND role IS NULL");
    }

    /** Tunnels by status and the offset of each Squid source, for the summary. */
    /**
     * Tunnels by status, the offset of each Squid source, and the lines on an egress path that
     * are in no row (the invariant is that there are none: each such line is in exactly one row).
     */
    public record Result(Map<String, Long> byStatus, List<String> offsets, long linesInNoRow) {
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
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("""
                     SELECT s.path, o.offset_ms, o.support FROM egresslog_work.main.source_offset o JOIN main.sources s USING (source_id) ORDER BY s.path""")) {
            while (rs.next()) {
                offsets.add(String.format("%s: %+.3f s (from %d certain pairs)", rs.getString(1), rs.getLong(2) / 1000.0, rs.getLong(3)));
            }
        }
        return new Result(byStatus, offsets, linesInNoRow);
    }
}
