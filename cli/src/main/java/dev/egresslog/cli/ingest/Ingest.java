package dev.egresslog.cli.ingest;

import dev.egresslog.cli.UserException;
import dev.egresslog.cli.store.DatabaseThreads;
import dev.egresslog.cli.store.Store;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.ParserOptions;
import dev.egresslog.parser.Reject;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Reads inputs into the database. Each worker thread takes whole files, parses them and appends
 * the records through its own DuckDB Appender (DuckDB's per-row storage work is the larger cost,
 * so it runs on all cores too). Nothing is held per line beyond the Appender's buffer: memory
 * does not grow with the input.
 *
 * <p>An input whose fingerprint (its first 64 KiB and size) the database already holds is
 * skipped; a log that has grown since is read from the first line the database does not have.
 */
public final class Ingest {
    private static final int HEAD_BYTES = 64 * 1024;

    /** An input to read, and where its rows go. */
    public static final class Source {
        final Inputs.Input input;
        final String forcedRole;
        /** The file read: the input's own, or where a stream (stdin, a pipe) was spooled to. */
        Path file;
        int sourceId;
        long skipLines;
        String fingerprint;
        String headHash;
        long bytes;
        boolean gzip;
        // updated by the workers that read parts of this input
        long lines;
        long records;
        long rejects;
        long envoy;
        long squid;
        /** From the part that holds the end of the input: its last line had no line end; why it could not be read further. */
        boolean lastLineOpen;
        String error;

        synchronized void add(long lastLine, long records, long rejects, long envoy, long squid) {
            this.lines = Math.max(this.lines, lastLine);
            this.records += records;
            this.rejects += rejects;
            this.envoy += envoy;
            this.squid += squid;
        }

        public Source(Inputs.Input input, String forcedRole) {
            this.input = input;
            this.forcedRole = forcedRole;
        }

        String kind() {
            return envoy > 0 && squid > 0 ? "mixed" : envoy > 0 ? "envoy" : squid > 0 ? "squid" : null;
        }
    }

    /** What one worker reads at a time: a whole input, or a byte range of a large plain file. */
    private record Part(Source source, long start, long end, long firstLine) {
        /** Tells a worker that no part follows. */
        static final Part END = new Part(null, 0, 0, 0);

        boolean whole() {
            return end < 0;
        }
    }

    /** Plain files larger than this are read by several workers at once, in parts of this size. */
    public static final long PART_BYTES = 16L << 20;

    private final long partBytes;

    /** Totals of a run, for the summary. */
    public record Totals(long files, long parts, long skippedFiles, long lines, long records, long rejects, double seconds,
                  int recoveredInputs) {
    }

    /** Where streams (standard input, pipes) are spooled while a run reads them: beside the database, deleted after. */
    static Path spoolDirectory(Path db) {
        return Path.of(db.toAbsolutePath() + ".stdin");
    }

    /** Deletes the spooled streams of a run (or of a run that was killed). */
    public static void deleteSpool(Path db) {
        Path dir = spoolDirectory(db);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // left for the next run, which deletes it first
        }
    }

    private final Store store;
    private final ParserOptions parserOptions;
    private final int threads;
    private final boolean keepRaw;
    private final PrintWriter err;
    /** Lines read by all workers: one counter cell per thread, as every line adds to it. */
    private final LongAdder linesRead = new LongAdder();
    /** Bytes of the inputs read so far (of a gzip file, its compressed bytes), against their sizes: for the time left. */
    private final LongAdder bytesRead = new LongAdder();
    /** Fingerprint -> name of the inputs registered by this run (not finished yet, so not found in the database). */
    private final java.util.Map<String, String> registeredThisRun = new java.util.HashMap<>();

    public Ingest(Store store, ParserOptions parserOptions, int threads, boolean keepRaw, long partBytes, PrintWriter err) {
        this.store = store;
        this.partBytes = partBytes;
        this.parserOptions = parserOptions;
        this.threads = Math.max(1, threads);
        this.keepRaw = keepRaw;
        this.err = err;
    }

    public Totals run(List<Source> sources) throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        LinkedBlockingQueue<Source> todo = new LinkedBlockingQueue<>();
        long[] skipped = {0};
        int[] recovered = {0};
        store.inTransaction(c -> {
            deleteSpool(store.path());
            int unfinished = store.dropUnfinished();
            recovered[0] = unfinished;
            if (unfinished > 0) {
                err.printf("egresslog trace: %d input(s) a failed run left unfinished were removed with their lines;"
                        + " given again, they are read again whole%n", unfinished);
            }
            for (Source source : sources) {
                if (prepare(source)) {
                    todo.add(source);
                } else {
                    skipped[0]++;
                }
            }
        });
        int files = todo.size();
        List<Source> done = new ArrayList<>(todo);
        int workerCount = files == 0 ? 0 : threads;
        // Each worker moves its rows into the log tables on its own thread: DuckDB gets the cores
        // the workers leave. Measured on the 1 M-tunnel set, 2 cores: one DuckDB thread while
        // reading, trace 20.7 s against 21.3 s (average of five runs each), reading 9.1 against
        // 9.6 s, 1.3 s less CPU.
        try (DatabaseThreads limited = DatabaseThreads.limit(store.connection(),
                Math.max(1, Runtime.getRuntime().availableProcessors() - workerCount))) {
            return readSources(todo, done, files, workerCount, skipped[0], recovered[0], t0);
        }
    }

    /** Reads the sources' parts on {@code workerCount} workers while another thread cuts them. */
    private Totals readSources(LinkedBlockingQueue<Source> todo, List<Source> done, int files, int workerCount, long skipped,
                        int recovered, long t0) throws SQLException, InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(workerCount + 1, r -> {
            Thread t = new Thread(r, "egresslog-ingest");
            t.setDaemon(true);
            return t;
        });
        // The parts are found while the workers read (cutting a large file means counting its lines).
        LinkedBlockingQueue<Part> parts = new LinkedBlockingQueue<>();
        AtomicInteger partCount = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        workers.add(pool.submit(() -> {
            try {
                for (Source source : todo) {
                    split(source, part -> {
                        partCount.incrementAndGet();
                        parts.add(part);
                    });
                }
            } finally {
                for (int i = 0; i < workerCount; i++) {
                    parts.add(Part.END);
                }
            }
            return null;
        }));
        AtomicInteger partsDone = new AtomicInteger();
        for (int i = 0; i < workerCount; i++) {
            workers.add(pool.submit(() -> {
                try (Store.LogAppender appender = store.appender(keepRaw)) {
                    Part part;
                    while ((part = parts.take()) != Part.END) {
                        read(part, appender);
                        partsDone.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        long totalBytes = done.stream().mapToLong(source -> source.bytes).sum();
        while (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
            double seconds = (System.nanoTime() - t0) / 1e9;
            err.printf("egresslog trace: %,d lines read (%,.0f lines/s), %d of %d parts of %d files done%s%n",
                    linesRead.sum(), linesRead.sum() / seconds, partsDone.get(), partCount.get(), files,
                    timeLeft(bytesRead.sum(), totalBytes, seconds));
            err.flush();
        }
        for (Future<?> worker : workers) {
            try {
                worker.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof SQLException sql) {
                    throw sql;
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(cause);
            }
        }
        long records = 0;
        long rejects = 0;
        store.inTransaction(c -> {
            for (Source source : done) {
                store.finishSource(source.sourceId, new Store.Finished(source.fingerprint, source.headHash, source.bytes,
                        source.lines, source.records, source.rejects, source.kind(), source.lastLineOpen, source.error));
            }
        });
        for (Source source : done) {
            if (source.error != null) {
                err.printf("egresslog trace: %s: cannot read after line %,d: %s%n", source.input.name(), source.lines, source.error);
            } else if (source.lastLineOpen && !source.input.stream()) {
                err.printf("egresslog trace: %s: its last line (%,d) has no line end yet; stored as it is, and read again "
                        + "if the file grows%n", source.input.name(), source.lines);
            }
        }
        for (Source source : done) {
            records += source.records;
            rejects += source.rejects;
        }
        return new Totals(files, partCount.get(), skipped, linesRead.sum(), records, rejects, (System.nanoTime() - t0) / 1e9,
                recovered);
    }

    /**
     * ", 42 % of 608 MB, about 9 s left to read" from the bytes read so far at their rate, or "" before
     * there is a rate. The inputs' sizes are known (a stream is spooled to a file first).
     */
    static String timeLeft(long bytesDone, long totalBytes, double seconds) {
        if (bytesDone <= 0 || totalBytes <= 0 || seconds <= 0) {
            return "";
        }
        long done = Math.min(bytesDone, totalBytes);
        long left = Math.round((totalBytes - done) / (done / seconds));
        return String.format(java.util.Locale.ROOT, ", %d %% of %,.0f MB, about %s left to read", 100 * done / totalBytes, totalBytes / 1e6,
                left < 60 ? left + " s" : String.format("%d:%02d min", left / 60, left % 60));
    }

    /** Fingerprints the input and registers it; false when the database already holds all of it. */
    private boolean prepare(Source source) throws SQLException {
        Inputs.Input input = source.input;
        source.file = input.stream() ? spool(input) : input.path();
        try {
            source.bytes = Files.size(source.file);
            source.headHash = headHash(source.file, input.name(), source.bytes);
            source.gzip = isGzip(source.file);
        } catch (IOException e) {
            throw new UserException("cannot read " + input.name() + ": " + InputParser.describe(e));
        }
        source.fingerprint = source.headHash + ":" + source.bytes;
        String twin = registeredThisRun.putIfAbsent(source.fingerprint, input.name());
        if (twin != null) {
            err.printf("egresslog trace: %s has the same content as %s; skipped%n", input.name(), twin);
            return false;
        }
        Store.Known exact = store.findExact(source.fingerprint);
        if (exact != null) {
            if (source.forcedRole != null) {
                store.setForcedRole(exact.sourceId(), source.forcedRole);
            }
            err.printf("egresslog trace: %s is already in the database (as %s); skipped%n", input.name(), exact.path());
            return false;
        }
        if (!source.gzip) {
            for (Store.Known earlier : store.findSmallerAtPath(input.name(), source.bytes)) {
                if (earlier.lines() > 0 && headHash(source.file, input.name(), earlier.bytes()).equals(earlier.headHash())) {
                    source.sourceId = earlier.sourceId();
                    // a last line read before its end was written is read again, whole
                    long kept = earlier.lastLineOpen() ? earlier.lines() - 1 : earlier.lines();
                    if (earlier.lastLineOpen()) {
                        store.dropLine(earlier.sourceId(), earlier.lines());
                    }
                    source.skipLines = kept;
                    store.dropLinesAfter(earlier.sourceId(), kept); // a failed run's part of the new lines
                    err.printf("egresslog trace: %s has grown since it was read; reading from line %,d%n", input.name(), kept + 1);
                    return true;
                }
            }
        }
        source.sourceId = store.addSource(input.name(), input.isStdin() ? null : input.path().toAbsolutePath().toString(),
                source.fingerprint, source.headHash, source.bytes, source.forcedRole);
        return true;
    }

    /**
     * Copies a stream (standard input, a pipe) to a file beside the database, so that it is known
     * by its content as files are: the same input piped again adds nothing, and a longer version
     * of it (the same pod's log, later) is read from its first new line.
     */
    private Path spool(Inputs.Input input) {
        try {
            Path dir = Files.createDirectories(spoolDirectory(store.path()));
            Path file = Files.createTempFile(dir, "input-", ".log");
            try (InputStream in = input.open(System.in)) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return file;
        } catch (IOException e) {
            throw new UserException("cannot read " + input.name() + ": " + InputParser.describe(e));
        }
    }

    /** Hash of the first min(limit, 64 KiB) bytes: what a log keeps when it grows. */
    private static String headHash(Path file, String name, long limit) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes((int) Math.min(limit, HEAD_BYTES));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(head), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UserException("cannot read " + name + ": " + InputParser.describe(e));
        }
    }

    private static boolean isGzip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The parts of an input: large plain files are cut at line starts about every partBytes, with
     * the number of their first line counted on the way (one pass over the bytes). Each part goes
     * to {@code parts} as soon as it is found.
     */
    private void split(Source source, Consumer<Part> parts) {
        if (threads < 2 || source.bytes <= partBytes || source.gzip) {
            parts.accept(new Part(source, 0, -1, 1));
            return;
        }
        long partStart = 0;
        long partFirstLine = 1;
        try (InputStream in = Files.newInputStream(source.file)) {
            byte[] buffer = new byte[1 << 16];
            long position = 0;
            long lines = 0;
            long nextCut = partBytes;
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                        long lineStart = position + i + 1;
                        if (lineStart >= nextCut && lineStart < source.bytes) {
                            parts.accept(new Part(source, partStart, lineStart, partFirstLine));
                            partStart = lineStart;
                            partFirstLine = lines + 1;
                            nextCut = lineStart + partBytes;
                        }
                    }
                }
                position += n;
            }
            parts.accept(new Part(source, partStart, source.bytes, partFirstLine));
        } catch (IOException e) {
            // the rest as one part: its reader meets the error and stores it as a reject
            parts.accept(new Part(source, partStart, source.bytes, partFirstLine));
        }
    }

    /** Parses one part of an input and appends every line's record or reject. */
    private void read(Part part, Store.LogAppender appender) throws SQLException {
        Source source = part.source();
        LogParser parser = new LogParser(parserOptions);
        long[] counts = new long[4]; // records, rejects, envoy, squid
        InputParser.Outcome outcome = null;
        // progress in bytes: of a gzip file, the compressed bytes its reader took; else each line's
        boolean counted = part.whole() && source.gzip;
        try (LineReader reader = part.whole()
                ? new LineReader(counted ? new CountingStream(Files.newInputStream(source.file), bytesRead)
                        : Files.newInputStream(source.file), LineReader.DEFAULT_MAX_LINE)
                : LineReader.range(source.file, part.start(), part.end(), part.firstLine(), LineReader.DEFAULT_MAX_LINE)) {
            outcome = InputParser.parseWithText(reader, source.input.name(), parser, (raw, parsed) -> {
                linesRead.increment();
                if (!counted) {
                    // characters for bytes: logs are nearly all ASCII, and this only estimates the time left
                    bytesRead.add(raw == null ? 1 : raw.length() + 1L);
                }
                if (parsed.origin().line() <= source.skipLines) {
                    return;
                }
                try {
                    appender.append(source.sourceId, raw, parsed);
                } catch (SQLException e) {
                    throw new IllegalStateException(Store.firstLine(e), e);
                }
                if (parsed instanceof Reject) {
                    counts[1]++;
                } else {
                    counts[0]++;
                    counts[parsed instanceof EnvoyRecord ? 2 : 3]++;
                }
            });
        } catch (IOException e) {
            // the file could not be opened (it was readable when listed): nothing of this part was read
            outcome = new InputParser.Outcome(part.firstLine() - 1, false, InputParser.describe(e));
        }
        boolean last = part.whole() || part.end() == source.bytes;
        synchronized (source) {
            source.add(outcome.lines(), counts[0], counts[1], counts[2], counts[3]);
            if (outcome.error() != null) {
                source.error = source.error == null ? outcome.error() : source.error;
            }
            if (last) {
                source.lastLineOpen = outcome.lastLineOpen();
            }
        }
    }

    /** Adds the bytes read through it to a counter. */
    private static final class CountingStream extends java.io.FilterInputStream {
        private final LongAdder count;

        CountingStream(InputStream in, LongAdder count) {
            super(in);
            this.count = count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count.increment();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count.add(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count.add(Math.max(0, skipped));
            return skipped;
        }
    }
}
