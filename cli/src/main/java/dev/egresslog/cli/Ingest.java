package dev.egresslog.cli;

import dev.egresslog.cli.store.Store;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.ParserOptions;
import dev.egresslog.parser.Reject;
import dev.egresslog.parser.SquidRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads inputs into the database: files are parsed on all cores, and one writer appends the
 * records through DuckDB's Appender. Queues are bounded, so memory does not grow with the input.
 * An input whose fingerprint the database already holds is skipped; a log that has grown since
 * is read from the first line the database does not have.
 */
final class Ingest {
    private static final int BATCH = 4096;
    private static final int HEAD_BYTES = 64 * 1024;

    /** A parsed line with its text, as the writer receives it. */
    private record Item(String raw, ParsedLine parsed) {
    }

    /** The lines of one input, in order; the last batch of an input has {@code last} set. */
    private record Batch(Source source, List<Item> items, boolean last, long lines) {
    }

    /** An input to read, and where its rows go. */
    static final class Source {
        final Inputs.Input input;
        final String forcedRole;
        int sourceId;
        long skipLines;
        String fingerprint;
        String headHash;
        long bytes;
        long records;
        long rejects;
        long envoy;
        long squid;

        Source(Inputs.Input input, String forcedRole) {
            this.input = input;
            this.forcedRole = forcedRole;
        }

        String kind() {
            return envoy > 0 && squid > 0 ? "mixed" : envoy > 0 ? "envoy" : squid > 0 ? "squid" : null;
        }
    }

    /** Totals of a run, for the summary. */
    record Totals(long files, long skippedFiles, long lines, long records, long rejects, double seconds) {
    }

    private final Store store;
    private final ParserOptions parserOptions;
    private final int threads;
    private final PrintWriter err;
    private final AtomicLong linesRead = new AtomicLong();

    Ingest(Store store, ParserOptions parserOptions, int threads, PrintWriter err) {
        this.store = store;
        this.parserOptions = parserOptions;
        this.threads = Math.max(1, threads);
        this.err = err;
    }

    Totals run(List<Source> sources) throws SQLException, InterruptedException {
        long t0 = System.nanoTime();
        List<Source> todo = new ArrayList<>();
        long skipped = 0;
        for (Source source : sources) {
            if (prepare(source)) {
                todo.add(source);
            } else {
                skipped++;
            }
        }
        BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(4 * threads + 4);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "egresslog-parse");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> tasks = new ArrayList<>();
        for (Source source : todo) {
            tasks.add(pool.submit(() -> {
                read(source, queue);
                return null;
            }));
        }
        pool.shutdown();
        long records = 0;
        long rejects = 0;
        int finished = 0;
        long lastReport = System.nanoTime();
        List<Batch> lasts = new ArrayList<>();
        try (Store.LogAppender appender = store.appender()) {
            while (finished < todo.size()) {
                Batch batch = queue.poll(200, TimeUnit.MILLISECONDS);
                if (batch == null) {
                    rethrowFailures(tasks);
                    continue;
                }
                Source source = batch.source();
                for (Item item : batch.items()) {
                    appender.append(source.sourceId, item.raw(), item.parsed());
                    if (item.parsed() instanceof Reject) {
                        source.rejects++;
                    } else {
                        source.records++;
                        if (item.parsed() instanceof EnvoyRecord) {
                            source.envoy++;
                        } else if (item.parsed() instanceof SquidRecord) {
                            source.squid++;
                        }
                    }
                }
                if (batch.last()) {
                    lasts.add(batch);
                    records += source.records;
                    rejects += source.rejects;
                    finished++;
                }
                if (System.nanoTime() - lastReport > 2_000_000_000L) {
                    lastReport = System.nanoTime();
                    double seconds = (lastReport - t0) / 1e9;
                    err.printf("egresslog trace: %,d lines read (%,.0f lines/s), %d of %d files done%n",
                            linesRead.get(), linesRead.get() / seconds, finished, todo.size());
                    err.flush();
                }
            }
        }
        // one flush for the whole run (closing the appender above): a flush per file cost more than the parsing
        for (Batch last : lasts) {
            Source source = last.source();
            store.finishSource(source.sourceId, source.fingerprint, source.headHash, source.bytes, last.lines(),
                    source.records, source.rejects, source.kind());
        }
        rethrowFailures(tasks);
        return new Totals(todo.size(), skipped, linesRead.get(), records, rejects, (System.nanoTime() - t0) / 1e9);
    }

    private static void rethrowFailures(List<Future<?>> tasks) throws InterruptedException {
        for (Future<?> task : tasks) {
            if (task.isDone()) {
                try {
                    task.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        }
    }

    /** Fingerprints the input and registers it; false when the database already holds all of it. */
    private boolean prepare(Source source) throws SQLException {
        Inputs.Input input = source.input;
        if (input.isStdin()) {
            source.fingerprint = "stdin:" + System.nanoTime();
            source.headHash = source.fingerprint;
            source.sourceId = store.addSource("-", source.fingerprint, source.headHash, 0, source.forcedRole);
            return true;
        }
        try {
            source.bytes = Files.size(input.path());
            source.headHash = headHash(input);
        } catch (IOException e) {
            throw new UserException("cannot read " + input.name() + ": " + e.getMessage());
        }
        source.fingerprint = source.headHash + ":" + source.bytes;
        Store.Known exact = store.findExact(source.fingerprint);
        if (exact != null) {
            if (source.forcedRole != null) {
                store.execute("UPDATE sources SET forced_role = '" + source.forcedRole + "' WHERE source_id = " + exact.sourceId());
            }
            err.printf("egresslog trace: %s is already in the database (as %s); skipped%n", input.name(), exact.path());
            return false;
        }
        Store.Known grown = store.findGrown(source.headHash, source.bytes);
        if (grown != null && !isGzip(input)) {
            source.sourceId = grown.sourceId();
            source.skipLines = grown.lines();
            err.printf("egresslog trace: %s has grown since it was read; reading from line %,d%n", input.name(), grown.lines() + 1);
            return true;
        }
        source.sourceId = store.addSource(input.name(), source.fingerprint, source.headHash, source.bytes, source.forcedRole);
        return true;
    }

    private static String headHash(Inputs.Input input) throws IOException {
        try (InputStream in = Files.newInputStream(input.path())) {
            byte[] head = in.readNBytes(HEAD_BYTES);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(head), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isGzip(Inputs.Input input) {
        try (InputStream in = Files.newInputStream(input.path())) {
            return in.read() == 0x1f && in.read() == 0x8b;
        } catch (IOException e) {
            return false;
        }
    }

    /** Parses one input on a worker thread, handing batches to the writer. */
    private void read(Source source, BlockingQueue<Batch> queue) throws IOException, InterruptedException {
        LogParser parser = new LogParser(parserOptions);
        List<Item>[] batch = new List[] {new ArrayList<>(BATCH)};
        try (InputStream stream = source.input.open(System.in);
             LineReader reader = new LineReader(stream, LineReader.DEFAULT_MAX_LINE)) {
            long lines = InputParser.parse(reader, source.input.name(), parser, (raw, parsed) -> {
                linesRead.incrementAndGet();
                if (parsed.origin().line() <= source.skipLines) {
                    return;
                }
                batch[0].add(new Item(raw, parsed));
                if (batch[0].size() == BATCH) {
                    put(queue, new Batch(source, batch[0], false, 0));
                    batch[0] = new ArrayList<>(BATCH);
                }
            });
            put(queue, new Batch(source, batch[0], true, lines));
        } catch (IOException e) {
            put(queue, new Batch(source, List.of(new Item(null, new Reject(dev.egresslog.parser.Origin.of(source.input.name(), 1), 0,
                    "cannot read: " + e.getMessage(), ""))), true, 0));
        }
    }

    private static void put(BlockingQueue<Batch> queue, Batch batch) {
        try {
            queue.put(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
