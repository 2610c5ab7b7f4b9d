package dev.egresslog.parser;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads lines from a file or stream with bounded memory: gzip is detected by its magic bytes,
 * bytes are decoded as UTF-8 (malformed sequences become U+FFFD, never an exception), and a
 * line longer than the limit is cut there and the rest skipped up to its newline; its full
 * length is reported so the caller can reject it. A last line without a newline is returned,
 * and {@link #lastLineOpen()} tells it (a log being written may complete it later).
 *
 * <p>A read error (a corrupt or truncated gzip stream) never loses what came before it: the
 * bytes of the line it broke off are returned as that line, {@link #brokenBy()} says by what, and
 * the error is thrown by the next call. An error in a gzip header is thrown by the first call,
 * never by the constructor.
 */
public final class LineReader implements Closeable {
    public static final int DEFAULT_MAX_LINE = 64 * 1024;

    private final InputStream in;
    private final int maxLine;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;
    private byte[] line = new byte[1024];
    private long lineNumber;
    private long lineLength;
    private boolean eof;
    /** Whether the line last returned ended at the end of input without a newline. */
    private boolean open;
    /** A read error to throw at the next call; it cut the line last returned short when that line had any bytes. */
    private IOException pending;

    public LineReader(InputStream in, int maxLine) {
        this.maxLine = maxLine;
        InputStream stream = in;
        try {
            stream = gunzipIfCompressed(in);
        } catch (IOException e) {
            pending = e;
        }
        this.in = stream;
    }

    private LineReader(InputStream in, int maxLine, long firstLine) {
        this.in = in;
        this.maxLine = maxLine;
        this.lineNumber = firstLine - 1;
    }

    private static InputStream gunzipIfCompressed(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 2);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(buffered, 64 * 1024) : buffered;
    }

    public static LineReader open(Path path) throws IOException {
        // only opening the file can fail here; a bad gzip header is thrown by next()
        return new LineReader(Files.newInputStream(path), DEFAULT_MAX_LINE);
    }

    /**
     * Reads the lines of a byte range of an uncompressed file: the range must start at the
     * beginning of a line, and its lines are numbered from {@code firstLine}. Several threads can
     * so read one large file.
     */
    public static LineReader range(Path path, long start, long end, long firstLine, int maxLine) throws IOException {
        InputStream in = Files.newInputStream(path);
        in.skipNBytes(start);
        return new LineReader(new BoundedStream(in, end - start), maxLine, firstLine);
    }

    /** At most {@code remaining} bytes of a stream. */
    private static final class BoundedStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * The next line without its line end, or null at the end of input.
     *
     * @throws IOException when the input cannot be read (a truncated gzip stream, say); lines
     *                     returned before stay valid
     */
    public String next() throws IOException {
        if (pending != null) {
            IOException e = pending;
            pending = null;
            throw e;
        }
        int length = 0;
        lineLength = 0;
        boolean any = false;
        open = false;
        while (true) {
            if (position == limit) {
                boolean more;
                try {
                    more = !eof && fill();
                } catch (IOException e) {
                    if (!any) {
                        throw e;
                    }
                    pending = e;
                    break;
                }
                if (!more) {
                    if (!any) {
                        return null;
                    }
                    open = true;
                    break;
                }
            }
            any = true;
            int start = position;
            int newline = -1;
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int end = newline >= 0 ? newline : limit;
            int chunk = end - start;
            lineLength += chunk;
            int room = maxLine - length;
            if (room > 0) {
                int copy = Math.min(room, chunk);
                if (length + copy > line.length) {
                    line = Arrays.copyOf(line, Math.min(maxLine, Math.max(length + copy, line.length * 2)));
                }
                System.arraycopy(buffer, start, line, length, copy);
                length += copy;
            }
            position = newline >= 0 ? newline + 1 : limit;
            if (newline >= 0) {
                break;
            }
        }
        lineNumber++;
        if (length > 0 && line[length - 1] == '\r' && lineLength <= maxLine) {
            length--;
        }
        return new String(line, 0, length, StandardCharsets.UTF_8);
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            eof = true;
            position = limit = 0;
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }

    /** 1-based number of the line last returned. */
    public long lineNumber() {
        return lineNumber;
    }

    /** Whether the line last returned had no line end: the input ended inside it. */
    public boolean lastLineOpen() {
        return open;
    }

    /** The read error that cut the line last returned short (the next call throws it), or null. */
    public IOException brokenBy() {
        return pending;
    }

    /** Whether the line last returned was cut at the limit. */
    public boolean truncated() {
        return lineLength > maxLine;
    }

    /** Full length in bytes of the line last returned, line end excluded. */
    public long lineLength() {
        return lineLength;
    }

    public int maxLine() {
        return maxLine;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
