package dev.egresslog.cli;

import dev.egresslog.cli.store.Correlation;
import dev.egresslog.cli.store.Store;
import dev.egresslog.cli.stream.Alignment;
import dev.egresslog.cli.stream.KafkaSettings;
import dev.egresslog.cli.stream.QueryServer;
import dev.egresslog.cli.stream.StreamIngest;
import dev.egresslog.cli.stream.Watermarks;
import dev.egresslog.correlator.CorrelatorOptions;
import dev.egresslog.parser.ParserOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(
        name = "stream",
        mixinStandardHelpOptions = true,
        description = {
                "Reads log lines (raw, or in shipper JSON envelopes) from Kafka topics into a DuckDB file and "
                        + "joins the hops of every tunnel as they arrive. Ctrl-C or SIGTERM: stores and commits what "
                        + "was read, then exits 0.",
                "Offsets are kept in the database, in the transaction of their records: a restart (even after "
                        + "kill -9) resumes there, and nothing is lost or stored twice. While it runs, 'egresslog query' "
                        + "and 'egresslog explain' on the same --db are answered by this process."})
final class StreamCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FormatOptions formats;

    @Mixin
    DatabaseOption database;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT",
            description = "Kafka broker(s) to connect to, comma-separated.")
    String bootstrap;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC[:ROLE]",
            description = "A topic to read; ROLE (sidecar, gateway or squid) forces the role of its lines. Repeatable.")
    List<String> topics = new ArrayList<>();

    @Option(names = "--group", paramLabel = "GROUP", defaultValue = "egresslog",
            description = "Consumer group (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--consumer.config", paramLabel = "FILE",
            description = "Consumer properties file (TLS, SASL...), as for kafka-console-consumer.")
    Path consumerConfig;

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "A consumer property. Repeatable.")
    List<String> consumerProperties = new ArrayList<>();

    @Option(names = "--from-beginning",
            description = "Partitions that neither the database nor the group has an offset for start at their "
                    + "beginning (default: at the end).")
    boolean fromBeginning;

    @Option(names = "--lateness", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long after the watermark a tunnel row may still change (default: ${DEFAULT-VALUE}). "
                    + "A line later than that still joins: the rows near it are made again.")
    long latenessSeconds;

    @Option(names = "--idle", paramLabel = "SECONDS", defaultValue = "30",
            description = "A source that sent nothing for this long stops holding the watermark back (default: ${DEFAULT-VALUE}).")
    long idleSeconds;

    @Option(names = "--pass-interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "Least time between correlation passes; while a backlog waits, passes also take at most a third of the time (default: ${DEFAULT-VALUE}).")
    double passIntervalSeconds;

    @Option(names = "--exit-when-idle", paramLabel = "SECONDS",
            description = "Exit 0 once every partition is read to its end and nothing arrived for this long.")
    Long exitWhenIdleSeconds;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for the broker at start (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Mixin
    CorrelationOptions correlation;

    private volatile boolean stopping;
    /** Where the time of the poll loop went, printed when the stream stops. */
    private String readingTime = "";
    /** What a rebalance callback met, thrown after the poll that ran it. */
    private SQLException listenerError;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> roles = topicRoles();
        List<String> topicNames = new ArrayList<>(roles.keySet());
        if (latenessSeconds < 0 || idleSeconds <= 0 || passIntervalSeconds < 0 || timeoutSeconds <= 0) {
            throw new UserException("--lateness, --idle, --pass-interval and --timeout must be positive");
        }
        CorrelatorOptions correlatorOptions = correlation.toCorrelatorOptions(List.of());
        ParserOptions parserOptions = formats.compiled();
        KafkaSettings settings = new KafkaSettings(bootstrap, group, consumerConfig, consumerProperties, fromBeginning);
        List<Integer> partitions = settings.check(topicNames, timeoutSeconds * 1000);
        try (KafkaConsumer<byte[], byte[]> c = newConsumer(settings)) {
            consumer = c;
            return stream(c, settings, topicNames, roles, partitions, correlatorOptions, parserOptions, err);
        } finally {
            consumer = null;
        }
    }

    private int stream(KafkaConsumer<byte[], byte[]> c, KafkaSettings settings, List<String> topicNames, Map<String, String> roles,
                       List<Integer> partitions, CorrelatorOptions correlatorOptions, ParserOptions parserOptions, PrintWriter err)
            throws Exception {
        err.printf("egresslog stream: %s on %s (%s partitions), group %s, into %s%n", String.join(", ", topicNames), bootstrap,
                partitions.stream().map(String::valueOf).reduce((a, b) -> a + "+" + b).orElse("0"), group, database.db);
        err.flush();
        try (QueryServer server = QueryServer.listen(database.db, err);
             Store store = Store.open(database.db, correlation.memoryLimit, err, true)) {
            store.denyExternalAccess();
            if (server != null) {
                server.ready(store);
            }
            Watermarks watermarks = new Watermarks(latenessSeconds * 1000, idleSeconds * 1000, correlatorOptions.maxSkewMs());
            watermarks.restore(state(store, "final_before", Long.MIN_VALUE));
            Alignment alignment = new Alignment(Math.max(latenessSeconds * 1000, MIN_ALIGNMENT_MS), idleSeconds * 1000);
            StreamIngest ingest = new StreamIngest(store, parserOptions, roles, watermarks, alignment, correlatorOptions.maxSkewMs());
            Passes passes = new Passes(store, correlatorOptions, watermarks, err);
            passes.loadClockOffsets();
            try {
                consume(c, settings, topicNames, ingest, passes, watermarks, alignment, err);
            } finally {
                ingest.close();
            }
            long lastPass = System.nanoTime();
            passes.run();
            err.printf("egresslog stream: stopped after %,d records; %,d tunnel rows (%,d not final)%n",
                    ingest.recordsStored(), passes.rows, passes.open);
            err.printf("egresslog stream: time: %s; last pass %.2f s%n", readingTime, (System.nanoTime() - lastPass) / 1e9);
        } catch (SQLException e) {
            throw new UserException(correlation.databaseError(e), ExitCodes.FAILURE);
        }
        return ExitCodes.OK;
    }

    private void consume(KafkaConsumer<byte[], byte[]> c, KafkaSettings settings, List<String> topicNames, StreamIngest ingest,
                         Passes passes, Watermarks watermarks, Alignment alignment, PrintWriter err) throws SQLException {
        onSignals();
        c.subscribe(topicNames, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                revoked.forEach(watermarks::arrived);
                revoked.forEach(alignment::forget);
                // the records in hand are stored before another instance may read their partitions
                try {
                    Map<TopicPartition, OffsetAndMetadata> offsets = ingest.commit();
                    if (!offsets.isEmpty()) {
                        passes.pending = true;
                        c.commitSync(offsets);
                    }
                } catch (SQLException e) {
                    listenerError = e;
                } catch (KafkaException e) {
                    // the group's offsets only serve lag monitoring and hand-overs; the database has the records
                }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                // nothing is final until each new partition delivered its first record (or proved empty)
                long now = System.currentTimeMillis();
                for (TopicPartition tp : assigned) {
                    watermarks.await(tp, now);
                }
                try {
                    resume(c, ingest.storedOffsets(), assigned, err);
                } catch (SQLException e) {
                    listenerError = e;
                }
            }
        });
        long start = System.nanoTime();
        long pollNanos = 0;
        long commitNanos = 0;
        long passNanos = 0;
        int commits = 0;
        int passCount = 0;
        long pauses = 0;
        long lastReport = start;
        long reportedRecords = 0;
        long lastRecordAt = System.nanoTime();
        String lastCommit = "-";
        while (!stopping) {
            ConsumerRecords<byte[], byte[]> records;
            long polled = System.nanoTime();
            try {
                records = c.poll(Duration.ofMillis(200));
            } catch (WakeupException e) {
                break;
            } catch (KafkaException e) {
                throw new UserException("Kafka: " + settings.redact(KafkaSettings.rootMessage(e)), ExitCodes.FAILURE);
            }
            if (listenerError != null) {
                throw listenerError;
            }
            long now = System.nanoTime();
            pollNanos += now - polled;
            if (!records.isEmpty()) {
                ingest.add(records);
                lastRecordAt = now;
            }
            arrivals(c, records, watermarks);
            passes.behind = lag(c) > BEHIND_RECORDS;
            pauses += align(c, alignment, passes.behind);
            // Reading a backlog, records are stored in large transactions, at least every 20 s;
            // caught up, each poll's records are stored at once.
            if (ingest.pending() > 0 && (!passes.behind || records.isEmpty() || ingest.pending() >= BACKLOG_COMMIT_RECORDS
                    || ingest.pendingNanos() >= BACKLOG_COMMIT_NANOS)) {
                long t = System.nanoTime();
                c.commitAsync(ingest.commit(), null);
                commitNanos += System.nanoTime() - t;
                commits++;
                lastCommit = LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
                passes.pending = true;
            }
            if (ingest.pending() == 0 && passes.due()) {
                long t = System.nanoTime();
                passes.run();
                passNanos += System.nanoTime() - t;
                passCount++;
            }
            if (now - lastReport >= 5_000_000_000L) {
                double seconds = (now - lastReport) / 1e9;
                err.printf("egresslog stream: %,d records (%,.0f/s), lag %s, open tunnels %,d, last commit %s, last pass %.1f s%n",
                        ingest.recordsStored(), (ingest.recordsStored() - reportedRecords) / seconds,
                        lag(c) < 0 ? "?" : String.format("%,d", lag(c)),
                        passes.open, lastCommit, passes.lastSeconds);
                err.flush();
                lastReport = now;
                reportedRecords = ingest.recordsStored();
            }
            if (exitWhenIdleSeconds != null && now - lastRecordAt >= exitWhenIdleSeconds * 1_000_000_000L && lag(c) == 0) {
                passes.allIdle();
                break;
            }
        }
        if (!ingest.commit().isEmpty()) {
            passes.pending = true;
        }
        readingTime = String.format("reading %.1f s (polls %.1f s, %s, %d commits %.1f s, %d passes %.1f s; "
                        + "partitions ahead paused %,d times)", (System.nanoTime() - start) / 1e9, pollNanos / 1e9, ingest.timing(),
                commits, commitNanos / 1e9, passCount, passNanos / 1e9, pauses);
        try {
            c.commitSync(Duration.ofSeconds(5)); // the positions: every record read is stored now
        } catch (KafkaException e) {
            // Kafka's committed offsets only serve lag monitoring; the database holds the truth
        }
    }

    private KafkaConsumer<byte[], byte[]> newConsumer(KafkaSettings settings) {
        try {
            return new KafkaConsumer<>(settings.consumer());
        } catch (KafkaException e) {
            throw new UserException("bad consumer configuration: " + settings.redact(KafkaSettings.rootMessage(e)));
        }
    }

    /**
     * Where each assigned partition resumes: at the offset the database holds, unless the group's
     * committed offset is further on (another instance of the group read those records since).
     * A partition the database does not know starts at the group's offset, else as
     * {@code auto.offset.reset} says (earliest with --from-beginning, latest without).
     */
    private static void resume(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> stored,
                               Collection<TopicPartition> assigned, PrintWriter err) {
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(assigned));
        for (TopicPartition tp : assigned) {
            Long db = stored.get(tp);
            if (db == null) {
                continue;
            }
            OffsetAndMetadata group = committed.get(tp);
            if (group != null && group.offset() > db) {
                err.printf("egresslog stream: %s resumes at the group's offset %,d: another instance read it from %,d%n",
                        tp, group.offset(), db);
                err.flush();
            } else {
                c.seek(tp, db);
            }
        }
    }

    /** Partitions awaited by the watermark that delivered a record, or that have none to deliver, are awaited no more. */
    private static void arrivals(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records, Watermarks watermarks) {
        records.partitions().forEach(watermarks::arrived);
        for (TopicPartition tp : c.assignment()) {
            if (watermarks.awaiting(tp)) {
                var lag = c.currentLag(tp);
                if (lag.isPresent() && lag.getAsLong() == 0) {
                    watermarks.arrived(tp);
                }
            }
        }
    }

    /**
     * Reading a backlog, partitions ahead in event time are paused until the slowest catches up
     * (see {@link Alignment}); caught up, every partition is read. Returns how many it paused.
     */
    private static int align(KafkaConsumer<byte[], byte[]> c, Alignment alignment, boolean behind) {
        Set<TopicPartition> paused = c.paused();
        if (!behind) {
            if (!paused.isEmpty()) {
                c.resume(paused);
            }
            return 0;
        }
        Map<TopicPartition, Long> lag = new HashMap<>();
        for (TopicPartition tp : c.assignment()) {
            var l = c.currentLag(tp);
            lag.put(tp, l.isPresent() ? l.getAsLong() : null);
        }
        Alignment.Decision decision = alignment.decide(lag, paused, System.currentTimeMillis());
        if (!decision.pause().isEmpty()) {
            c.pause(decision.pause().stream().map(TopicPartition.class::cast).toList());
        }
        if (!decision.resume().isEmpty()) {
            c.resume(decision.resume().stream().map(TopicPartition.class::cast).toList());
        }
        return decision.pause().size();
    }

    /** Total lag of the assigned partitions, or -1 while it is unknown (no assignment yet, no fetch yet). */
    private static long lag(KafkaConsumer<byte[], byte[]> c) {
        long total = 0;
        if (c.assignment().isEmpty()) {
            return -1;
        }
        for (TopicPartition tp : c.assignment()) {
            var lag = c.currentLag(tp);
            if (lag.isEmpty()) {
                return -1;
            }
            total += lag.getAsLong();
        }
        return total;
    }

    /** Ctrl-C and SIGTERM end the poll loop: the batch in hand is stored and committed, then exit 0. */
    @SuppressWarnings("restriction")
    private void onSignals() {
        sun.misc.SignalHandler stop = signal -> {
            stopping = true;
            KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        };
        for (String name : List.of("INT", "TERM")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), stop);
            } catch (IllegalArgumentException e) {
                // the signal is not available here (or the JVM reserves it): the default applies
            }
        }
    }

    private Map<String, String> topicRoles() {
        Map<String, String> roles = new LinkedHashMap<>();
        for (String t : topics) {
            int colon = t.lastIndexOf(':');
            String name = colon < 0 ? t : t.substring(0, colon);
            String role = colon < 0 ? null : t.substring(colon + 1);
            if (name.isBlank()) {
                throw new UserException("empty topic name in --topic " + t);
            }
            if (role != null && !List.of("sidecar", "gateway", "squid").contains(role)) {
                throw new UserException("unknown role '" + role + "' in --topic " + t + " (expected sidecar, gateway or squid)");
            }
            roles.put(name, role);
        }
        return roles;
    }

    static long state(Store store, String key, long otherwise) throws SQLException {
        try (PreparedStatement ps = store.connection().prepareStatement("SELECT value FROM stream_state WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : otherwise;
            }
        }
    }

    /** EGRESSLOG_SQL_TIMING set: each pass prints its stages and SQL statements with their times (see README). */
    private static final boolean SQL_TIMING = System.getenv("EGRESSLOG_SQL_TIMING") != null;

    /** Reading a backlog, how far ahead of the slowest partition another may be at least (else --lateness), in event time. */
    private static final long MIN_ALIGNMENT_MS = 10_000;

    /** Records waiting in Kafka above which the stream is reading a backlog. */
    private static final long BEHIND_RECORDS = 5_000;

    /**
     * While a backlog is read, records stored per transaction at most, and the longest a record
     * waits for it. Measured on the 1 M-tunnel backlog (2.9 M records): 200 k / 2 s took 52.8 s,
     * 1 M / 20 s 40.0 s (commits 15.2 -> 3.3 s: a move of many rows runs on every core, and fewer
     * passes remake less); rows that differ from trace's 35 + 33 and 10 + 9. (Before a pass's
     * learning kept its pairs, longer passes joined worse: 169 + 274 against 1,127 + 2,060.)
     */
    private static final long BACKLOG_COMMIT_RECORDS = 1_000_000;
    private static final long BACKLOG_COMMIT_NANOS = 20_000_000_000L;

    /** Correlation passes over the recent lines: each rebuilds the rows that are not final yet. */
    private final class Passes {
        /** More late ranges than this are merged into one. */
        private static final int MAX_LATE_RANGES = 32;

        private final Store store;
        private final CorrelatorOptions options;
        private final Watermarks watermarks;
        private final PrintWriter err;
        private long lastPass;
        boolean pending = true;
        /** Whether more than {@link #BEHIND_RECORDS} records wait in Kafka. */
        boolean behind;
        long rows;
        long open;
        double lastSeconds;

        /** What the passes learned so far (the first pass learns from the lines the database holds). */
        private final Correlation.KeptLearning learning = new Correlation.KeptLearning();

        /** The slice the next pass starts at (the engine's: the one after the last whose rows are final), kept in stream_state. */
        private long resumeSlice;

        Passes(Store store, CorrelatorOptions options, Watermarks watermarks, PrintWriter err) throws SQLException {
            this.store = store;
            this.options = options;
            this.watermarks = watermarks;
            this.err = err;
            this.resumeSlice = state(store, "resume_slice", Long.MIN_VALUE);
        }

        /** The stream was read to its end and nothing came for a while: the last pass treats every source as idle. */
        void allIdle() {
            watermarks.allIdle();
            pending = true;
        }

        /**
         * A pass is due once the interval has passed; while records are waiting, passes also take at
         * most a third of the time, so that a backlog is read at full speed (measured: passes every
         * second took about half the time reading 300 k records) and rows follow it in larger steps.
         */
        boolean due() {
            long since = System.nanoTime() - lastPass;
            return pending && since >= (long) (passIntervalSeconds * 1e9) && (!behind || since >= (long) (2 * lastSeconds * 1e9));
        }

        void run() throws SQLException {
            if (!pending) {
                return;
            }
            long started = System.nanoTime();
            long horizon = Math.max(0, watermarks.finalBefore());
            List<long[]> late = lateRanges();
            // the boundary once the pass learned its clocks: a Squid whose offset it found is placed
            // at once, instead of holding every row back until the next pass
            Correlation.Result result = new Correlation(store.connection(), options, SQL_TIMING ? line -> {
                err.println("egresslog stream: pass: " + line.strip());
                err.flush();
            } : line -> { }).run(new Correlation.Window(horizon, offsets -> {
                watermarks.learned(offsets);
                return Math.max(0, watermarks.advance());
            }, late, resumeSlice, learning));
            long finalBefore = Math.max(horizon, result.finalBeforeMs());
            try (Statement s = store.connection().createStatement()) {
                s.execute("BEGIN TRANSACTION");
                s.execute("INSERT INTO stream_state VALUES ('final_before', " + finalBefore
                        + ") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
                s.execute("INSERT INTO stream_state VALUES ('resume_slice', " + result.resumeSliceMs()
                        + ") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
                s.execute("DELETE FROM late_lines");
                s.execute("COMMIT");
                resumeSlice = result.resumeSliceMs();
                try (ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE NOT final) FROM tunnels")) {
                    rs.next();
                    rows = rs.getLong(1);
                    open = rs.getLong(2);
                }
                checkKeying(s, horizon, finalBefore);
            }
            loadClockOffsets();
            pending = false;
            lastSeconds = (System.nanoTime() - started) / 1e9;
            lastPass = System.nanoTime();
        }

        private long lastKeyingWarning;

        /** The Squid clock offsets the passes learned (kept in sources), for placing Squid lines in event time. */
        void loadClockOffsets() throws SQLException {
            Map<Integer, Long> offsets = new HashMap<>();
            try (Statement s = store.connection().createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT source_id, clock_offset_ms FROM sources WHERE role = 'squid' AND clock_offset_ms IS NOT NULL")) {
                while (rs.next()) {
                    offsets.put(rs.getInt(1), rs.getLong(2));
                }
            }
            watermarks.clockOffsets(offsets);
        }

        /**
         * Warns when the rows made final by this pass look like tunnels split between instances:
         * many gateway lines to a proxy that met no Squid line, and many Squid lines that met no
         * gateway line. One instance seeing all of a gateway+Squid group's lines shows few of both.
         */
        private void checkKeying(Statement s, long from, long to) throws SQLException {
            if (System.nanoTime() - lastKeyingWarning < 300_000_000_000L && lastKeyingWarning != 0) {
                return;
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT count(*) FILTER (WHERE status = 'partial' AND gateway_line IS NOT NULL AND squid_line IS NULL),
                           count(*) FILTER (WHERE status = 'non_mesh'), count(*)
                    FROM tunnels WHERE final AND end_time >= epoch_ms(%d::BIGINT) AND end_time < epoch_ms(%d::BIGINT)"""
                    .formatted(from, to))) {
                rs.next();
                long gatewayOnly = rs.getLong(1);
                long squidOnly = rs.getLong(2);
                long total = rs.getLong(3);
                if (gatewayOnly >= 20 && squidOnly >= 20 && gatewayOnly + squidOnly > total / 5) {
                    err.printf("egresslog stream: warning: %,d gateway lines met no Squid line and %,d Squid lines no gateway "
                            + "line (of %,d rows just made final): are a tunnel's lines keyed to partitions one instance "
                            + "owns? (README: Several instances)%n", gatewayOnly, squidOnly, total);
                    err.flush();
                    lastKeyingWarning = System.nanoTime();
                }
            }
        }

        /** Lines stored after their time was final, as ranges of end times. */
        private List<long[]> lateRanges() throws SQLException {
            List<long[]> ranges = new ArrayList<>();
            try (Statement s = store.connection().createStatement();
                 ResultSet rs = s.executeQuery("SELECT DISTINCT end_ms - spread_ms, end_ms + spread_ms FROM late_lines ORDER BY 1")) {
                while (rs.next()) {
                    long from = rs.getLong(1);
                    long to = rs.getLong(2);
                    long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
                    if (last != null && from - last[1] <= 2 * Correlation.SLACK_MS) {
                        last[1] = Math.max(last[1], to);
                    } else {
                        ranges.add(new long[] {from, to});
                    }
                }
            }
            if (ranges.size() > MAX_LATE_RANGES) {
                return List.of(new long[] {ranges.get(0)[0], ranges.get(ranges.size() - 1)[1]});
            }
            if (!ranges.isEmpty()) {
                err.printf("egresslog stream: %d late range(s): remaking the rows near them%n", ranges.size());
                err.flush();
            }
            return ranges;
        }
    }
}
