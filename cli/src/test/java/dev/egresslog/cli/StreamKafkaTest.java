package dev.egresslog.cli;

import dev.egresslog.cli.bench.BenchStream;
import dev.egresslog.cli.sim.MeshSimulator;
import dev.egresslog.cli.sim.ShippedLine;
import dev.egresslog.cli.sim.SimulationConfig;
import dev.egresslog.cli.stream.QueryServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.egresslog.cli.ParseCommandTest.run;
import static dev.egresslog.cli.TraceCommandTest.count;
import static dev.egresslog.cli.TraceCommandTest.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `egresslog stream` against a real Kafka broker (KRaft, one node, loopback) started from Maven
 * Central's artifacts: generated logs are produced into topics with several partitions, streamed
 * into DuckDB, and compared with `trace` over the same files.
 */
class StreamKafkaTest {
    @TempDir
    static Path tmp;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(tmp.resolve("broker"));
    }

    /** Every stream process a test started: ended after each test, whether it passed or failed. */
    @RegisterExtension
    static final TestProcesses started = new TestProcesses();

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG, "5",
                ProducerConfig.ACKS_CONFIG, "all"));
    }

    /**
     * Produces the lines to PREFIX + "envoy" / "squid" and waits for the broker's acks; adds
     * "topic/partition/offset" to "file:line" to {@code where}.
     */
    static void produce(KafkaProducer<byte[], byte[]> producer, List<ShippedLine> lines, String prefix, Map<String, String> where)
            throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (ShippedLine line : lines) {
            sent.add(producer.send(new ProducerRecord<>(prefix + (line.squid() ? "squid" : "envoy"), line.keyBytes(), line.value())));
        }
        for (int i = 0; i < lines.size(); i++) {
            RecordMetadata m = sent.get(i).get(60, TimeUnit.SECONDS);
            synchronized (where) {
                where.put(m.topic() + "/" + m.partition() + "/" + m.offset(), lines.get(i).file() + ":" + lines.get(i).number());
            }
        }
    }

    /**
     * Produces the lines in waves while a stream runs, as a fleet would: each wave is a slice of
     * event time, and a few lines of each wave are held back to the end (they arrive after their
     * rows were final).
     */
    static Map<String, String> produceInWaves(List<ShippedLine> lines, int waves, double lateShare, long pauseMs) throws Exception {
        return produceInWaves(lines, "", waves, lateShare, pauseMs);
    }

    /** As above, to topics PREFIX + "envoy" / "squid". */
    static Map<String, String> produceInWaves(List<ShippedLine> lines, String prefix, int waves, double lateShare, long pauseMs)
            throws Exception {
        Map<String, String> where = new HashMap<>();
        Random random = new Random(3);
        List<ShippedLine> late = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int w = 0; w < waves; w++) {
                List<ShippedLine> onTime = new ArrayList<>();
                for (ShippedLine line : wave(lines, w, waves)) {
                    (w < waves - 1 && random.nextDouble() < lateShare ? late : onTime).add(line);
                }
                produce(producer, onTime, prefix, where);
                Thread.sleep(pauseMs);
            }
            produce(producer, late, prefix, where);
        }
        return where;
    }

    /** A simulated mesh's logs and its lines as shippers send them. */
    record Shipped(Path logs, List<ShippedLine> lines) {
    }

    /**
     * Simulates a mesh into tmp/NAME, creates topics PREFIX + "envoy" / "squid" with the partitions
     * given, and reads the lines as shippers send them: each file in order, files interleaved, up
     * to 3 s apart (seeded).
     */
    static Shipped simulateAndShip(String name, SimulationConfig config, String prefix, int envoyPartitions, int squidPartitions,
                                   long seed) throws Exception {
        Path sim = tmp.resolve(name);
        MeshSimulator.run(config, sim);
        broker.createTopic(prefix + "envoy", envoyPartitions);
        broker.createTopic(prefix + "squid", squidPartitions);
        Path logs = sim.resolve("logs");
        return new Shipped(logs, ShippedLine.read(logs, 3_000, seed));
    }

    /** Each tunnel row as "status sidecar gateway squid", lines named "file:line" through {@code name}. */
    static Set<String> tunnels(Path db, java.util.function.BiFunction<String, Long, String> name) throws Exception {
        Set<String> out = new TreeSet<>();
        for (var row : rows(db, "SELECT status, sidecar_file, sidecar_line, gateway_file, gateway_line, squid_file, squid_line FROM tunnels")) {
            StringBuilder b = new StringBuilder((String) row.get("status"));
            for (String hop : List.of("sidecar", "gateway", "squid")) {
                Object file = row.get(hop + "_file");
                b.append(' ').append(file == null ? "-" : name.apply((String) file, ((Number) row.get(hop + "_line")).longValue()));
            }
            out.add(b.toString());
        }
        return out;
    }

    /** Every line of the logs by name ("file:line", as {@link #fileNames} names them), its text. */
    static Map<String, String> lineTexts(Path logs) throws IOException {
        Map<String, String> text = new HashMap<>();
        List<Path> files;
        try (var walk = Files.walk(logs)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            try (dev.egresslog.parser.LineReader reader = dev.egresslog.parser.LineReader.open(file)) {
                String line;
                while ((line = reader.next()) != null) {
                    text.put(logs.relativize(file) + ":" + reader.lineNumber(), line);
                }
            }
        }
        return text;
    }

    /** Rows with each line named by its text: byte-identical lines become one and the same; sorted, duplicates kept. */
    static List<String> byText(Set<String> rows, Map<String, String> text) {
        List<String> out = new ArrayList<>();
        for (String row : rows) {
            String[] f = row.split(" ");
            StringBuilder b = new StringBuilder(f[0]);
            for (int i = 1; i < f.length; i++) {
                b.append(" | ").append(f[i].equals("-") ? "-" : java.util.Objects.requireNonNull(text.get(f[i]), f[i]));
            }
            out.add(b.toString());
        }
        out.sort(null);
        return out;
    }

    /** The rows of {@code rows} that {@code others} does not have, duplicates counted. */
    static List<String> notIn(List<String> rows, List<String> others) {
        Map<String, Integer> left = new HashMap<>();
        others.forEach(r -> left.merge(r, 1, Integer::sum));
        List<String> out = new ArrayList<>();
        for (String r : rows) {
            if (left.merge(r, -1, Integer::sum) < 0) {
                out.add(r);
            }
        }
        return out;
    }

    /** Lines stored: parsed or rejected. */
    static long storedLines(Path db) throws Exception {
        return count(db, "SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log) + (SELECT count(*) FROM rejects)");
    }

    static void assertSameTunnels(Set<String> fromTrace, Set<String> fromStream, String log) {
        Set<String> onlyStream = new TreeSet<>(fromStream);
        onlyStream.removeAll(fromTrace);
        Set<String> onlyTrace = new TreeSet<>(fromTrace);
        onlyTrace.removeAll(fromStream);
        assertTrue(onlyStream.isEmpty() && onlyTrace.isEmpty(),
                fromTrace.size() + " trace rows, " + fromStream.size() + " stream rows; only in stream: "
                        + onlyStream.stream().limit(10).toList() + "; only in trace: " + onlyTrace.stream().limit(10).toList()
                        + "\n" + log);
    }

    static java.util.function.BiFunction<String, Long, String> kafkaNames(Map<String, String> where) {
        return (source, line) -> {
            String key = source.substring("kafka:".length()) + "/" + line;
            String file = where.get(key);
            if (file == null) {
                throw new AssertionError("no produced record at " + key);
            }
            return file;
        };
    }

    static java.util.function.BiFunction<String, Long, String> fileNames(Path logs) {
        return (source, line) -> logs.relativize(Path.of(source)).toString() + ":" + line;
    }

    /** Runs the CLI in a thread, as an operator runs it in a terminal. */
    static java.util.concurrent.CompletableFuture<ParseCommandTest.Run> runInBackground(String... args) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> run(args));
    }

    @Test
    void streamGivesTheTunnelsTraceGivesWhileLinesArriveLateAndOutOfOrder() throws Exception {
        streamAndTrace(new SimulationConfig(1_500, 25, 20, 4, 90, 10, 0.005, 11), "", false);
    }

    /**
     * With every trap of the storm profile (bursts of identical denials, SNAT, gateway clocks 300 ms
     * off, a Squid clock drifting 1,000 ppm): the stream's rows are trace's rows, up to which of two
     * byte-identical lines goes to which of two tunnels. In a burst, Squid logs twins with the same
     * millisecond, bytes and client (22 such pairs in this Squid's log); nothing in the lines tells
     * them apart, so the engine's choice between them rests on their positions, and a line's
     * position is its line number in a file, its offset in a topic. Measured before this test
     * compared lines by their text: 20 of 1,504 rows differed, every one of them such a swap.
     */
    @Test
    void streamAgreesWithTraceOnBurstsOfIdenticalConnections() throws Exception {
        streamAndTrace(new SimulationConfig(1_500, 25, 20, 4, 90, 3_600, 0.005, 11, 300, 0.15, 0.5, false), "storm-", true);
    }

    /**
     * A backlog: every line is in Kafka before the stream starts, fetched in small chunks (16 KB a
     * partition), so partitions run apart in event time as they do on a large backlog. Partitions
     * ahead are paused until the slowest catches up, and the rows are still trace's rows.
     */
    @Test
    void aBacklogReadWithPartitionsKeptTogetherGivesTheTunnelsTraceGives() throws Exception {
        Shipped shipped = simulateAndShip("backlog-sim", new SimulationConfig(5_000, 25, 20, 4, 90, 10, 0.005, 13), "backlog-", 3, 2, 7);
        Path logs = shipped.logs();
        List<ShippedLine> lines = shipped.lines();
        Map<String, String> where = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            produce(producer, lines, "backlog-", where);
        }
        assertTrue(lines.size() > 10_000, "a backlog: " + lines.size() + " lines");

        Path streamDb = tmp.resolve("backlog-stream.duckdb");
        var run = runInBackground("stream", "--bootstrap-server", broker.bootstrap(), "--topic", "backlog-envoy", "--topic", "backlog-squid",
                "--from-beginning", "--db", streamDb.toString(), "--lateness", "3", "--idle", "2", "--exit-when-idle", "3",
                "--consumer-property", "max.partition.fetch.bytes=16384", "--consumer-property", "max.poll.records=500")
                .get(180, TimeUnit.SECONDS);
        assertEquals(0, run.exit(), run.err());
        run.err().lines().filter(l -> l.contains("time:")).forEach(System.out::println);
        java.util.regex.Matcher paused = java.util.regex.Pattern.compile("partitions ahead paused ([0-9,]+) times").matcher(run.err());
        assertTrue(paused.find(), run.err());
        assertTrue(Long.parseLong(paused.group(1).replace(",", "")) > 0, "partitions ahead were paused: " + run.err());
        assertEquals(lines.size(), storedLines(streamDb), run.err());

        Path traceDb = tmp.resolve("backlog-trace.duckdb");
        var trace = run("trace", "--db", traceDb.toString(), logs.toString());
        assertEquals(0, trace.exit(), trace.err());
        assertSameTunnels(tunnels(traceDb, fileNames(logs)), tunnels(streamDb, kafkaNames(where)), run.err());
    }

    /**
     * The Squid shipper was down: the stream read every Envoy line and made its rows final without
     * a Squid line, and stopped; started again, it learns before most Squid lines come (they come
     * 200 records a poll), and they all come late, from Squids whose clocks no pass has learned:
     * the rows are trace's rows but for a few (12 of 20,102 by the lines' text in four runs; on
     * larger backlogs such rows were denials among identical connections). Without the relearning
     * on many late Squid lines 92 differ, which fails this test (a mesh of 5,000 tunnels did not
     * tell them apart: 23 against 0); on 100 k tunnels 91,569 of trace's rows were split, see
     * README "Known limits".
     */
    @Test
    void squidLinesThatAllComeAfterTheirRowsWereFinalStillJoin() throws Exception {
        Shipped shipped = simulateAndShip("late-squid-sim", new SimulationConfig(20_000, 1_700, 400, 8, 90, 3_600, 0.005, 7, 300, 0, 0,
                SimulationConfig.PROXY_JITTER_MS, false), "late-squid-", 3, 2, 11);
        Path logs = shipped.logs();
        List<ShippedLine> lines = shipped.lines();
        Path db = tmp.resolve("late-squid.duckdb");
        String[] args = {"stream", "--bootstrap-server", broker.bootstrap(), "--topic", "late-squid-envoy", "--topic",
                "late-squid-squid", "--from-beginning", "--db", db.toString(), "--lateness", "3", "--idle", "2", "--exit-when-idle", "3"};
        Map<String, String> where = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            produce(producer, lines.stream().filter(l -> !l.squid()).toList(), "late-squid-", where);
        }
        var first = runInBackground(args).get(180, TimeUnit.SECONDS);
        assertEquals(0, first.exit(), first.err());
        assertEquals(0, count(db, "SELECT count(*) FROM tunnels WHERE NOT final AND end_time < (SELECT max(end_time) FROM tunnels) - INTERVAL 10 SECOND"),
                "the Envoy lines' rows are final");
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            produce(producer, lines.stream().filter(ShippedLine::squid).toList(), "late-squid-", where);
        }
        List<String> smallPolls = new ArrayList<>(List.of(args));
        smallPolls.addAll(List.of("--consumer-property", "max.poll.records=200"));
        var second = runInBackground(smallPolls.toArray(String[]::new)).get(180, TimeUnit.SECONDS);
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.err().contains("late range"), "the Squid lines came late: " + second.err());
        assertEquals(lines.size(), storedLines(db), second.err());

        Path traceDb = tmp.resolve("late-squid-trace.duckdb");
        var trace = run("trace", "--db", traceDb.toString(), logs.toString());
        assertEquals(0, trace.exit(), trace.err());
        // a dense mesh: a few identical connections in the same millisecond are told apart by their
        // lines' positions, which differ between files and topics (as when the lines come in order)
        Set<String> fromTrace = tunnels(traceDb, fileNames(logs));
        Set<String> fromStream = tunnels(db, kafkaNames(where));
        Set<String> onlyStream = new TreeSet<>(fromStream);
        onlyStream.removeAll(fromTrace);
        Map<String, String> text = lineTexts(logs);
        List<String> notTraces = notIn(byText(fromStream, text), byText(fromTrace, text));
        System.out.printf("late Squid lines: %d of %d stream rows not trace's, %d by the lines' text%n", onlyStream.size(),
                fromTrace.size(), notTraces.size());
        // measured on this mesh: 12 rows (four runs); without making the learning again from the
        // late lines (RELEARN_LATE_LINES out of reach) 92, as the Squids' clocks came from the
        // first polls' lines alone
        assertTrue(notTraces.size() <= 0.002 * fromTrace.size(), notTraces.size() + " of " + fromTrace.size()
                + " stream rows are not trace's (by the lines' text): " + notTraces.stream().limit(5).toList() + "\n" + second.err());
    }

    private void streamAndTrace(SimulationConfig config, String topics, boolean twinsByText) throws Exception {
        Shipped shipped = simulateAndShip(topics + "sim", config, topics, 3, 2, 5);
        Path logs = shipped.logs();
        List<ShippedLine> lines = shipped.lines();

        Path streamDb = tmp.resolve(topics + "stream.duckdb");
        var stream = runInBackground("stream", "--bootstrap-server", broker.bootstrap(), "--topic", topics + "envoy", "--topic", topics + "squid",
                "--from-beginning", "--db", streamDb.toString(), "--lateness", "3", "--idle", "2", "--exit-when-idle", "3");
        Map<String, String> where = produceInWaves(lines, topics, 8, 0.01, 1_200);
        var run = stream.get(180, TimeUnit.SECONDS);
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().contains("late range"), "some lines arrived after their rows were final: " + run.err());
        assertEquals(lines.size(), storedLines(streamDb),
                run.err());
        assertEquals(0, count(streamDb, "SELECT count(*) FROM tunnels WHERE NOT final AND end_time < (SELECT max(end_time) FROM tunnels) - INTERVAL 60 SECOND"));

        Path traceDb = tmp.resolve(topics + "trace.duckdb");
        var trace = run("trace", "--db", traceDb.toString(), logs.toString());
        assertEquals(0, trace.exit(), trace.err());

        Set<String> fromStream = tunnels(streamDb, kafkaNames(where));
        Set<String> fromTrace = tunnels(traceDb, fileNames(logs));
        if (!twinsByText) {
            assertSameTunnels(fromTrace, fromStream, run.err());
        } else {
            Map<String, String> text = lineTexts(logs);
            List<String> streamRows = byText(fromStream, text);
            List<String> traceRows = byText(fromTrace, text);
            Set<String> differing = new TreeSet<>(fromStream);
            differing.removeAll(fromTrace);
            System.out.printf("stream rows that name other lines than trace's: %d of %d, all of them twins of identical text: %s%n",
                    differing.size(), fromTrace.size(), streamRows.equals(traceRows));
            assertEquals(traceRows, streamRows, "rows (lines by their text) only in stream: " + differing.stream().limit(10).toList());
            // and the twins of identical text are few: the test would not see a wrong join among them
            assertTrue(differing.size() <= 0.03 * fromTrace.size(), differing.size() + " of " + fromTrace.size());
        }
        // every line in at most one row
        assertEquals(0, count(streamDb, """
                SELECT count(*) FROM (SELECT f, l FROM (
                  SELECT sidecar_file f, sidecar_line l FROM tunnels WHERE sidecar_line IS NOT NULL UNION ALL
                  SELECT gateway_file, gateway_line FROM tunnels WHERE gateway_line IS NOT NULL UNION ALL
                  SELECT squid_file, squid_line FROM tunnels WHERE squid_line IS NOT NULL) GROUP BY ALL HAVING count(*) > 1)"""));
    }

    /**
     * `egresslog stream` in a process of its own, so that it can be killed with SIGKILL; the
     * test's end kills it if it still runs.
     */
    static Process streamProcess(Path log, String... args) throws IOException {
        return started.add(BenchStream.streamProcess(log, args));
    }

    @Test
    void nothingIsLostOrDoubledWhenTheStreamIsKilledAndTheBrokerRestarts() throws Exception {
        Shipped shipped = simulateAndShip("sim-kill", new SimulationConfig(1_000, 25, 16, 4, 60, 10, 0.005, 21), "k-", 3, 2, 9);
        Path logs = shipped.logs();
        List<ShippedLine> lines = shipped.lines();
        Path db = tmp.resolve("killed.duckdb");
        Path log = tmp.resolve("stream-kill.log");
        String[] args = {"--bootstrap-server", broker.bootstrap(), "--topic", "k-envoy", "--topic", "k-squid", "--group", "kill-test",
                "--from-beginning", "--db", db.toString(), "--lateness", "3", "--idle", "2", "--exit-when-idle", "4"};
        Map<String, String> where = new HashMap<>();
        int waves = 6;
        Process stream = streamProcess(log, args);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int w = 0; w < waves; w++) {
                produce(producer, wave(lines, w, waves), "k-", where);
                Thread.sleep(1_500);
                if (w == 1) {
                    waitForRecords(db, log);
                    servedQueriesOnlyRead(db, log);
                    stream.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    stream = streamProcess(log, args);
                }
                if (w == 3) {
                    broker.killAndRestart();
                }
            }
        }
        assertTrue(stream.waitFor(180, TimeUnit.SECONDS), Files.readString(log));
        assertEquals(0, stream.exitValue(), Files.readString(log));
        assertEquals(lines.size(), storedLines(db),
                Files.readString(log));
        assertEquals(lines.size(), count(db, """
                SELECT count(DISTINCT (source, line)) FROM (SELECT source, line FROM envoy_log UNION ALL
                  SELECT source, line FROM squid_log UNION ALL SELECT source, line FROM rejects)"""));

        Path traceDb = tmp.resolve("kill-trace.duckdb");
        assertEquals(0, run("trace", "--db", traceDb.toString(), logs.toString()).exit());
        Set<String> fromStream = tunnels(db, kafkaNames(where));
        Set<String> fromTrace = tunnels(traceDb, fileNames(logs));
        assertSameTunnels(fromTrace, fromStream, Files.readString(log));
    }

    /**
     * Two instances in one consumer group, each with its own database: B joins while A reads and
     * leaves (SIGTERM) before the end, so partitions move A -> B -> A. Every record is stored in
     * exactly one of the two databases, and each instance joins exactly what trace joins on the
     * lines that instance holds.
     */
    @Test
    void twoInstancesInOneGroupShareThePartitionsWithoutLossDoublesOrWrongJoins() throws Exception {
        Shipped shipped = simulateAndShip("sim-group", new SimulationConfig(800, 20, 16, 4, 60, 10, 0.005, 31), "g-", 4, 4, 13);
        Path logs = shipped.logs();
        List<ShippedLine> lines = shipped.lines();
        Path dbA = tmp.resolve("group-a.duckdb");
        Path dbB = tmp.resolve("group-b.duckdb");
        Path logA = tmp.resolve("group-a.log");
        Path logB = tmp.resolve("group-b.log");
        List<String> common = List.of("--bootstrap-server", broker.bootstrap(), "--topic", "g-envoy", "--topic", "g-squid",
                "--group", "shared", "--from-beginning", "--lateness", "3", "--idle", "2");
        List<String> argsA = new ArrayList<>(common);
        argsA.addAll(List.of("--db", dbA.toString(), "--exit-when-idle", "6"));
        List<String> argsB = new ArrayList<>(common);
        argsB.addAll(List.of("--db", dbB.toString()));
        Map<String, String> where = new HashMap<>();
        Process a = streamProcess(logA, argsA.toArray(String[]::new));
        Process b = null;
        // the lines go out in waves over about 15 s while B joins and leaves
        var producing = java.util.concurrent.CompletableFuture.runAsync(() -> {
            int waves = 10;
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                for (int w = 0; w < waves; w++) {
                    produce(producer, wave(lines, w, waves), "g-", where);
                    Thread.sleep(1_500);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(2_000);
        b = streamProcess(logB, argsB.toArray(String[]::new));
        waitForRecords(dbB, logB);
        b.destroy(); // SIGTERM: B stores what it read and leaves the group
        assertTrue(b.waitFor(60, TimeUnit.SECONDS), Files.readString(logB));
        assertEquals(0, b.exitValue(), Files.readString(logB));
        producing.get(120, TimeUnit.SECONDS);
        assertTrue(a.waitFor(180, TimeUnit.SECONDS), Files.readString(logA));
        assertEquals(0, a.exitValue(), Files.readString(logA));
        String log = Files.readString(logA) + Files.readString(logB);

        Set<String> inA = storedRecords(dbA);
        Set<String> inB = storedRecords(dbB);
        assertTrue(!inB.isEmpty(), "B read some partitions: " + log);
        Set<String> both = new TreeSet<>(inA);
        both.retainAll(inB);
        assertTrue(both.isEmpty(), "stored by both: " + both.stream().limit(5).toList() + "\n" + log);
        assertEquals(lines.size(), inA.size() + inB.size(), log);
        assertTrue(Files.readString(logA).contains("resumes at the group's offset"), log);

        // Each instance holds part of the lines, and part of a tunnel's lines may be all it has (a
        // lost line does the same to trace): an instance joins what trace joins on the lines it holds.
        int joined = 0;
        for (Path db : List.of(dbA, dbB)) {
            Path subset = tmp.resolve(db.getFileName() + "-lines");
            Map<String, String> original = writeHeldLines(db, where, logs, subset);
            Path traceDb = tmp.resolve(db.getFileName() + "-trace.duckdb");
            assertEquals(0, run("trace", "--db", traceDb.toString(), subset.toString()).exit());
            Set<String> traceJoins = joins(tunnels(traceDb, (source, line) -> original.get(fileNames(subset).apply(source, line))));
            Set<String> streamJoins = joins(tunnels(db, kafkaNames(where)));
            joined += streamJoins.size();
            Set<String> onlyStream = new TreeSet<>(streamJoins);
            onlyStream.removeAll(traceJoins);
            Set<String> onlyTrace = new TreeSet<>(traceJoins);
            onlyTrace.removeAll(streamJoins);
            assertTrue(onlyStream.isEmpty() && onlyTrace.isEmpty(), db.getFileName() + ": joins only the stream made: "
                    + onlyStream.stream().limit(5).toList() + "; only trace on the same lines: " + onlyTrace.stream().limit(5).toList()
                    + "\n" + log);
        }
        assertTrue(joined > 0, log);
    }

    /**
     * Writes the lines a stream database holds as log files under {@code out}, each file keeping
     * the original's name and order; returns "file:line" in {@code out} -> "file:line" in the
     * original logs.
     */
    static Map<String, String> writeHeldLines(Path db, Map<String, String> where, Path logs, Path out) throws Exception {
        Map<String, TreeSet<Long>> held = new TreeMap<>();
        for (String record : storedRecords(db)) {
            String fileLine = where.get(record.substring("kafka:".length()));
            int colon = fileLine.lastIndexOf(':');
            held.computeIfAbsent(fileLine.substring(0, colon), f -> new TreeSet<>()).add(Long.parseLong(fileLine.substring(colon + 1)));
        }
        Map<String, String> original = new HashMap<>();
        for (var file : held.entrySet()) {
            List<String> text = new ArrayList<>();
            try (dev.egresslog.parser.LineReader reader = dev.egresslog.parser.LineReader.open(logs.resolve(file.getKey()))) {
                String line;
                while ((line = reader.next()) != null) {
                    if (file.getValue().contains(reader.lineNumber())) {
                        text.add(line);
                        original.put(file.getKey().replaceAll("\\.gz$", "") + ":" + text.size(), file.getKey() + ":" + reader.lineNumber());
                    }
                }
            }
            Path target = out.resolve(file.getKey().replaceAll("\\.gz$", ""));
            Files.createDirectories(target.getParent());
            Files.write(target, text);
        }
        return original;
    }

    /** The hop-to-hop links of tunnel rows: "A + B" for each two lines that one row holds. */
    static Set<String> joins(Set<String> tunnelRows) {
        Set<String> out = new TreeSet<>();
        for (String row : tunnelRows) {
            String[] f = row.split(" ");
            for (int i = 1; i < f.length; i++) {
                for (int j = i + 1; j < f.length; j++) {
                    if (!f[i].equals("-") && !f[j].equals("-")) {
                        out.add(f[i] + " + " + f[j]);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Waits until a running stream has stored records, asking it with 'egresslog query'. Until
     * the stream listens beside its database, there is none to ask; from then on (the stream
     * listens before it opens the file) every query is answered.
     */
    static void waitForRecords(Path db, Path log) throws Exception {
        for (int attempt = 0; attempt < 300; attempt++) {
            if (Files.exists(QueryServer.socketOf(db))) {
                var query = run("query", "--db", db.toString(), "-o", "csv", "SELECT count(*) AS n FROM envoy_log");
                assertEquals(0, query.exit(), query.err() + Files.readString(log));
                if (Long.parseLong(query.lines().get(1).strip()) > 0) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the stream stored nothing in 60 s: " + Files.readString(log));
    }

    /** A running stream answers queries, but none of them writes, reads files or ends its read-only transaction. */
    static void servedQueriesOnlyRead(Path db, Path log) throws Exception {
        Path outside = tmp.resolve("served-copy.csv");
        for (String sql : List.of("DROP TABLE envoy_log", "SELECT 1; DROP TABLE envoy_log", "COMMIT; DROP TABLE envoy_log",
                "COPY (SELECT 42) TO '" + outside + "' (FORMAT csv)", "SELECT * FROM read_text('/etc/hostname')",
                "ATTACH '" + tmp.resolve("served-other.duckdb") + "'", "SET enable_external_access = true")) {
            var query = run("query", "--db", db.toString(), sql);
            assertEquals(ExitCodes.USAGE, query.exit(), sql + "\n" + query.out() + query.err() + Files.readString(log));
        }
        assertTrue(!Files.exists(outside) && !Files.exists(tmp.resolve("served-other.duckdb")));
        var still = run("query", "--db", db.toString(), "-o", "csv", "SELECT count(*) FROM envoy_log");
        assertEquals(0, still.exit(), still.err() + Files.readString(log));
        var describe = run("query", "--db", db.toString(), "DESCRIBE tunnels");
        assertEquals(0, describe.exit(), describe.err());
    }

    /** Wave {@code w} of {@code waves} equal slices of {@code lines}. */
    static List<ShippedLine> wave(List<ShippedLine> lines, int w, int waves) {
        int per = (lines.size() + waves - 1) / waves;
        return lines.subList(Math.min(lines.size(), w * per), Math.min(lines.size(), (w + 1) * per));
    }

    /** Each stored record (parsed or rejected) as "source/line". */
    static Set<String> storedRecords(Path db) throws Exception {
        Set<String> out = new TreeSet<>();
        for (var row : rows(db, "SELECT source, line FROM envoy_log UNION ALL SELECT source, line FROM squid_log "
                + "UNION ALL SELECT source, line FROM rejects")) {
            out.add(row.get("source") + "/" + row.get("line"));
        }
        return out;
    }

    static void assertOneLine(ParseCommandTest.Run run, int exit, String expected) {
        assertEquals(exit, run.exit(), run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).contains(expected), run.err());
    }

    @Test
    void badBrokerTopicOrConfigIsOneClearLine() throws Exception {
        Path db = tmp.resolve("errors.duckdb");
        assertOneLine(run("stream", "--bootstrap-server", "127.0.0.1:" + KafkaBroker.freePort(), "--topic", "envoy",
                "--timeout", "3", "--db", db.toString()), ExitCodes.FAILURE, "cannot reach Kafka at 127.0.0.1:");
        assertOneLine(run("stream", "--bootstrap-server", broker.bootstrap(), "--topic", "no-such-topic", "--db", db.toString()),
                ExitCodes.USAGE, "no such topic");
        assertOneLine(run("stream", "--bootstrap-server", broker.bootstrap(), "--topic", "envoy", "--db", db.toString(),
                "--consumer.config", tmp.resolve("missing.properties").toString()), ExitCodes.USAGE, "cannot read consumer config");
        broker.createTopic("errors", 1);
        assertOneLine(run("stream", "--bootstrap-server", broker.bootstrap(), "--topic", "errors", "--db", db.toString(),
                "--consumer-property", "session.timeout.ms=soon"), ExitCodes.USAGE, "bad consumer configuration");
        assertOneLine(run("stream", "--bootstrap-server", broker.bootstrap(), "--topic", "errors:proxy", "--db", db.toString()),
                ExitCodes.USAGE, "unknown role 'proxy'");
        var secret = run("stream", "--bootstrap-server", broker.bootstrap(), "--topic", "errors", "--db", db.toString(),
                "--consumer-property", "security.protocol=SASL_PLAINTEXT", "--consumer-property", "sasl.mechanism=PLAIN",
                "--consumer-property", "sasl.jaas.config=not-a-jaas-line password=hunter2secret");
        assertTrue(secret.exit() != 0, secret.err());
        assertTrue(!secret.err().contains("hunter2secret") && !secret.out().contains("hunter2secret"), secret.err());
        assertEquals(1, secret.err().lines().count(), secret.err());
    }
}
