package dev.egresslog.cli.store;

import org.duckdb.DuckDBConnection;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The rows of a staged work table in their stored (end) order, as the engine reads them: a thread
 * of its own reads them a page ahead through its own connection and turns them into hops, so that
 * the engine's thread only joins (reading back through JDBC was a quarter of the engine's time).
 * Holds at most {@link #AHEAD} pages besides the one being read from.
 */
final class StagedPages<T> implements Iterator<T>, AutoCloseable {
    /** Turns the current row of a result into a hop. */
    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** A staged table's rows could not be read. */
    static final class ReadFailed extends RuntimeException {
        final SQLException cause;

        ReadFailed(SQLException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private static final int AHEAD = 2;
    private static final List<Object> END = List.of();

    private final BlockingQueue<List<?>> pages = new ArrayBlockingQueue<>(AHEAD);
    private final Thread thread;
    private volatile SQLException failure;
    private volatile boolean closed;
    private List<T> page = List.of();
    private int at;
    private boolean done;
    /** Nanoseconds the caller spent waiting for pages. */
    private long waitedNanos;

    /**
     * Starts reading {@code table} (a full name: the connection is a new one) in rowid order,
     * {@code pageRows} at a time.
     */
    StagedPages(DuckDBConnection connection, String table, long pageRows, RowReader<T> reader) throws SQLException {
        DuckDBConnection own = connection.duplicate();
        thread = new Thread(() -> {
            try (own) {
                for (long next = 0; !closed; next += pageRows) {
                    List<T> rows = new ArrayList<>();
                    try (Statement st = own.createStatement();
                         ResultSet rs = st.executeQuery("SELECT * FROM " + table + " WHERE rowid >= " + next + " AND rowid < "
                                 + (next + pageRows) + " ORDER BY rowid")) {
                        while (rs.next()) {
                            rows.add(reader.read(rs));
                        }
                    }
                    if (!rows.isEmpty()) {
                        pages.put(rows);
                    }
                    if (rows.size() < pageRows) {
                        break;
                    }
                }
            } catch (SQLException e) {
                failure = e;
            } catch (InterruptedException e) {
                // closed before the end: nobody reads further
                return;
            }
            try {
                pages.put(END);
            } catch (InterruptedException e) {
                // closed: nobody waits for the end
            }
        }, "egresslog-staged-reader");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean hasNext() {
        while (at >= page.size()) {
            if (done) {
                return false;
            }
            long t0 = System.nanoTime();
            List<?> next;
            try {
                next = pages.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading staged lines", e);
            }
            waitedNanos += System.nanoTime() - t0;
            if (next == END) {
                done = true;
                if (failure != null) {
                    throw new ReadFailed(failure);
                }
                return false;
            }
            page = (List<T>) next;
            at = 0;
        }
        return true;
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.get(at++);
    }

    /** Nanoseconds the caller waited for a page: the reading not hidden behind its own work. */
    long waitedNanos() {
        return waitedNanos;
    }

    /** Stops the reading thread (when the caller stops early) and waits for it to let its connection go. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
