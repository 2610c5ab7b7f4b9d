package dev.egresslog.cli.store;

import dev.egresslog.correlator.engine.Tunnel;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;

/**
 * Appends the engine's rows to a table on a thread of its own, with a connection of its own: the
 * engine runs on one core, the Appender's cost (measured: 1.6 s for 1 M rows) on the other.
 * Rows go over in batches; {@link #close} waits for the last and reports the writer's failure.
 */
final class RowWriter implements Consumer<Tunnel>, AutoCloseable {
    private static final int BATCH = 4_096;
    private static final List<Tunnel> END = List.of();

    interface Append {
        void append(DuckDBAppender appender, Tunnel row) throws SQLException;
    }

    private final BlockingQueue<List<Tunnel>> queue = new ArrayBlockingQueue<>(8);
    private final Thread thread;
    private List<Tunnel> batch = new ArrayList<>(BATCH);
    private volatile Throwable failure;

    RowWriter(DuckDBConnection connection, String catalog, String table, Append append) throws SQLException {
        DuckDBConnection own = connection.duplicate();
        thread = new Thread(() -> {
            try (own; DuckDBAppender appender = own.createAppender(catalog, "main", table)) {
                while (true) {
                    List<Tunnel> rows = queue.take();
                    if (rows == END) {
                        break;
                    }
                    for (Tunnel t : rows) {
                        append.append(appender, t);
                    }
                }
            } catch (Throwable e) {
                failure = e;
                queue.clear();
            }
        }, "egresslog-row-writer");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void accept(Tunnel row) {
        batch.add(row);
        if (batch.size() == BATCH) {
            put(batch);
            batch = new ArrayList<>(BATCH);
        }
    }

    private void put(List<Tunnel> rows) {
        try {
            while (failure == null && !queue.offer(rows, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                // the writer is behind: wait for room, unless it failed
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing rows", e);
        }
        if (failure != null) {
            throw new IllegalStateException("writing rows failed: " + failure.getMessage(), failure);
        }
    }

    /** Writes the last batch, waits for the writer and reports its failure. */
    @Override
    public void close() throws SQLException {
        if (!batch.isEmpty()) {
            put(batch);
        }
        put(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while writing rows", e);
        }
        if (failure instanceof SQLException e) {
            throw e;
        }
        if (failure != null) {
            throw new SQLException("writing rows failed: " + failure.getMessage(), failure);
        }
    }
}
