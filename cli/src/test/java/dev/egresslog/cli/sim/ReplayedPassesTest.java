package dev.egresslog.cli.sim;

import dev.egresslog.correlator.engine.ClockModel;
import dev.egresslog.correlator.engine.Engine;
import dev.egresslog.correlator.engine.EnvoyHop;
import dev.egresslog.correlator.engine.FromRecords;
import dev.egresslog.correlator.engine.JoinSettings;
import dev.egresslog.correlator.engine.Learning;
import dev.egresslog.correlator.engine.SquidHop;
import dev.egresslog.correlator.engine.Tunnel;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.SquidRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream's passes over a storm (bursts of identical denials through SNAT, drifting and skewed
 * clocks), replayed without a broker: lines arrive when they end, a pass every 2 s keeps the
 * rows of the slices whose lines have all arrived (3 s of lateness) and the next resumes after
 * them with the lines of no kept row. One line in a hundred comes a minute late: the rows decided
 * from its slice on are made again, from there. With the learning of one run, the kept rows are
 * exactly the rows of one run over all the lines: what the engine decides does not depend on how
 * the lines were cut into passes; and so with the learning of a stream, from the lines arrived.
 */
class ReplayedPassesTest {
    @TempDir
    Path tmp;

    private final List<EnvoyHop> envoy = new ArrayList<>();
    private final List<SquidHop> squid = new ArrayList<>();

    @Test
    void passesOverAStormKeepTheRowsOfOneRun() throws Exception {
        replay(false);
    }

    /**
     * The same passes learning as a stream does: a {@link Learning} kept across them is fed the
     * lines that ended before the last pass's final boundary (a line that comes after that is not
     * learned from), and each pass learns from a copy of it fed its newer lines; no pass sees a
     * line that has not arrived. Still one run's rows. (Passes learning from their last 20 s, as
     * streams did before: 8 of one run's 1,507 rows were not made, 4 others were.)
     */
    @Test
    void passesWithTheLearningOfAStreamKeepTheRowsOfOneRun() throws Exception {
        replay(true);
    }

    private void replay(boolean streamLearning) throws Exception {
        MeshSimulator.run(new SimulationConfig(1_500, 25, 20, 4, 90, 3_600, 0.005, 11, 300, 0.15, 0.5, false), tmp);
        read(tmp.resolve("logs"));
        JoinSettings settings = JoinSettings.defaults();
        List<Tunnel> oneRun = new ArrayList<>();
        Engine.Result result = Engine.correlate(envoy, squid, settings, oneRun::add);
        Set<String> expected = rows(oneRun);
        assertTrue(expected.stream().filter(r -> r.startsWith("DENIED")).count() > 100, "a storm of denials");

        // each line arrives when it ends (a Squid line on the mesh's clock)
        Map<Long, Long> arrival = new HashMap<>();
        envoy.forEach(h -> arrival.put(h.id(), h.start() + h.duration()));
        for (SquidHop q : squid) {
            ClockModel clock = result.squidClocks().get(q.source());
            arrival.put(q.id(), q.start() + q.elapsed() - (clock == null ? 0 : clock.at(q.start())));
        }
        long first = arrival.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        long last = arrival.values().stream().mapToLong(Long::longValue).max().orElseThrow();

        // one line in a hundred a minute late
        java.util.Random random = new java.util.Random(17);
        Map<Long, Long> comes = new HashMap<>();
        arrival.forEach((id, end) -> comes.put(id, end + (random.nextInt(100) == 0 ? 60_000 : 0)));

        List<Tunnel> kept = new ArrayList<>();
        Set<Long> settled = new HashSet<>();
        long resume = Long.MIN_VALUE;
        int passesKeepingRows = 0;
        int remade = 0;
        long previous = Long.MIN_VALUE;
        Learning learning = new Learning(settings);
        long horizon = Long.MIN_VALUE;
        for (long watermark = first + 1_000; ; watermark += 2_000) {
            boolean lastPass = watermark > last + 120_000;
            long finalBefore = lastPass ? Long.MAX_VALUE / 4 : watermark - 3_000;
            long arrived = watermark;
            long before = previous;
            // lines that came late, after their time was final: the rows decided from their slice on are made again
            long late = comes.entrySet().stream().filter(c -> c.getValue() >= before && c.getValue() < arrived
                    && arrival.get(c.getKey()) < before - 3_000).mapToLong(c -> arrival.get(c.getKey())).min().orElse(Long.MAX_VALUE);
            if (late != Long.MAX_VALUE && resume != Long.MIN_VALUE) {
                long slice = Math.floorDiv(late - Engine.contextMs() - Engine.sliceMs(), Engine.sliceMs()) * Engine.sliceMs();
                List<Tunnel> again = kept.stream().filter(t -> t.sliceMs() > slice).toList();
                kept.removeAll(again);
                for (Tunnel t : again) {
                    settled.remove(t.sidecar());
                    settled.remove(t.gateway());
                    settled.remove(t.squid());
                }
                remade += again.size();
                resume = Math.min(resume, slice);
            }
            previous = watermark;
            List<EnvoyHop> joinEnvoy = envoy.stream().filter(h -> comes.get(h.id()) < arrived && !settled.contains(h.id())).toList();
            List<SquidHop> joinSquid = squid.stream().filter(q -> comes.get(q.id()) < arrived && !settled.contains(q.id())).toList();
            List<Tunnel> out = new ArrayList<>();
            long[] keep = {0, resume};
            Engine.Slices slices = new Engine.Slices(resume, end -> {
                if (end + Engine.contextMs() <= finalBefore) {
                    keep[0] = out.size();
                    keep[1] = end;
                }
            });
            if (streamLearning) {
                List<EnvoyHop> arrivedEnvoy = envoy.stream().filter(h -> comes.get(h.id()) < arrived).toList();
                List<SquidHop> arrivedSquid = squid.stream().filter(q -> comes.get(q.id()) < arrived).toList();
                learning.feed(arrivedEnvoy, arrivedSquid, horizon);
                Learning pass = learning.copy();
                pass.feed(arrivedEnvoy, arrivedSquid, Long.MAX_VALUE);
                Engine.correlate(pass, joinEnvoy, joinSquid, settings, out::add, slices);
                horizon = finalBefore;
            } else {
                Engine.correlate(envoy, squid, joinEnvoy, joinSquid, settings, out::add, slices);
            }
            int keepRows = lastPass ? out.size() : (int) keep[0];
            for (Tunnel t : out.subList(0, keepRows)) {
                kept.add(t);
                settled.add(t.sidecar());
                settled.add(t.gateway());
                settled.add(t.squid());
            }
            passesKeepingRows += keepRows > 0 && !lastPass ? 1 : 0;
            resume = keep[1];
            if (lastPass) {
                break;
            }
        }
        assertTrue(passesKeepingRows >= 2, "rows kept by " + passesKeepingRows + " passes before the last");
        assertTrue(remade > 0, "late lines made kept rows again");
        Set<String> replayed = rows(kept);
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(replayed);
        Set<String> extra = new TreeSet<>(replayed);
        extra.removeAll(expected);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "one run's rows the passes did not make: " + missing + "; rows only the passes made: " + extra);
        assertEquals(oneRun.size(), kept.size());
    }

    private void read(Path logs) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(logs)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        Map<String, Integer> emitters = new HashMap<>();
        LogParser parser = new LogParser();
        int source = 0;
        for (Path file : files) {
            int id = ++source;
            try (LineReader reader = LineReader.open(file)) {
                InputParser.parse(reader, file.toString(), parser, parsed -> {
                    if (parsed instanceof EnvoyRecord r) {
                        String emitter = r.origin().pod() != null ? r.origin().pod() : file.toString();
                        EnvoyHop h = FromRecords.envoy(r, id, emitters.computeIfAbsent(emitter, k -> emitters.size()), emitter, null);
                        if (h != null) {
                            envoy.add(h);
                        }
                    } else if (parsed instanceof SquidRecord r) {
                        SquidHop q = FromRecords.squid(r, id);
                        if (q != null) {
                            squid.add(q);
                        }
                    }
                });
            }
        }
    }

    private static Set<String> rows(List<Tunnel> tunnels) {
        Set<String> rows = new TreeSet<>();
        for (Tunnel t : tunnels) {
            rows.add(t.status() + " " + t.sidecar() + " " + t.gateway() + " " + t.squid());
        }
        return rows;
    }
}
