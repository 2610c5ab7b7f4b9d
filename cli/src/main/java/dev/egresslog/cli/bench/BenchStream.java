package dev.egresslog.cli.bench;

import dev.egresslog.cli.ExitCodes;
import dev.egresslog.cli.Main;
import dev.egresslog.cli.sim.MeshSimulator;
import dev.egresslog.cli.sim.ShippedLine;
import dev.egresslog.cli.sim.SimulationConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Stream throughput and latency through a real broker: a simulated mesh is produced into fresh
 * topics, and {@code stream} runs in this process against them, as an operator runs it.
 */
@Command(name = "stream", mixinStandardHelpOptions = true,
        description = {"Measures stream through a running Kafka broker: sustained records/s (a backlog read from the "
                + "beginning), then the delay from a tunnel's last line being produced to its row being visible to "
                + "'egresslog query', at a steady rate. Creates topics named egresslog-bench-*.",
                "A broker for it: bench/kafka-broker DIR (see README)."})
public final class BenchStream implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT", description = "The broker.")
    String bootstrap;

    @Option(names = "--tunnels", paramLabel = "N", defaultValue = "100000",
            description = "Tunnels of the backlog (default: ${DEFAULT-VALUE}; about 3 lines each).")
    int tunnels;

    @Option(names = "--rate", paramLabel = "LINES_PER_SECOND", defaultValue = "3000",
            description = "Produce rate of the latency run (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--latency-seconds", paramLabel = "SECONDS", defaultValue = "40",
            description = "Length of the latency run (default: ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--dir", paramLabel = "DIR", description = "Work directory, kept (default: a temporary one, deleted at the end).")
    Path dir;

    @Option(names = "--soak-seconds", paramLabel = "SECONDS",
            description = "Instead of the two runs: memory of a long run. 'stream' runs as a process of its own "
                    + "while lines are produced at --rate for this long; its resident memory is printed every 15 s.")
    int soakSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("egresslog-bench-stream");
        String run = Long.toString(System.currentTimeMillis() % 10_000_000);
        try {
            return soakSeconds > 0 ? soak(out, work, run) : throughputAndLatency(out, work, run);
        } finally {
            if (dir == null) {
                BenchCommand.deleteTree(work);
            }
        }
    }

    private int throughputAndLatency(PrintWriter out, Path work, String run) throws Exception {

        // 1. throughput: a backlog read from the beginning
        MeshSimulator.run(new SimulationConfig(tunnels, 300, 200, 8, 90, 40, 0.005, 42), work.resolve("sim"));
        List<ShippedLine> lines = ShippedLine.read(work.resolve("sim/logs"), 0, 0);
        String envoy = "egresslog-bench-" + run + "-envoy";
        String squid = "egresslog-bench-" + run + "-squid";
        createTopics(envoy, squid);
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (ShippedLine line : lines) {
                producer.send(new ProducerRecord<>(line.squid() ? squid : envoy, line.keyBytes(), line.value()));
            }
            producer.flush();
        }
        double produceSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf("produced %,d lines of %,d tunnels in %.1f s (%,.0f lines/s, one producer)%n", lines.size(), tunnels,
                produceSeconds, lines.size() / produceSeconds);
        out.flush();
        Path db = work.resolve("throughput.duckdb");
        long idle = 3;
        t0 = System.nanoTime();
        var result = runStream(db, envoy, squid, "--exit-when-idle", Long.toString(idle), "--pass-interval", "5");
        double seconds = (System.nanoTime() - t0) / 1e9 - idle;
        if (result.exit() != 0) {
            out.println("stream failed: " + result.err());
            return ExitCodes.FAILURE;
        }
        out.printf("stream (read, parse, store, correlate): %,d lines in %.1f s: %,.0f lines/s; peak RSS %,d MB%n",
                lines.size(), seconds, lines.size() / seconds, BenchCommand.peakRssMb());
        // where its time went, as stream printed it (its reading includes the --exit-when-idle wait)
        result.err().lines().filter(l -> l.startsWith("egresslog stream: time:"))
                .forEach(l -> out.println("  " + l.substring("egresslog stream: ".length())
                        + " (reading includes " + idle + " s of waiting for more)"));
        out.flush();

        // 2. latency: a steady rate, and 'query' polled until each tunnel's row shows
        String envoy2 = envoy + "-latency";
        String squid2 = squid + "-latency";
        createTopics(envoy2, squid2);
        Path db2 = work.resolve("latency.duckdb");
        CompletableFuture<StreamRun> stream = CompletableFuture.supplyAsync(() -> {
            try {
                return runStream(db2, envoy2, squid2, "--exit-when-idle", "5", "--pass-interval", "0.5", "--lateness", "5");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Map<String, Long> sentAt = new ConcurrentHashMap<>(); // topic/partition/offset -> ms
        int count = Math.min(lines.size(), rate * latencySeconds);
        List<ShippedLine> steady = lines.subList(0, count);
        CompletableFuture<Void> produce = CompletableFuture.runAsync(() -> paced(steady, envoy2, squid2, sentAt));
        List<Long> delays = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (!stream.isDone()) {
            Thread.sleep(250);
            long now = System.currentTimeMillis();
            for (String row : query(db2, "SELECT sidecar_file, sidecar_line, gateway_file, gateway_line, squid_file, squid_line "
                    + "FROM tunnels WHERE status = 'complete'")) {
                if (seen.add(row)) {
                    String[] f = row.split(",", -1);
                    long last = 0;
                    for (int i = 0; i < 6; i += 2) {
                        Long at = sentAt.get(f[i].substring("kafka:".length()) + "/" + f[i + 1]);
                        last = Math.max(last, at == null ? 0 : at);
                    }
                    if (last > 0) {
                        delays.add(now - last);
                    }
                }
            }
        }
        produce.get();
        stream.get(10, TimeUnit.MINUTES);
        delays.sort(Comparator.naturalOrder());
        if (delays.isEmpty()) {
            out.println("latency: no complete tunnel seen");
        } else {
            out.printf("latency (last line produced -> row visible to query, %,d complete tunnels at %,d lines/s): "
                            + "p50 %.2f s, p99 %.2f s, max %.2f s (polled every 0.25 s)%n", delays.size(), rate,
                    delays.get(delays.size() / 2) / 1000.0, delays.get((int) (delays.size() * 0.99)) / 1000.0,
                    delays.get(delays.size() - 1) / 1000.0);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private record StreamRun(int exit, String err) {
    }

    /**
     * {@code egresslog stream ARGS} in a process of its own, with the heap the egresslog script
     * gives it, its output appended to {@code log}: to measure its memory, or to kill it.
     */
    public static Process streamProcess(Path log, String... args) throws java.io.IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "stream"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /**
     * A steady rate for a long time, 'stream' in a process of its own (as operators run it, with
     * the heap the egresslog script gives): its resident memory must level off, not grow with
     * the records read.
     */
    private int soak(PrintWriter out, Path work, String run) throws Exception {
        int lineCount = rate * soakSeconds;
        MeshSimulator.run(new SimulationConfig(lineCount / 3 + 1_000, 300, 200, 8, 90, 40, 0.005, 42), work.resolve("sim"));
        List<ShippedLine> lines = ShippedLine.read(work.resolve("sim/logs"), 0, 0);
        List<ShippedLine> steady = lines.subList(0, Math.min(lines.size(), lineCount));
        String envoy = "egresslog-bench-" + run + "-soak-envoy";
        String squid = "egresslog-bench-" + run + "-soak-squid";
        createTopics(envoy, squid);
        Path log = work.resolve("soak-stream.log");
        Files.deleteIfExists(work.resolve("soak.duckdb"));
        Files.deleteIfExists(work.resolve("soak.duckdb.wal"));
        Process stream = streamProcess(log, "--bootstrap-server", bootstrap, "--topic", envoy, "--topic", squid,
                "--from-beginning", "--group", "bench-" + envoy, "--db", work.resolve("soak.duckdb").toString());
        out.printf("soak: %,d lines at %,d lines/s for %d s into 'stream' (pid %d, -Xmx384m); its log: %s%s%n",
                steady.size(), rate, soakSeconds, stream.pid(), log, dir == null ? " (deleted at the end: keep it with --dir)" : "");
        out.printf("%8s %12s %10s %12s%n", "seconds", "produced", "RSS MB", "DB MB");
        out.flush();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        CompletableFuture<Void> produce = CompletableFuture.runAsync(() -> paced(steady, envoy, squid, sentAt));
        List<long[]> samples = new ArrayList<>(); // seconds, RSS MB
        try {
            while (!produce.isDone() && stream.isAlive()) {
                Thread.sleep(15_000);
                long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
                long rss = BenchCommand.memoryMb(Long.toString(stream.pid()), "VmRSS:");
                samples.add(new long[] {seconds, rss});
                Path db = work.resolve("soak.duckdb");
                out.printf("%8d %,12d %,10d %,12d%n", seconds, sentAt.size(), rss, Files.exists(db) ? Files.size(db) >> 20 : 0);
                out.flush();
            }
        } finally {
            stream.destroy();
            stream.waitFor(120, TimeUnit.SECONDS);
        }
        produce.get();
        if (samples.size() >= 4) {
            List<long[]> secondHalf = samples.subList(samples.size() / 2, samples.size());
            long max = samples.stream().mapToLong(x -> x[1]).max().orElse(-1);
            out.printf("RSS: max %,d MB; second half of the run %,d -> %,d MB; stream exit %d%n", max,
                    secondHalf.get(0)[1], secondHalf.get(secondHalf.size() - 1)[1], stream.exitValue());
        }
        return stream.exitValue() == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private StreamRun runStream(Path db, String envoy, String squid, String... more) {
        // a database kept by an earlier run (--dir) would add this run's lines to its own: same times, other topics
        try {
            Files.deleteIfExists(db);
            Files.deleteIfExists(Path.of(db + ".wal"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        var cli = Main.createCommandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        List<String> args = new ArrayList<>(List.of("stream", "--bootstrap-server", bootstrap, "--topic", envoy, "--topic", squid,
                "--from-beginning", "--group", "bench-" + envoy, "--db", db.toString()));
        args.addAll(List.of(more));
        int exit = cli.execute(args.toArray(String[]::new));
        return new StreamRun(exit, err.toString());
    }

    /** Runs 'query -o csv' as an operator would (answered by the running stream); rows without the header. */
    private static List<String> query(Path db, String sql) {
        var cli = Main.createCommandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        if (cli.execute("query", "--db", db.toString(), "-o", "csv", sql) != 0) {
            return List.of();
        }
        List<String> lines = out.toString().lines().toList();
        return lines.isEmpty() ? List.of() : lines.subList(1, lines.size());
    }

    private void paced(List<ShippedLine> lines, String envoy, String squid, Map<String, Long> sentAt) {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            long start = System.nanoTime();
            for (int i = 0; i < lines.size(); i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                ShippedLine line = lines.get(i);
                long now = System.currentTimeMillis();
                producer.send(new ProducerRecord<>(line.squid() ? squid : envoy, line.keyBytes(), line.value()), (m, e) -> {
                    if (m != null) {
                        sentAt.put(m.topic() + "/" + m.partition() + "/" + m.offset(), now);
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG, "5", ProducerConfig.BATCH_SIZE_CONFIG, "262144",
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
    }

    private void createTopics(String envoy, String squid) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(envoy, 3, (short) 1), new NewTopic(squid, 3, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }
}
