package dev.egresslog.cli.store;

import dev.egresslog.cli.UserException;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.Origin;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.RecordColumns;
import dev.egresslog.parser.Reject;
import dev.egresslog.parser.SquidRecord;
import org.duckdb.DuckDBAppender;
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

    /** Opens (creating if needed) the database for writing. */
    public static Store open(Path path, String memoryLimit) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new UserException("no such directory for the database: " + parent);
            }
            DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + path.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                if (memoryLimit != null) {
                    s.execute("SET memory_limit = '" + memoryLimit.replace("'", "") + "'");
                }
                s.execute("SET preserve_insertion_order = false");
            }
            Store store = new Store(c, path);
            store.createSchema();
            return store;
        } catch (SQLException e) {
            throw new UserException("cannot open database " + path + ": " + firstLine(e));
        }
    }

    /** Opens an existing database read-only, for query and explain. */
    public static Connection openReadOnly(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new UserException("no database at " + path + " (run 'egresslog trace' first, or give --db)");
        }
        try {
            java.util.Properties props = new java.util.Properties();
            props.setProperty("duckdb.read_only", "true");
            return DriverManager.getConnection("jdbc:duckdb:" + path.toAbsolutePath(), props);
        } catch (SQLException e) {
            throw new UserException("cannot open database " + path + ": " + firstLine(e));
        }
    }

    public static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    public Connection connection() {
        return connection;
    }

    public Path path() {
        return path;
    }

    private void createSchema() throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String ddl : Schema.ddl()) {
                s.execute(ddl);
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

    /** What the database already holds of an input with this fingerprint. */
    public record Known(int sourceId, String path, long bytes, long lines, String headHash) {
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
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT source_id, path, bytes, lines, head_hash FROM sources WHERE " + where + " ORDER BY bytes DESC")) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new Known(rs.getInt(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
                }
            }
        }
        return found;
    }

    /** Registers a new source and returns its id. */
    public int addSource(String sourcePath, String fingerprint, String headHash, long bytes, String forcedRole) throws SQLException {
        int id;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(source_id), 0) + 1 FROM sources")) {
            rs.next();
            id = rs.getInt(1);
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO sources (source_id, path, fingerprint, head_hash, bytes, lines, records, rejects, forced_role, added_at) "
                        + "VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?, now())")) {
            ps.setInt(1, id);
            ps.setString(2, sourcePath);
            ps.setString(3, fingerprint);
            ps.setString(4, headHash);
            ps.setLong(5, bytes);
            ps.setString(6, forcedRole);
            ps.executeUpdate();
        }
        return id;
    }

    /** Records the totals of a source after its lines are stored; a grown source keeps its id and gets the new fingerprint. */
    public void finishSource(int id, String fingerprint, String headHash, long bytes, long lines, long records, long rejects,
                             String kind) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "UPDATE sources SET fingerprint = ?, head_hash = ?, bytes = ?, lines = ?, records = records + ?, "
                        + "rejects = rejects + ?, kind = coalesce(?, kind) WHERE source_id = ?")) {
            ps.setString(1, fingerprint);
            ps.setString(2, headHash);
            ps.setLong(3, bytes);
            ps.setLong(4, lines);
            ps.setLong(5, records);
            ps.setLong(6, rejects);
            ps.setString(7, kind);
            ps.setInt(8, id);
            ps.executeUpdate();
        }
    }

    public void setForcedRole(int sourceId, String role) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("UPDATE sources SET forced_role = ? WHERE source_id = ?")) {
            ps.setString(1, role);
            ps.setInt(2, sourceId);
            ps.executeUpdate();
        }
    }

    /**
     * Appenders for the three log tables on a connection of their own, so that several threads
     * can append at once; rows are visible after {@link LogAppender#close()}.
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

    /** Writes parsed lines through DuckDB's Appender, never row by row. */
    public static final class LogAppender implements AutoCloseable {
        private final DuckDBConnection connection;
        private final boolean keepRaw;
        private final DuckDBAppender envoy;
        private final DuckDBAppender squid;
        private final DuckDBAppender rejects;

        LogAppender(DuckDBConnection c, boolean keepRaw) throws SQLException {
            this.connection = c;
            this.keepRaw = keepRaw;
            // One transaction per appender: DuckDB's Java Appender flushes every 2048 rows, and
            // each flush outside a transaction is a commit (measured: twice as slow).
            c.setAutoCommit(false);
            envoy = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "envoy_log");
            squid = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "squid_log");
            rejects = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "rejects");
        }

        public void append(int sourceId, String raw, ParsedLine parsed) throws SQLException {
            DuckDBAppender a = parsed instanceof EnvoyRecord ? envoy : parsed instanceof SquidRecord ? squid : rejects;
            a.beginRow();
            Origin o = parsed.origin();
            a.append(sourceId);
            a.append(o.source());
            a.append(o.line());
            appendNullable(a, o.pod());
            appendNullable(a, o.namespace());
            appendNullable(a, o.container());
            if (o.wrapperTime() < 0) {
                a.appendNull();
            } else {
                a.appendEpochMicros(o.wrapperTime() * 1000);
            }
            a.append(o.repaired());
            if (parsed instanceof EnvoyRecord r) {
                values(a, RecordColumns.ENVOY, r);
                appendNullable(a, keepRaw ? raw : null);
            } else if (parsed instanceof SquidRecord r) {
                values(a, RecordColumns.SQUID, r);
                appendNullable(a, keepRaw ? raw : null);
            } else {
                values(a, RecordColumns.REJECT, (Reject) parsed);
            }
            a.endRow();
        }

        private static <T> void values(DuckDBAppender a, List<RecordColumns<T>> columns, T record) throws SQLException {
            for (RecordColumns<T> c : columns) {
                Object v = c.value().apply(record);
                if (v == null) {
                    a.appendNull();
                } else if (c.type().equals("TIMESTAMP")) {
                    a.appendEpochMicros((Long) v * 1000);
                } else if (v instanceof String s) {
                    a.append(s);
                } else if (v instanceof Long l) {
                    a.append((long) l);
                } else if (v instanceof Integer i) {
                    a.append((int) i);
                } else if (v instanceof Boolean b) {
                    a.append((boolean) b);
                } else if (v instanceof List<?> list) {
                    if (list.isEmpty()) {
                        a.appendNull();
                    } else {
                        a.append(String.join(",", list.stream().map(String::valueOf).toList()));
                    }
                } else if (v instanceof Map<?, ?> map) {
                    if (map.isEmpty()) {
                        a.appendNull();
                    } else {
                        a.append(json(map));
                    }
                } else {
                    throw new IllegalStateException("no appender for " + v.getClass() + " in column " + c.name());
                }
            }
        }

        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

        private static String json(Map<?, ?> map) {
            try {
                return JSON.writeValueAsString(map);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void appendNullable(DuckDBAppender a, String value) throws SQLException {
            if (value == null) {
                a.appendNull();
            } else {
                a.append(value);
            }
        }

        /** Work done in the transaction of the appended rows, before it commits. */
        public interface InTransaction {
            void run(Connection connection) throws SQLException;
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

        /** Flushes the three appenders; close() alone would hide a flush error. */
        public void flush() throws SQLException {
            envoy.flush();
            squid.flush();
            rejects.flush();
        }

        @Override
        public void close() throws SQLException {
            try {
                flush();
                envoy.close();
                squid.close();
                rejects.close();
                connection.commit();
            } finally {
                connection.close();
            }
        }
    }
}
