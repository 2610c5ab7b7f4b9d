package dev.egresslog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;

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
final class QueryServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The connection a served command reads through, instead of opening the file. */
    private static final ThreadLocal<Connection> SERVED = new ThreadLocal<>();

    private final Path socket;
    private final ServerSocketChannel server;
    private final DuckDBConnection connection;
    private final Thread acceptor;

    private QueryServer(Path socket, ServerSocketChannel server, DuckDBConnection connection) {
        this.socket = socket;
        this.server = server;
        this.connection = connection;
        this.acceptor = new Thread(this::accept, "egresslog-query-server");
        acceptor.setDaemon(true);
    }

    static Path socketOf(Path db) {
        return Path.of(db.toAbsolutePath() + ".sock");
    }

    /** Listens beside the database; a socket file left by a killed stream is replaced. */
    static QueryServer start(Path db, Store store, PrintWriter err) {
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
            QueryServer qs = new QueryServer(socket, server, (DuckDBConnection) store.connection());
            qs.acceptor.start();
            return qs;
        } catch (IOException | UnsupportedOperationException e) {
            err.println("egresslog stream: cannot listen on " + socket + " (" + e.getMessage()
                    + "); query and explain will not reach this database while it runs");
            return null;
        }
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
            int exit;
            try (Connection c = connection.duplicate();
                 PrintWriter o = new PrintWriter(new FrameWriter(out, 'o'));
                 PrintWriter e = new PrintWriter(new FrameWriter(out, 'e'))) {
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

    /**
     * The connection a command reads the database through: the stream's own when the command is
     * served by it, else the file opened read-only.
     */
    static Connection readConnection(Path db) {
        Connection served = SERVED.get();
        if (served != null) {
            return served;
        }
        return Store.openReadOnly(db);
    }

    /**
     * Runs the command of {@code spec} (its whole command line) in the stream that holds {@code db},
     * when one does: returns its exit code, or null when no stream answers (the command then opens
     * the file itself).
     */
    static Integer forward(Path db, CommandSpec spec) {
        List<String> args = spec.root().commandLine().getParseResult().originalArgs();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (SERVED.get() != null) {
            return null;
        }
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
        try (channel; OutputStream os = Channels.newOutputStream(channel); InputStream is = Channels.newInputStream(channel)) {
            DataOutputStream request = new DataOutputStream(os);
            byte[] body = JSON.writeValueAsBytes(args);
            request.writeInt(body.length);
            request.write(body);
            request.flush();
            DataInputStream in = new DataInputStream(is);
            while (true) {
                int type = in.readByte();
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
            throw new UserException("the stream holding " + db + " closed the connection", ExitCodes.FAILURE);
        } catch (IOException e) {
            throw new UserException("cannot query the stream holding " + db + ": " + e.getMessage(), ExitCodes.FAILURE);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // best effort: a stale socket file is replaced by the next stream and ignored by clients
        }
    }
}
