package dev.egresslog.cli.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egresslog.cli.ExitCodes;
import dev.egresslog.cli.Main;
import dev.egresslog.cli.UserException;
import dev.egresslog.cli.store.Store;
import org.duckdb.DuckDBConnection;
import picocli.CommandLine.Model.CommandSpec;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * DuckDB lets one process write a database file, and no other process open it meanwhile. While
 * {@code stream} runs, it answers {@code query} and {@code explain} for its database itself: it
 * listens on a Unix socket beside the file ({@code FILE.sock}, readable by its owner only), and
 * those commands, finding it, send their arguments there instead of opening the file. The command
 * runs in the stream's process on a connection of its own (a consistent snapshot: it sees the
 * last committed batch and pass), and its output comes back as it is written.
 *
 * <p>Frames: the client sends its arguments as one JSON array (4-byte length, UTF-8); the
 * server answers with frames of a type byte ('o' output, 'e' errors, 'x' exit code), a 4-byte
 * length and UTF-8 text.
 */
public final class QueryServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The connection a served command reads through, instead of opening the file. */
    private static final ThreadLocal<Connection> SERVED = new ThreadLocal<>();

    /** How long query and explain wait for a database another process holds (a stream starting, a trace). */
    static final Duration LOCK_WAIT = Duration.ofSeconds(15);

    private final Path socket;
    private final ServerSocketChannel server;
    /** The stream's connection, once its database is open: requests that come earlier wait for it. */
    private final CompletableFuture<DuckDBConnection> connection = new CompletableFuture<>();
    private final Thread acceptor;

    private QueryServer(Path socket, ServerSocketChannel server) {
        this.socket = socket;
        this.server = server;
        this.acceptor = new Thread(this::accept, "egresslog-query-server");
        acceptor.setDaemon(true);
    }

    public static Path socketOf(Path db) {
        return Path.of(db.toAbsolutePath() + ".sock");
    }

    /**
     * Listens beside the database; a socket file left by a killed stream is replaced. Called
     * before the stream opens the database (invariant): from then on query and explain always
     * reach the stream, and never meet the file locked with no one to answer them.
     */
    public static QueryServer listen(Path db, PrintWriter err) {
        Path socket = socketOf(db);
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            try {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions apply
            }
            QueryServer qs = new QueryServer(socket, server);
            qs.acceptor.start();
            return qs;
        } catch (IOException | UnsupportedOperationException e) {
            err.println("egresslog stream: cannot listen on " + socket + " (" + e.getMessage()
                    + "); query and explain will not reach this database while it runs");
            return null;
        }
    }

    /** The database is open: requests are served on duplicates of its connection. */
    public void ready(Store store) {
        connection.complete((DuckDBConnection) store.connection());
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread t = new Thread(() -> serve(client), "egresslog-query");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client; DataOutputStream out = new DataOutputStream(Channels.newOutputStream(client))) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(client));
            byte[] request = new byte[in.readInt()];
            in.readFully(request);
            String[] args = JSON.readValue(request, String[].class);
            DuckDBConnection open;
            try {
                open = connection.get();
            } catch (ExecutionException | InterruptedException e) {
                return; // the stream stopped before its database was open: the client opens the file itself
            }
            int exit;
            try (Connection c = open.duplicate();
                 PrintWriter o = new PrintWriter(new FrameWriter(out, 'o'));
                 PrintWriter e = new PrintWriter(new FrameWriter(out, 'e'))) {
                try (Statement s = c.createStatement()) {
                    // a served command never writes: query also takes one statement only, so
                    // that no COMMIT in its text ends this transaction
                    s.execute("BEGIN TRANSACTION READ ONLY");
                }
                SERVED.set(c);
                var cli = Main.createCommandLine();
                cli.setOut(o);
                cli.setErr(e);
                exit = args.length > 0 && List.of("query", "explain").contains(args[0]) ? cli.execute(args) : ExitCodes.USAGE;
            } catch (SQLException e) {
                frame(out, 'e', "egresslog: " + Store.firstLine(e) + "\n");
                exit = ExitCodes.FAILURE;
            } finally {
                SERVED.remove();
            }
            frame(out, 'x', Integer.toString(exit));
        } catch (IOException e) {
            // the client went away
        }
    }

    /** One frame; a command's output and error writers share the stream, so a frame is written whole. */
    private static void frame(DataOutputStream out, char type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.writeByte(type);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
        }
    }

    /** Output of a served command, sent in frames as it is flushed. */
    private static final class FrameWriter extends Writer {
        private final DataOutputStream out;
        private final char type;
        private final StringBuilder buffer = new StringBuilder();

        FrameWriter(DataOutputStream out, char type) {
            this.out = out;
            this.type = type;
        }

        @Override
        public void write(char[] chars, int off, int len) throws IOException {
            buffer.append(chars, off, len);
            if (buffer.length() >= 1 << 16) {
                flush();
            }
        }

        @Override
        public void flush() throws IOException {
            if (!buffer.isEmpty()) {
                frame(out, type, buffer.toString());
                buffer.setLength(0);
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /** What query and explain do with a connection to the database; returns the exit code. */
    public interface Reading {
        int read(Connection c, boolean served) throws SQLException, IOException;
    }

    /**
     * Runs {@code reading} on the database {@code db}: in the stream that holds it, when one does
     * (the whole command line of {@code spec} is sent there), else on the file opened read-only
     * ({@code streaming}: results stream, one open at a time).
     * A file locked by another process (a stream still opening it, a trace) is waited for up to
     * {@link #LOCK_WAIT}, then reported in one line.
     */
    public static int run(Path db, CommandSpec spec, boolean streaming, Reading reading) throws SQLException, IOException {
        Connection served = SERVED.get();
        if (served != null) {
            return reading.read(served, true);
        }
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        while (true) {
            Integer exit = forward(db, spec);
            if (exit != null) {
                return exit;
            }
            Connection c;
            try {
                c = Store.openForQueries(db, streaming);
            } catch (Store.LockedException e) {
                if (System.nanoTime() > deadline) {
                    throw new UserException("the database " + db + " is held by another process (" + e.holder()
                            + ") that does not answer queries, such as a running trace; try again when it ends", ExitCodes.FAILURE);
                }
                sleep(100);
                continue;
            }
            try (c) {
                return reading.read(c, false);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("interrupted", ExitCodes.FAILURE);
        }
    }

    /**
     * Sends the command line of {@code spec} to the stream that holds {@code db}, when one does:
     * returns its exit code, or null when no stream answers (none runs, or it stopped before its
     * database was open).
     */
    private static Integer forward(Path db, CommandSpec spec) {
        List<String> args = spec.root().commandLine().getParseResult().originalArgs();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path socket = socketOf(db);
        if (!Files.exists(socket)) {
            return null;
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return null; // left by a stream that was killed
        }
        boolean answered = false;
        try (channel; OutputStream os = Channels.newOutputStream(channel); InputStream is = Channels.newInputStream(channel)) {
            DataOutputStream request = new DataOutputStream(os);
            byte[] body = JSON.writeValueAsBytes(args);
            request.writeInt(body.length);
            request.write(body);
            request.flush();
            DataInputStream in = new DataInputStream(is);
            while (true) {
                int type = in.readByte();
                answered = true;
                byte[] text = new byte[in.readInt()];
                in.readFully(text);
                String s = new String(text, StandardCharsets.UTF_8);
                switch (type) {
                    case 'o' -> {
                        out.print(s);
                        out.flush();
                    }
                    case 'e' -> {
                        err.print(s);
                        err.flush();
                    }
                    case 'x' -> {
                        return Integer.parseInt(s);
                    }
                    default -> throw new IOException("unexpected frame " + type);
                }
            }
        } catch (EOFException e) {
            if (!answered) {
                return null; // the stream stopped before it opened the database
            }
            throw new UserException("the stream holding " + db + " closed the connection", ExitCodes.FAILURE);
        } catch (IOException e) {
            throw new UserException("cannot query the stream holding " + db + ": " + e.getMessage(), ExitCodes.FAILURE);
        }
    }

    @Override
    public void close() {
        connection.completeExceptionally(new IllegalStateException("stream stopped"));
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // best effort: a stale socket file is replaced by the next stream and ignored by clients
        }
    }
}
