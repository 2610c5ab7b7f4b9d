package dev.egresslog.cli.stream;

import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.ParsedLine;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What holds the stream's event time back, so that no row is final before all its lines can have come. */
class WatermarksTest {
    private static final long LATENESS = 3_000;
    /** Long enough that no input falls idle during a test (idleness is wall time). */
    private static final long IDLE = 3_600_000;
    private static final long MAX_SKEW = 900_000;
    private static final LogParser PARSER = new LogParser();
    private static final long T = 1_650_000_000_000L;

    /** A stream whose one sidecar's latest line ended at {@link #T}. */
    private static Watermarks sidecarEndedAtT() {
        Watermarks w = new Watermarks(LATENESS, IDLE, MAX_SKEW);
        w.observe(1, "sidecars/0", envoyEndingAt(T), System.currentTimeMillis());
        return w;
    }

    /** An Envoy TCP line that ended at {@code endMs} (it lasted 1 s). */
    private static ParsedLine envoyEndingAt(long endMs) {
        String start = java.time.Instant.ofEpochMilli(endMs - 1_000).toString();
        return PARSER.parse("[" + start + "] \"- - -\" 0 - - - \"-\" 989 90274 1000 - \"-\" \"-\" \"-\" \"-\" \"10.131.1.111:7777\" "
                + "outbound|7777|proxy|istio-egressgateway.istio-system.svc.cluster.local 10.131.1.250:33002 10.0.0.15:8080 "
                + "10.131.1.250:38380 - - \"-\"", "sidecar.log", 1);
    }

    /** A Squid line that ended at {@code endMs} on the Squid's clock. */
    private static ParsedLine squidEndingAt(long endMs) {
        return PARSER.parse(String.format("%d.%03d   1000 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT en.wikipedia.org:443 - "
                + "HIER_DIRECT/208.80.154.224 -", endMs / 1000, endMs % 1000), "access.log", 1);
    }

    @Test
    void anInputWithRecordsWaitingHoldsEverythingBackUntilItsFirstRecord() {
        Watermarks w = sidecarEndedAtT();
        w.await("squid/0", System.currentTimeMillis());
        assertTrue(w.awaiting("squid/0"));
        assertEquals(Long.MIN_VALUE, w.advance(), "nothing final while a partition has not delivered its first record");

        w.arrived("squid/0");
        assertFalse(w.awaiting("squid/0"));
        assertEquals(T - LATENESS, w.advance());
    }

    @Test
    void aSquidWhoseOffsetIsNotLearnedCountsAtItsEarliestOnTheMeshClock() {
        Watermarks w = sidecarEndedAtT();
        long now = System.currentTimeMillis();
        // the Squid's clock is 60 s ahead: its line ended at T on the mesh's clock
        ParsedLine squid = squidEndingAt(T + 60_000);
        assertFalse(w.placed(2, squid));
        w.observe(2, "squid/0", squid, now);
        assertEquals(T + 60_000 - MAX_SKEW - LATENESS, w.advance(),
                "its later lines may be up to the largest skew earlier on the mesh's clock");

        // a pass learned its offset: the Squid is placed at once, without waiting for its next line
        w.clockOffsets(Map.of(2, 60_000L));
        assertTrue(w.placed(2, squid));
        assertEquals(T - LATENESS, w.advance());
        // and its next line ends on the mesh's clock where its own clock less the offset says
        assertEquals(T + 1_000, w.observe(2, "squid/0", squidEndingAt(T + 61_000), now));
    }

    @Test
    void aSquidWhoseOffsetNoPassCouldLearnStopsHoldingBackAfterManyLines() {
        Watermarks w = sidecarEndedAtT();
        long now = System.currentTimeMillis();
        for (int i = 1; i < Watermarks.UNPLACEABLE_LINES; i++) {
            w.observe(2, "squid/0", squidEndingAt(T), now);
        }
        assertFalse(w.placed(2, squidEndingAt(T)));
        assertEquals(T - MAX_SKEW - LATENESS, w.advance());
        // no certain pair in all those lines: it serves no mesh client; its lines count at their own time
        w.observe(2, "squid/0", squidEndingAt(T), now);
        assertTrue(w.placed(2, squidEndingAt(T)));
        assertEquals(T - LATENESS, w.advance());
    }

    @Test
    void finalNeverMovesBack() {
        Watermarks w = sidecarEndedAtT();
        long now = System.currentTimeMillis();
        assertEquals(T - LATENESS, w.advance());
        // a Squid appears, its offset unknown: it holds the watermark back, but what was final stays so
        w.observe(2, "squid/0", squidEndingAt(T), now);
        assertEquals(T - LATENESS, w.advance());
    }

    @Test
    void aSourceSilentWhileItsPartitionMovedOnByMoreThanIdleStopsHoldingBack() {
        Watermarks w = new Watermarks(LATENESS, 30_000, MAX_SKEW);
        long now = System.currentTimeMillis();
        w.observe(1, "sidecars/0", envoyEndingAt(T), now); // a pod that then went away
        w.observe(2, "sidecars/0", envoyEndingAt(T + 30_000), now);
        w.observe(3, "sidecars/1", envoyEndingAt(T + 40_000), now);
        assertEquals(T - LATENESS, w.advance(), "its partition moved on by no more than the idle time");
        w.observe(2, "sidecars/0", envoyEndingAt(T + 30_001), now);
        assertEquals(T + 30_001 - LATENESS, w.advance(),
                "its partition is read in order: nothing of it earlier than its partition's lines can come any more");
        // a pod alone in its partition is not passed by the lines of other partitions (they may be read ahead)
        w.observe(3, "sidecars/1", envoyEndingAt(T + 100_000), now);
        w.observe(4, "sidecars/2", envoyEndingAt(T + 31_000), now);
        w.observe(2, "sidecars/0", envoyEndingAt(T + 100_000), now);
        assertEquals(T + 31_000 - LATENESS, w.advance());
    }

    @Test
    void aSquidNotPlacedYetIsNeverPassedBy() {
        Watermarks w = new Watermarks(LATENESS, 30_000, MAX_SKEW);
        long now = System.currentTimeMillis();
        w.observe(1, "sidecars/0", envoyEndingAt(T + 600_000), now);
        w.observe(2, "squid/0", squidEndingAt(T), now);
        w.clockOffsets(Map.of(3, 0L));
        w.observe(3, "squid/0", squidEndingAt(T + 600_000), now); // a placed Squid in the same partition moved on
        assertEquals(T - MAX_SKEW - LATENESS, w.advance(), "its clock may be anywhere within the largest skew");
    }
}
