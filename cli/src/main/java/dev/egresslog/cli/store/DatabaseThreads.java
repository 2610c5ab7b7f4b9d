package dev.egresslog.cli.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * DuckDB's threads limited while a phase runs whose own threads do the work, and given back when
 * it ends. The setting holds for the whole database (every connection). Why limit it: a statement
 * whose tasks another DuckDB thread took spins in its JDBC call until they are done, so DuckDB
 * threads beside ours, each running statements of its own, only take cores from them (see
 * README, "Known limits", session 14).
 */
public final class DatabaseThreads implements AutoCloseable {
    private final Connection connection;
    private final int before;

    private DatabaseThreads(Connection connection, int before) {
        this.connection = connection;
        this.before = before;
    }

    /** Limits DuckDB to {@code threads} until {@link #close}, which sets back what it had. */
    public static DatabaseThreads limit(Connection connection, int threads) throws SQLException {
        int before = of(connection);
        set(connection, threads);
        return new DatabaseThreads(connection, before);
    }

    /** The threads DuckDB runs a statement on. */
    public static int of(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('threads')")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    public static void set(Connection connection, int threads) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET threads = " + threads);
        }
    }

    @Override
    public void close() throws SQLException {
        set(connection, before);
    }
}
