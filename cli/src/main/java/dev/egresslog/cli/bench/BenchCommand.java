package dev.egresslog.cli.bench;

import dev.egresslog.cli.ExitCodes;
import dev.egresslog.cli.Main;
import dev.egresslog.cli.SimulateCommand;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.Reject;
import dev.egresslog.parser.SquidRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. Numbers are printed, never asserted.",
        subcommands = {BenchCommand.Parse.class, BenchCommand.Trace.class, BenchStream.class, BenchFuzz.class})
public final class BenchCommand {

    /** Peak resident memory of this process in MB, from /proc (Linux), or -1. */
    static long peakRssMb() {
        return memoryMb("self", "VmHWM:");
    }

    /** Deletes a benchmark's temporary work directory and everything in it. */
    static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A memory figure of /proc/PROCESS/status in MB, or -1 (not Linux, or the process is gone). */
    static long memoryMb(String process, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", process, "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // reported as unknown
        }
        return -1;
    }

    /** What each stage of trace cost, from its progress lines on stderr. */
    static String stages(String progress) {
        java.util.regex.Matcher read = java.util.regex.Pattern.compile("read [\\d,]+ lines from .* in ([\\d.]+) s").matcher(progress);
        java.util.regex.Matcher sorting = java.util.regex.Pattern.compile("sorting .*\\(([\\d.]+) s\\)").matcher(progress);
        java.util.regex.Matcher correlating = java.util.regex.Pattern.compile(
                "correlating \\(([\\d.]+) s: the engine ([\\d.]+) s, ([\\d.]+) s of CPU on its thread; reading its lines from the database ([\\d.]+) s\\)")
                .matcher(progress);
        java.util.regex.Matcher building = java.util.regex.Pattern.compile("building tunnels \\(([\\d.]+) s\\)").matcher(progress);
        if (!(read.find() && sorting.find() && correlating.find() && building.find())) {
            return "stages: not found in trace's progress";
        }
        return String.format("stages: read, parse and store %s s; stage the lines sorted %s s; correlate %s s (the engine %s s, %s s of "
                        + "CPU on its thread; reading its lines back %s s); build the rows of tunnels %s s", read.group(1), sorting.group(1),
                correlating.group(1), correlating.group(2), correlating.group(3), correlating.group(4), building.group(1));
    }

    @Command(name = "trace", mixinStandardHelpOptions = true,
            description = "Simulates a mesh, runs trace on its logs, and prints speed, peak memory, and precision and "
                    + "recall against the simulation's truth.")
    static final class Trace implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        SimulateCommand.SimulationOptions simulation;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "Where to write the logs and the database (default: a temporary directory, deleted after).")
        Path dir;

        @Option(names = "--memory-limit", paramLabel = "SIZE", defaultValue = "448MB",
                description = "DuckDB's memory limit (default: ${DEFAULT-VALUE}).")
        String memoryLimit;

        @Option(names = "--floors", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Also measure the floors on the same lines (parsing alone, DuckDB loading the same rows "
                        + "from Parquet) and the hand-written DuckDB SQL baseline (default: on).")
        boolean floors;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            boolean temporary = dir == null;
            Path root = temporary ? Files.createTempDirectory("egresslog-bench-") : dir;
            try {
                Path logs = root.resolve("logs");
                long t0 = System.nanoTime();
                var summary = dev.egresslog.cli.sim.MeshSimulator.run(simulation.config(), root);
                long bytes;
                try (var files = Files.walk(logs)) {
                    bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
                }
                out.printf("simulated %,d tunnels: %,d lines, %.1f MB, in %.1f s; Squid skew up to ±%.0f s, %.1f %% lines lost%n",
                        summary.tunnels(), summary.lines(), bytes / 1e6, (System.nanoTime() - t0) / 1e9, simulation.skew,
                        simulation.loss * 100);
                out.flush();
                Path db = root.resolve("bench.duckdb");
                Files.deleteIfExists(db);
                StringWriter traceOut = new StringWriter();
                var cli = Main.createCommandLine();
                cli.setOut(new PrintWriter(traceOut));
                StringWriter traceErr = new StringWriter();
                cli.setErr(new PrintWriter(traceErr));
                long t1 = System.nanoTime();
                int exit = cli.execute("trace", "--db", db.toString(), "--memory-limit", memoryLimit, logs.toString());
                double seconds = (System.nanoTime() - t1) / 1e9;
                if (exit != 0) {
                    out.println("trace failed: " + traceErr.toString().strip());
                    return ExitCodes.FAILURE;
                }
                out.printf("trace: %.1f s end to end (parse, store, join), %,.0f lines/s, %.1f MB/s; peak RSS %d MB%n",
                        seconds, summary.lines() / seconds, bytes / 1e6 / seconds, peakRssMb());
                out.println(stages(traceErr.toString()));
                out.println();
                try (var c = dev.egresslog.cli.store.Store.openReadOnly(db)) {
                    out.print(dev.egresslog.cli.sim.Evaluation.format(
                            dev.egresslog.cli.sim.Evaluation.evaluate(root, logs.toString() + "/", c)));
                }
                out.flush();
                if (floors) {
                    Floors.Result f = Floors.measure(logs, db, root);
                    out.printf("%nfloors on the same lines: parsing alone %.1f s (%,d lines, all cores, records built, nothing "
                                    + "stored); DuckDB loading the same %,d envoy_log + squid_log rows from Parquet into a new file "
                                    + "%.1f s%ntrace took %.1fx the parsing floor, %.1fx the loading floor, %.1fx their sum%n",
                            f.parseSeconds(), f.lines(), f.rows(), f.loadSeconds(), seconds / f.parseSeconds(),
                            seconds / f.loadSeconds(), seconds / (f.parseSeconds() + f.loadSeconds()));
                    HandWrittenSql.Result h = HandWrittenSql.run(logs, root);
                    out.printf("the hand-written DuckDB SQL an operator would write (read_csv, regexp_extract, joins by address "
                                    + "and bytes, clocks taken to agree; mostly wrong joins): %.1f s for %,d lines (%,d rows); trace took %.2fx its time%n",
                            h.seconds(), h.lines(), h.rows(), seconds / h.seconds());
                    out.flush();
                }
                return ExitCodes.OK;
            } finally {
                if (temporary) {
                    deleteTree(root);
                }
            }
        }
    }

    @Command(name = "parse", mixinStandardHelpOptions = true,
            description = "Parser throughput on generated Envoy (Istio 1.9+ TEXT) and Squid native lines: "
                    + "one thread, all cores, and read-from-file.")
    static final class Parse implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--lines", paramLabel = "N", defaultValue = "400000",
                description = "Lines of each kind (default: ${DEFAULT-VALUE}).")
        int lines;

        @Option(names = "--passes", paramLabel = "N", defaultValue = "5",
                description = "Timed passes; the best is reported (default: ${DEFAULT-VALUE}).")
        int passes;

        @Option(names = "--threads", paramLabel = "N", description = "Threads for the all-cores run (default: the number of cores).")
        Integer threads;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            int cores = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            SyntheticLines generator = new SyntheticLines(42);
            List<String> envoy = generate(generator::envoy);
            List<String> squid = generate(generator::squid);
            out.printf("egresslog bench parse: %,d lines of each kind, best of %d passes, %d cores for the parallel run%n",
                    lines, passes, cores);
            out.printf("%-8s %-22s %14s %10s%n", "kind", "run", "lines/s", "MB/s");
            out.flush();
            warmUp(envoy, squid);
            report(out, "envoy", envoy, cores);
            report(out, "squid", squid, cores);
            return ExitCodes.OK;
        }

        private List<String> generate(Supplier<String> next) {
            List<String> list = new ArrayList<>(lines);
            for (int i = 0; i < lines; i++) {
                list.add(next.get());
            }
            return list;
        }

        private void warmUp(List<String> envoy, List<String> squid) {
            LogParser parser = new LogParser();
            for (int i = 0; i < Math.min(lines, 300_000); i++) {
                check(parser.parse(envoy.get(i), "warm-up", i));
                check(parser.parse(squid.get(i), "warm-up", i));
            }
        }

        private void report(PrintWriter out, String kind, List<String> data, int cores) throws Exception {
            long bytes = 0;
            for (String line : data) {
                bytes += line.length() + 1;
            }
            double oneThread = best(() -> parseRange(data, 0, data.size()));
            double parallel = best(() -> parseParallel(data, cores));
            Path file = Files.createTempFile("egresslog-bench-" + kind, ".log");
            try {
                try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    for (String line : data) {
                        w.write(line);
                        w.write('\n');
                    }
                }
                double fromFile = best(() -> parseFile(file));
                print(out, kind, "1 thread (in memory)", data.size(), bytes, oneThread);
                print(out, kind, cores + " threads (in memory)", data.size(), bytes, parallel);
                print(out, kind, "1 thread (read file)", data.size(), bytes, fromFile);
            } finally {
                Files.deleteIfExists(file);
            }
        }

        private static void print(PrintWriter out, String kind, String run, long count, long bytes, double seconds) {
            out.printf("%-8s %-22s %,14.0f %10.1f%n", kind, run, count / seconds, bytes / seconds / 1e6);
            out.flush();
        }

        private interface Run {
            void run() throws Exception;
        }

        private double best(Run run) throws Exception {
            double best = Double.MAX_VALUE;
            for (int i = 0; i < passes; i++) {
                long t0 = System.nanoTime();
                run.run();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return best;
        }

        private static long parseRange(List<String> data, int from, int to) {
            LogParser parser = new LogParser();
            long sum = 0;
            for (int i = from; i < to; i++) {
                sum += check(parser.parse(data.get(i), "bench", i + 1));
            }
            return sum;
        }

        private static void parseParallel(List<String> data, int threads) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Long>> parts = new ArrayList<>();
                int chunk = (data.size() + threads - 1) / threads;
                for (int t = 0; t < threads; t++) {
                    int from = t * chunk;
                    int to = Math.min(data.size(), from + chunk);
                    parts.add(pool.submit(() -> parseRange(data, from, to)));
                }
                for (Future<Long> part : parts) {
                    part.get();
                }
            } finally {
                pool.shutdown();
            }
        }

        private static void parseFile(Path file) throws IOException {
            LogParser parser = new LogParser();
            AtomicLong sum = new AtomicLong();
            try (LineReader reader = LineReader.open(file)) {
                InputParser.parse(reader, file.toString(), parser, line -> sum.addAndGet(check(line)));
            }
        }

        /** A value that depends on the parse, so the JIT cannot drop it; fails loudly on a reject. */
        private static long check(ParsedLine line) {
            if (line instanceof Reject r) {
                throw new IllegalStateException("benchmark line rejected: " + r.message() + " | " + r.text());
            }
            return line instanceof EnvoyRecord e ? e.bytesSent() : ((SquidRecord) line).bytes();
        }
    }
}
