package dev.egresslog.cli.store;

import dev.egresslog.cli.ExitCodes;
import dev.egresslog.cli.UserException;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.Origin;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.RecordColumns;
import dev.egresslog.parser.Reject;
import dev.egresslog.parser.SquidRecord;
import org.duckdb.DuckDBConnection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * The DuckDB file: schema, sources, and the log tables written through the Appender.
 * One writer at a time (DuckDB's rule for a file); not thread safe.
 */
public final class Store implements AutoCloseable {
    private final DuckDBConnection connection;
    private final Path path;

    private Store(DuckDBConnection connection, Path path) {
        this.connection = connection;
        this.path = path;
    }

    /** How long a writer waits for a database that another process has open (a query, most often). */
    private static final long WRITER_LOCK_WAIT_MS = 30_000;

    /** The database file is open in another process; DuckDB allows one process at a time. */
    public static final class LockedException extends RuntimeException {
        private final String holder;

        LockedException(String holder) {
            super("locked by " + holder, null, false, false);
            this.holder = holder;
        }

        /** The other process as DuckDB names it, e.g. "PID 1234, /usr/bin/java". */
        public String holder() {
            return holder;
        }
    }

    /** Opens {@code url}, or throws LockedException when another process holds the file. */
    private static Connection connect(String url, java.util.Properties props) throws SQLException {
        try {
            return DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("Could not set lock on file") || m.contains("Conflicting lock is held")) {
                java.util.regex.Matcher pid = java.util.regex.Pattern.compile("\\(PID (\\d+)\\)").matcher(m);
                java.util.regex.Matcher exe = java.util.regex.Pattern.compile("held in (\\S+)").matcher(m);
                throw new LockedException((pid.find() ? "PID " + pid.group(1) : "another process")
                        + (exe.find() ? ", " + exe.group(1) : ""));
            }
            throw e;
        }
    }

    /** Opens (creating if needed) the database for writing, quietly. */
    public static Store open(Path path, String memoryLimit) {
        return open(path, memoryLimit, null);
    }

    /**
     * Opens (creating if needed) the database for writing. A file another process has open
     * (a query reading it, most often) is waited for, up to 30 s, saying so on {@code err}.
     */
    public static Store open(Path path, String memoryLimit, java.io.PrintWriter err) {
        return open(path, memoryLimit, err, false);
    }

    /**
     * As above; {@code textKept}: whether the command that may create the database keeps each
     * line's text (stream, trace --keep-raw), which decides how that column is compressed.
     */
    public static Store open(Path path, String memoryLimit, java.io.PrintWriter err, boolean textKept) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new UserException("no such directory for the database: " + parent);
            }
            DuckDBConnection c = null;
            long deadline = System.currentTimeMillis() + WRITER_LOCK_WAIT_MS;
            boolean said = false;
            while (c == null) {
                try {
                    c = (DuckDBConnection) connect("jdbc:duckdb:" + path.toAbsolutePath(), new java.util.Properties());
                } catch (LockedException e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new UserException("the database " + path + " is in use by another process (" + e.holder()
                                + "); DuckDB lets one process open a file for writing", ExitCodes.FAILURE);
                    }
                    if (!said && err != null) {
                        err.println("egresslog: waiting for " + e.holder() + " to close " + path);
                        err.flush();
                        said = true;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new UserException("interrupted", ExitCodes.FAILURE);
                    }
                }
            }
            try {
                try (Statement s = c.createStatement()) {
                    if (memoryLimit != null) {
                        s.execute("SET memory_limit = '" + memoryLimit.replace("'", "") + "'");
                    }
                    s.execute("SET preserve_insertion_order = false");
                    // trace and stream commit many times; checkpointing every 16 MB of WAL (the default)
                    // cost correlation a sixth of its time on a 1 M-tunnel set (measured while its work
                    // tables still lived in this file)
                    s.execute("SET checkpoint_threshold = '256MB'");
                }
                Store store = new Store(c, path);
                store.createSchema(textKept);
                return store;
            } catch (SQLException | RuntimeException e) {
                c.close(); // or the database stays open in this process
                throw e;
            }
        } catch (SQLException e) {
            String line = firstLine(e);
            if (line.contains("Out of Memory")) {
                throw new UserException("cannot open database " + path + ": " + line + " (run again with a larger --memory-limit)",
                        ExitCodes.FAILURE);
            }
            throw new UserException("cannot open database " + path + ": " + line);
        }
    }

    /** Opens an existing database read-only, for egresslog's own reading (benchmarks, tests). */
    public static Connection openReadOnly(Path path) {
        return openReadOnly(path, false, false);
    }

    /**
     * Opens an existing database read-only for the SQL of query and explain: it sees this
     * database and nothing else on the machine (no file reads or writes, no ATTACH, no extension
     * installs), and cannot turn that back on. With {@code streaming}, results stream rather than
     * being held whole (one open result at a time). Throws LockedException while another process
     * holds the file.
     */
    public static Connection openForQueries(Path path, boolean streaming) {
        return openReadOnly(path, true, streaming);
    }

    private static Connection openReadOnly(Path path, boolean guarded, boolean streaming) {
        if (!Files.isRegularFile(path)) {
            throw new UserException("no database at " + path + " (run 'egresslog trace' first, or give --db)");
        }
        try {
            java.util.Properties props = new java.util.Properties();
            props.setProperty("duckdb.read_only", "true");
            if (guarded) {
                props.setProperty("enable_external_access", "false");
                props.setProperty("autoinstall_known_extensions", "false");
                props.setProperty("autoload_known_extensions", "false");
                props.setProperty("lock_configuration", "true");
            }
            if (streaming) {
                props.setProperty(org.duckdb.DuckDBDriver.JDBC_STREAM_RESULTS, "true");
            }
            return connect("jdbc:duckdb:" + path.toAbsolutePath(), props);
        } catch (SQLException e) {
            throw new UserException("cannot open database " + path + ": " + firstLine(e));
        }
    }

    public static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * From now on SQL on this database reaches no file other than its own and its attached
     * in-memory work databases: for a process that serves queries to others (stream).
     */
    public void denyExternalAccess() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET enable_external_access = false");
            s.execute("SET autoinstall_known_extensions = false");
        }
    }

    public Connection connection() {
        return connection;
    }

    public Path path() {
        return path;
    }

    private void createSchema(boolean textKept) throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String ddl : Schema.ddl(textKept)) {
                s.execute(ddl);
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()"
                    + " AND table_name = 'sources' AND column_name = 'finished_at'")) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    // a database of an earlier egresslog: its sources were stored whole
                    s.execute("ALTER TABLE sources ADD COLUMN finished_at TIMESTAMP");
                    s.execute("UPDATE sources SET finished_at = coalesce(added_at, now())");
                }
            }
            for (String column : Schema.ADDED_SOURCE_COLUMNS) {
                s.execute("ALTER TABLE sources ADD COLUMN IF NOT EXISTS " + column);
            }
            try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema_version'")) {
                if (rs.next()) {
                    if (!rs.getString(1).equals(Integer.toString(Schema.VERSION))) {
                        throw new UserException("database " + path + " has schema version " + rs.getString(1)
                                + "; this egresslog writes version " + Schema.VERSION);
                    }
                } else {
                    s.execute("INSERT INTO meta VALUES ('schema_version', '" + Schema.VERSION + "')");
                }
            }
        }
    }

    /**
     * Runs {@code work} on this connection in one transaction: one commit (one sync of the file)
     * instead of one per statement.
     */
    public void inTransaction(InTransaction work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            work.run(connection);
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** Work done on a connection inside a transaction, before it commits. */
    public interface InTransaction {
        void run(Connection connection) throws SQLException;
    }

    /**
     * What the database already holds of an input with this fingerprint; {@code lastLineOpen}: its
     * last line had no line end when read, so it is read again if the input has grown.
     */
    public record Known(int sourceId, String path, long bytes, long lines, String headHash, boolean lastLineOpen) {
    }

    /** The source with exactly this fingerprint, or null. */
    public Known findExact(String fingerprint) throws SQLException {
        List<Known> found = find("fingerprint = ?", fingerprint);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Earlier, smaller sources read from the same path: candidates for a log that has grown since. */
    public List<Known> findSmallerAtPath(String sourcePath, long bytes) throws SQLException {
        return find("path = ? AND bytes < ?", sourcePath, bytes);
    }

    private List<Known> find(String where, Object... parameters) throws SQLException {
        List<Known> found = new java.util.ArrayList<>();
        try (PreparedStatement ps = prepare(
                "SELECT source_id, path, bytes, lines, head_hash, coalesce(last_line_open, false) FROM sources "
                        + "WHERE finished_at IS NOT NULL AND (" + where + ") ORDER BY bytes DESC", parameters)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new Known(rs.getInt(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                            rs.getBoolean(6)));
                }
            }
        }
        return found;
    }

    /**
     * Registers a new source and returns its id. {@code absolutePath} is where the input was when
     * read (explain finds it from any directory), null for standard input.
     */
    public int addSource(String sourcePath, String absolutePath, String fingerprint, String headHash, long bytes, String forcedRole)
            throws SQLException {
        int id;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(source_id), 0) + 1 FROM sources")) {
            rs.next();
            id = rs.getInt(1);
        }
        update("INSERT INTO sources (source_id, path, absolute_path, fingerprint, head_hash, bytes, lines, records, rejects, "
                + "forced_role, added_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, ?, now())",
                id, sourcePath, absolutePath, fingerprint, headHash, bytes, forcedRole);
        return id;
    }

    /**
     * Records something an input named that was not read (a pipe inside a directory, a broken link,
     * an unreadable file) as a finished source of kind 'skipped' with the reason, once per path.
     */
    public void addSkipped(String sourcePath, String absolutePath, String reason) throws SQLException {
        String fingerprint = "skipped:" + absolutePath;
        if (!find("fingerprint = ?", fingerprint).isEmpty()) {
            return;
        }
        int id = addSource(sourcePath, absolutePath, fingerprint, fingerprint, 0, null);
        update("UPDATE sources SET kind = 'skipped', error = ?, finished_at = now() WHERE source_id = ?", reason, id);
    }

    /** The totals of an input read to its end (or to a read error). */
    public record Finished(String fingerprint, String headHash, long bytes, long lines, long records, long rejects, String kind,
                           boolean lastLineOpen, String error) {
    }

    /** Records the totals of a source after its lines are stored; a grown source keeps its id and gets the new fingerprint. */
    public void finishSource(int id, Finished f) throws SQLException {
        update("UPDATE sources SET fingerprint = ?, head_hash = ?, bytes = ?, lines = ?, records = records + ?, "
                + "rejects = rejects + ?, kind = coalesce(?, kind), last_line_open = ?, error = ?, finished_at = now() "
                + "WHERE source_id = ?",
                f.fingerprint(), f.headHash(), f.bytes(), f.lines(), f.records(), f.rejects(), f.kind(), f.lastLineOpen(), f.error(), id);
    }

    /** Removes line {@code line} of a source from the log tables: a last line that was read before its end was written. */
    public void dropLine(int sourceId, long line) throws SQLException {
        int records = 0;
        int rejects = 0;
        for (String table : LOG_TABLES) {
            int n = update("DELETE FROM " + table + " WHERE source_id = ? AND line = ?", sourceId, line);
            if (table.equals("rejects")) {
                rejects += n;
            } else {
                records += n;
            }
        }
        update("UPDATE sources SET records = records - ?, rejects = rejects - ? WHERE source_id = ?", records, rejects, sourceId);
    }

    /** The tables that hold an input's lines. */
    private static final List<String> LOG_TABLES = List.of("envoy_log", "squid_log", "rejects");

    /**
     * Removes the inputs a failed run left unfinished (registered, not all lines stored) with the
     * lines it stored of them, so that they are read again whole. Returns how many inputs.
     */
    public int dropUnfinished() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM sources WHERE finished_at IS NULL")) {
            rs.next();
            if (rs.getLong(1) == 0) {
                return 0;
            }
        }
        String unfinished = "source_id IN (SELECT source_id FROM sources WHERE finished_at IS NULL)";
        for (String table : LOG_TABLES) {
            update("DELETE FROM " + table + " WHERE " + unfinished);
        }
        return update("DELETE FROM sources WHERE finished_at IS NULL");
    }

    /** Removes the lines after {@code line} of a source: what a failed run stored of a grown log. */
    public void dropLinesAfter(int sourceId, long line) throws SQLException {
        for (String table : LOG_TABLES) {
            update("DELETE FROM " + table + " WHERE source_id = ? AND line > ?", sourceId, line);
        }
    }

    /**
     * Rewrites the database file without the space that deleted rows left free (DuckDB reuses
     * it, but never gives it back): a copy in a new file, moved over the old one. For after a
     * run that removed what a failed run had stored. The database must not be open.
     *
     * @return the file's size before and after, in bytes
     */
    public static long[] compact(Path db, String memoryLimit) throws SQLException {
        Path abs = db.toAbsolutePath();
        Path copy = Path.of(abs + ".compact");
        try {
            long before = Files.size(abs);
            Files.deleteIfExists(copy);
            Files.deleteIfExists(Path.of(copy + ".wal"));
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
                if (memoryLimit != null) {
                    s.execute("SET memory_limit = '" + memoryLimit.replace("'", "") + "'");
                }
                s.execute("ATTACH '" + abs.toString().replace("'", "''") + "' AS compact_from (READ_ONLY)");
                s.execute("ATTACH '" + copy.toString().replace("'", "''") + "' AS compact_to");
                s.execute("COPY FROM DATABASE compact_from TO compact_to");
                s.execute("DETACH compact_from");
                s.execute("DETACH compact_to");
            }
            Files.move(copy, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new long[] {before, Files.size(abs)};
        } catch (java.io.IOException e) {
            throw new SQLException("cannot compact " + db + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(copy);
                Files.deleteIfExists(Path.of(copy + ".wal"));
            } catch (java.io.IOException e) {
                // a leftover copy is deleted by the next compaction
            }
        }
    }

    /** A pod that held {@code ip} from {@code startedAt} (epoch ms). */
    public record PodAddress(String namespace, String pod, String uid, String node, String app, String ip, long startedAt) {
    }

    /**
     * Stores a pod listing as a finished source of kind 'pods' (known by its content, as logs are);
     * returns false when the database holds it already.
     */
    public boolean addPods(String path, String fingerprint, long bytes, List<PodAddress> pods) throws SQLException {
        if (findExact(fingerprint) != null) {
            return false;
        }
        int id = addSource(path, Path.of(path).toAbsolutePath().toString(), fingerprint, fingerprint, bytes, null);
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO pods VALUES (?, ?, ?, ?, ?, ?, ?, make_timestamp(? * 1000))")) {
            for (PodAddress p : pods) {
                ps.setInt(1, id);
                ps.setString(2, p.namespace());
                ps.setString(3, p.pod());
                ps.setString(4, p.uid());
                ps.setString(5, p.node());
                ps.setString(6, p.app());
                ps.setString(7, p.ip());
                ps.setLong(8, p.startedAt());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        update("UPDATE sources SET kind = 'pods', lines = ?, records = ?, finished_at = now() WHERE source_id = ?",
                pods.size(), pods.size(), id);
        return true;
    }

    /**
     * Names the pods of tunnel rows that have none (no envelope, prefix or node path named it),
     * from the pod listings: the pod that held the client's IP when the tunnel started, i.e. the
     * latest to start before it (IPs are reused; a listing of any time serves). Returns how many rows.
     */
    public int namePodsFromListings() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pods")) {
            rs.next();
            if (rs.getLong(1) == 0) {
                return 0;
            }
        }
        return update("""
                UPDATE tunnels SET pod = m.pod, namespace = m.namespace
                FROM (SELECT t.tunnel_id, p.pod, p.namespace
                      FROM (SELECT tunnel_id, client_ip, start_time FROM tunnels WHERE pod IS NULL AND client_ip IS NOT NULL) t
                      ASOF JOIN (SELECT DISTINCT ip, started_at, pod, namespace FROM pods) p
                        ON t.client_ip = p.ip AND t.start_time >= p.started_at) m
                WHERE tunnels.tunnel_id = m.tunnel_id""");
    }

    /** Whether an input by this path (as given) is in the database. */
    public boolean hasSourcePath(String sourcePath) throws SQLException {
        return !find("path = ?", sourcePath).isEmpty();
    }

    /**
     * Removes DuckDB's temporary directory beside the database when it is empty: DuckDB creates
     * it when it spills, and leaves it behind (also after a kill).
     */
    public static void removeEmptyTempDirectory(Path db) {
        Path tmp = Path.of(db.toAbsolutePath() + ".tmp");
        try (var entries = Files.list(tmp)) {
            if (entries.findAny().isEmpty()) {
                Files.deleteIfExists(tmp);
            }
        } catch (java.io.IOException e) {
            // absent, or not empty: nothing to do
        }
    }

    public void setForcedRole(int sourceId, String role) throws SQLException {
        update("UPDATE sources SET forced_role = ? WHERE source_id = ?", role, sourceId);
    }

    private PreparedStatement prepare(String sql, Object... parameters) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        try {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
        return ps;
    }

    private int update(String sql, Object... parameters) throws SQLException {
        try (PreparedStatement ps = prepare(sql, parameters)) {
            return ps.executeUpdate();
        }
    }

    /**
     * Appenders for the three log tables on a connection of their own, so that several threads
     * can append at once; rows are visible after {@link LogAppender#commit} or {@link LogAppender#close()}.
     *
     * @param keepRaw whether to store each line's text (for explain when the files are gone)
     */
    public LogAppender appender(boolean keepRaw) throws SQLException {
        return new LogAppender(connection.duplicate(), keepRaw);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw new UserException("cannot close database " + path + ": " + firstLine(e));
        }
    }

    /**
     * Writes parsed lines through DuckDB's Appender, never row by row: each log table through a
     * {@link StagedTable}, in one transaction per {@link #commit} (or until {@link #close}).
     */
    public static final class LogAppender implements AutoCloseable {
        private final DuckDBConnection connection;
        private final boolean keepRaw;
        private final StagedTable envoy;
        private final StagedTable squid;
        private final StagedTable rejects;
        private final Object[] envoyRow = new Object[Schema.ENVOY_LOG.size()];
        private final Object[] squidRow = new Object[Schema.SQUID_LOG.size()];
        private final Object[] rejectRow = new Object[Schema.REJECTS.size()];

        LogAppender(DuckDBConnection c, boolean keepRaw) throws SQLException {
            this.connection = c;
            this.keepRaw = keepRaw;
            // One transaction for many rows: each flush outside a transaction is a commit.
            c.setAutoCommit(false);
            envoy = new StagedTable(c, "envoy_log", Schema.ENVOY_LOG);
            squid = new StagedTable(c, "squid_log", Schema.SQUID_LOG);
            rejects = new StagedTable(c, "rejects", Schema.REJECTS);
        }

        public void append(int sourceId, String raw, ParsedLine parsed) throws SQLException {
            if (parsed instanceof EnvoyRecord r) {
                envoy.append(row(envoyRow, sourceId, parsed.origin(), RecordColumns.ENVOY, ENVOY_STRUCTURED, r, raw));
            } else if (parsed instanceof SquidRecord r) {
                squid.append(row(squidRow, sourceId, parsed.origin(), RecordColumns.SQUID, SQUID_STRUCTURED, r, raw));
            } else {
                rejects.append(row(rejectRow, sourceId, parsed.origin(), RecordColumns.REJECT, REJECT_STRUCTURED, (Reject) parsed,
                        null));
            }
        }

        /**
         * Which of each record kind's columns hold lists or maps: only their values are converted
         * (asking every value instanceof List and Map cost ~20 % of the ingest threads' Java time
         * on the 1 M-tunnel set, JFR).
         */
        private static final boolean[] ENVOY_STRUCTURED = structured(RecordColumns.ENVOY);
        private static final boolean[] SQUID_STRUCTURED = structured(RecordColumns.SQUID);
        private static final boolean[] REJECT_STRUCTURED = structured(RecordColumns.REJECT);

        private static boolean[] structured(List<? extends RecordColumns<?>> columns) {
            boolean[] structured = new boolean[columns.size()];
            for (int i = 0; i < structured.length; i++) {
                structured[i] = columns.get(i).structured();
            }
            return structured;
        }

        /** Fills {@code row} in the column order of {@link Schema#logColumns}. */
        private <T> Object[] row(Object[] row, int sourceId, Origin origin, List<RecordColumns<T>> columns, boolean[] structured,
                                 T record, String raw) {
            int i = 0;
            row[i++] = sourceId;
            for (RecordColumns<Origin> c : RecordColumns.ORIGIN) {
                row[i++] = c.value().apply(origin);
            }
            for (int k = 0; k < structured.length; k++) {
                Object v = columns.get(k).value().apply(record);
                row[i++] = v == null || !structured[k] ? v : storable(v);
            }
            if (i < row.length) {
                row[i] = keepRaw ? raw : null;
            }
            return row;
        }

        /** Lists are stored comma-separated and maps as JSON text (see {@link Schema#sqlType}). */
        private static Object storable(Object v) {
            if (v instanceof List<?> list) {
                if (list.isEmpty()) {
                    return null;
                }
                StringBuilder joined = new StringBuilder().append(list.get(0));
                for (int i = 1; i < list.size(); i++) {
                    joined.append(',').append(list.get(i));
                }
                return joined.toString();
            }
            if (v instanceof Map<?, ?> map) {
                return map.isEmpty() ? null : json(map);
            }
            return v;
        }

        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

        private static String json(Map<?, ?> map) {
            try {
                return JSON.writeValueAsString(map);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Flushes the rows appended since the last commit, runs {@code more} on the same
         * connection, and commits: the rows and {@code more} are stored together or not at all.
         */
        public void commit(InTransaction more) throws SQLException {
            flush();
            more.run(connection);
            connection.commit();
        }

        /** Moves every appended row into the log tables, in the open transaction. */
        public void flush() throws SQLException {
            envoy.move();
            squid.move();
            rejects.move();
        }

        @Override
        public void close() throws SQLException {
            try {
                envoy.close();
                squid.close();
                rejects.close();
                connection.commit();
            } finally {
                connection.close();
            }
        }

        /** Ends the appenders without storing what was appended since the last commit (rolled back). */
        public void discard() throws SQLException {
            try {
                envoy.discard();
                squid.discard();
                rejects.discard();
                connection.rollback();
            } finally {
                connection.close();
            }
        }
    }
}
