package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream's passes: the rows of the slices a pass completed are kept, and the next pass starts at
 * the slice after them with every line not in a kept row. However the run is cut, the rows are
 * those of one run over all the lines, also for twins in a burst across a slice's decision
 * boundary (where the matching is a guess, and a guess made twice must be the same guess) and a
 * burst longer than a slice's context.
 */
class ResumedJoinTest {

    @Test
    void aRunResumedAfterAnySliceMakesTheRowsOfOneRun() {
        Mesh m = new Mesh(12);
        m.latencyMs = 25;
        m.snat = true;
        EngineScenariosTest.traffic(m, m.t0, 400, 400, new Random(13));
        // twins 2 ms apart, latency 1-25 ms, across each slice's end and across where it decides
        // (its end less the context): there the matching is a guess
        for (int slice = 1; slice <= 4; slice++) {
            for (long at : new long[]{m.t0 + slice * Engine.SLICE_MS - Engine.CONTEXT_MS, m.t0 + slice * Engine.SLICE_MS}) {
                for (int i = 0; i < 150; i++) {
                    m.denied(14 + slice, at - 150 + i * 2L);
                }
            }
        }
        // a pod retrying for 12 s, every 4 ms: longer than a slice's context
        for (int i = 0; i < 3_000; i++) {
            m.denied(20, m.t0 + 5 * Engine.SLICE_MS - 6_000 + i * 4L);
        }
        List<EnvoyHop> envoy = m.envoy;
        List<SquidHop> squid = m.squid;
        List<Tunnel> all = new ArrayList<>();
        TreeMap<Long, Integer> rowsBySliceEnd = new TreeMap<>();
        run(envoy, squid, envoy, squid, all, new Engine.Slices(Long.MIN_VALUE, end -> rowsBySliceEnd.put(end, all.size())));
        assertTrue(rowsBySliceEnd.size() >= 4, "slices: " + rowsBySliceEnd.keySet());
        Set<String> one = rows(all);

        for (var cut : rowsBySliceEnd.entrySet()) {
            List<Tunnel> kept = new ArrayList<>(all.subList(0, cut.getValue()));
            Set<Long> settled = new HashSet<>();
            for (Tunnel t : kept) {
                settled.add(t.sidecar());
                settled.add(t.gateway());
                settled.add(t.squid());
            }
            List<EnvoyHop> restEnvoy = envoy.stream().filter(h -> !settled.contains(h.id())).toList();
            List<SquidHop> restSquid = squid.stream().filter(q -> !settled.contains(q.id())).toList();
            List<Tunnel> resumed = new ArrayList<>(kept);
            run(envoy, squid, restEnvoy, restSquid, resumed, new Engine.Slices(cut.getKey(), end -> { }));
            assertEquals(one, rows(resumed), "resumed at " + (cut.getKey() - m.t0) + " ms after " + kept.size() + " rows");
        }
    }

    /** A stream's pass decides what is final by the clocks it learned: they come before the first slice is decided. */
    @Test
    void theLearnedClocksComeBeforeTheFirstSlice() {
        Mesh m = new Mesh(12);
        m.squidOffsetMs = -45_000;
        EngineScenariosTest.traffic(m, m.t0, 400, 400, new Random(13));
        List<String> events = new ArrayList<>();
        Map<Integer, ClockModel> clocks = new HashMap<>();
        run(m.envoy, m.squid, m.envoy, m.squid, new ArrayList<>(), new Engine.Slices(Long.MIN_VALUE, end -> events.add("slice"), learned -> {
            events.add("clocks");
            clocks.putAll(learned);
        }));
        assertEquals("clocks", events.get(0), "events: " + events);
        assertEquals(1, events.stream().filter("clocks"::equals).count());
        assertTrue(events.size() > 1, "slices decided: " + events);
        // the Squid's offset as the mesh sees it (the simulated Squid clock is off by the Mesh's offset)
        assertEquals(1, clocks.size(), "one Squid: " + clocks.keySet());
        ClockModel clock = clocks.values().iterator().next();
        assertTrue(Math.abs(clock.overall() - m.squidOffsetMs) <= 5, clock.overall() + " vs " + m.squidOffsetMs);
    }

    private static void run(List<EnvoyHop> learnEnvoy, List<SquidHop> learnSquid, List<EnvoyHop> envoy, List<SquidHop> squid,
                            List<Tunnel> out, Engine.Slices slices) {
        Engine.Result r = Engine.correlate(learnEnvoy, learnSquid, envoy, squid, JoinSettings.defaults(), out::add, slices);
        assertEquals(0, r.linesInNoRow());
    }

    private static Set<String> rows(List<Tunnel> tunnels) {
        Set<String> rows = new java.util.TreeSet<>();
        for (Tunnel t : tunnels) {
            rows.add(t.status() + " " + t.sidecar() + " " + t.gateway() + " " + t.squid());
        }
        assertEquals(tunnels.size(), rows.size(), "a row twice");
        return rows;
    }
}
