package dev.egresslog.cli;

import dev.egresslog.cli.sim.MeshSimulator;
import dev.egresslog.cli.sim.SimulationConfig;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.SquidRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** A line of a simulated log file, and where it went in Kafka. */
    record Line(String file, long number, String text, long end, String topic, String key) {
    }

    /** Every line of the simulation's files, in the order a fleet of shippers would deliver them. */
    static List<Line> lines(Path logs, long seed) throws IOException {
        List<Line> lines = new ArrayList<>();
        LogParser parser = new LogParser();
        Random random = new Random(seed);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(logs)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String name = logs.relativize(file).toString();
            boolean squid = name.startsWith("squid/");
            String key = squid ? file.getParent().getFileName().toString()
                    : name.startsWith("shipper/") ? null : file.getFileName().toString().replaceAll("\\.log$", "");
            try (LineReader reader = LineReader.open(file)) {
                String text;
                long number = 0;
                while ((text = reader.next()) != null) {
                    number++;
                    var parsed = parser.parse(text, name, number);
                    long end = parsed instanceof EnvoyRecord r ? r.endTime() : parsed instanceof SquidRecord r ? r.endTime() : 0;
                    // shippers deliver each file in order, files interleaved, up to a few seconds apart
                    lines.add(new Line(name, number, text, end + random.nextInt(3_000), squid ? "squid" : "envoy", key));
                }
            }
        }
        lines.sort(Comparator.comparingLong(Line::end));
        return lines;
    }

    /** Produces the lines; returns "topic/partition/offset" to "file:line". */
    static Map<String, String> produce(List<Line> lines) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG, "5",
                ProducerConfig.ACKS_CONFIG, "all");
        Map<String, String> where = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Line line : lines) {
                byte[] key = line.key() == null ? null : line.key().getBytes(StandardCharsets.UTF_8);
                sent.add(producer.send(new ProducerRecord<>(line.topic(), key, line.text().getBytes(StandardCharsets.UTF_8))));
            }
            for (int i = 0; i < lines.size(); i++) {
                RecordMetadata m = sent.get(i).get(30, TimeUnit.SECONDS);
                where.put(m.topic() + "/" + m.partition() + "/" + m.offset(), lines.get(i).file() + ":" + lines.get(i).number());
            }
        }
        return where;
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

    @Test
    void streamGivesTheTunnelsTraceGives() throws Exception {
        Path sim = tmp.resolve("sim");
        MeshSimulator.run(new SimulationConfig(1_500, 25, 20, 4, 90, 10, 0.005, 11), sim);
        Path logs = sim.resolve("logs");
        broker.createTopic("envoy", 3);
        broker.createTopic("squid", 2);
        List<Line> lines = lines(logs, 5);
        Map<String, String> where = produce(lines);

        Path streamDb = tmp.resolve("stream.duckdb");
        var stream = run("stream", "--bootstrap-server", broker.bootstrap(), "--topic", "envoy", "--topic", "squid",
                "--from-beginning", "--db", streamDb.toString(), "--lateness", "5", "--exit-when-idle", "2");
        assertEquals(0, stream.exit(), stream.err());
        assertEquals(lines.size(), count(streamDb, "SELECT (SELECT count(*) FROM envoy_log) + (SELECT count(*) FROM squid_log) + (SELECT count(*) FROM rejects)"),
                stream.err());
        assertEquals(0, count(streamDb, "SELECT count(*) FROM tunnels WHERE NOT final AND end_time < (SELECT max(end_time) FROM tunnels) - INTERVAL 60 SECOND"));

        Path traceDb = tmp.resolve("trace.duckdb");
        var trace = run("trace", "--db", traceDb.toString(), logs.toString());
        assertEquals(0, trace.exit(), trace.err());

        Set<String> fromStream = tunnels(streamDb, kafkaNames(where));
        Set<String> fromTrace = tunnels(traceDb, fileNames(logs));
        Set<String> onlyStream = new TreeSet<>(fromStream);
        onlyStream.removeAll(fromTrace);
        Set<String> onlyTrace = new TreeSet<>(fromTrace);
        onlyTrace.removeAll(fromStream);
        assertTrue(onlyStream.isEmpty() && onlyTrace.isEmpty(),
                fromTrace.size() + " trace rows, " + fromStream.size() + " stream rows; only in stream: "
                        + onlyStream.stream().limit(10).toList() + "; only in trace: " + onlyTrace.stream().limit(10).toList()
                        + "\n" + stream.err());
        // every line in at most one row
        assertEquals(0, count(streamDb, """
                SELECT count(*) FROM (SELECT f, l FROM (
                  SELECT sidecar_file f, sidecar_line l FROM tunnels WHERE sidecar_line IS NOT NULL UNION ALL
                  SELECT gateway_file, gateway_line FROM tunnels WHERE gateway_line IS NOT NULL UNION ALL
                  SELECT squid_file, squid_line FROM tunnels WHERE squid_line IS NOT NULL) GROUP BY ALL HAVING count(*) > 1)"""));
    }
}
