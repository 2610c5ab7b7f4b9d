package dev.egresslog.correlator.engine;

import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.SquidRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tunnels the engine makes of sample-logs/mesh, parsed here without a database, as a golden
 * file: each row's status and the lines of its hops. A change to the joins shows here line by
 * line; when it is meant, regenerate the file with EGRESSLOG_REGENERATE_GOLDEN=1 and review its
 * diff (as Spark's SQL golden files are kept).
 */
class SampleLogsGoldenTest {
    static final Path ROOT = Path.of(System.getProperty("egresslog.root", ".."));
    static final Path MESH = ROOT.resolve("sample-logs/mesh");
    static final Path GOLDEN = ROOT.resolve("correlator/src/test/resources/golden/sample-logs-mesh-tunnels.txt");

    @Test
    void theTunnelsOfTheSampleMeshAreTheGoldenOnes() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(MESH)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        List<EnvoyHop> envoy = new ArrayList<>();
        List<SquidHop> squid = new ArrayList<>();
        Map<Integer, Path> sources = new HashMap<>();
        Map<String, Integer> emitters = new HashMap<>();
        LogParser parser = new LogParser();
        for (Path file : files) {
            int source = sources.size() + 1;
            sources.put(source, MESH.relativize(file));
            try (LineReader reader = LineReader.open(file)) {
                InputParser.parse(reader, file.toString(), parser, parsed -> {
                    if (parsed instanceof EnvoyRecord r) {
                        String emitter = r.origin().pod() != null ? r.origin().pod() : file.toString();
                        EnvoyHop h = FromRecords.envoy(r, source, emitters.computeIfAbsent(emitter, k -> emitters.size()), emitter, null);
                        if (h != null) {
                            envoy.add(h);
                        }
                    } else if (parsed instanceof SquidRecord r) {
                        SquidHop q = FromRecords.squid(r, source);
                        if (q != null) {
                            squid.add(q);
                        }
                    }
                });
            }
        }
        assertTrue(envoy.size() > 400 && squid.size() > 200, "the sample mesh was read: " + envoy.size() + " Envoy, " + squid.size() + " Squid lines");
        TreeSet<String> rows = new TreeSet<>();
        Engine.Result result = Engine.correlate(envoy, squid, JoinSettings.defaults(), t -> rows.add(t.status().label() + " "
                + line(sources, t.sidecar()) + " " + line(sources, t.gateway()) + " " + line(sources, t.squid())));
        assertEquals(0, result.linesInNoRow(), "lines on an egress path in no row");
        List<String> actual = new ArrayList<>(rows);
        if (System.getenv("EGRESSLOG_REGENERATE_GOLDEN") != null) {
            Files.write(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(GOLDEN), "no golden file: run once with EGRESSLOG_REGENERATE_GOLDEN=1");
        List<String> golden = Files.readAllLines(GOLDEN, StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>(golden);
        missing.removeAll(actual);
        List<String> extra = new ArrayList<>(actual);
        extra.removeAll(golden);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "rows the golden file has and the engine did not make: " + missing
                + "\nrows the engine made that the golden file does not have: " + extra
                + "\n(meant? regenerate with EGRESSLOG_REGENERATE_GOLDEN=1 and review the diff)");
    }

    private static String line(Map<Integer, Path> sources, long id) {
        return id < 0 ? "-" : sources.get((int) (id >> 40)) + ":" + (id & ((1L << 40) - 1));
    }
}
