package dev.egresslog.cli.stream;

import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.SquidRecord;

import java.util.HashMap;
import java.util.Map;

/**
 * Event time of a stream. Each source's watermark is the latest end time among its lines (for a
 * Squid, on the mesh clock once its offset is known); the stream's is the earliest among the
 * sources that are active, since a hop of a tunnel arrives when its connection closes. A source
 * that sent nothing for {@code idleMs} of wall time (a pod gone, a partition drained) no longer
 * holds the others back. Rows ending more than the allowed lateness before the watermark are final.
 */
public final class Watermarks {
    private final long latenessMs;
    private final long idleMs;
    private final Map<Integer, long[]> sources = new HashMap<>(); // latest end, wall time of the last line
    private final Map<Integer, Long> clockOffsets = new HashMap<>();
    private long finalBefore = Long.MIN_VALUE;

    public Watermarks(long latenessMs, long idleMs) {
        this.latenessMs = latenessMs;
        this.idleMs = idleMs;
    }

    /** Whether the line's end time is on the mesh clock: not so for a Squid whose offset is not learned yet. */
    boolean placed(int sourceId, ParsedLine parsed) {
        return !(parsed instanceof SquidRecord) || clockOffsets.containsKey(sourceId);
    }

    /** Notes a line stored at wall time {@code now}; returns its end time on the mesh clock, or Long.MIN_VALUE when it has none. */
    long observe(int sourceId, ParsedLine parsed, long now) {
        long end;
        if (parsed instanceof EnvoyRecord r) {
            end = r.endTime();
        } else if (parsed instanceof SquidRecord r) {
            end = r.endTime() < 0 ? -1 : r.endTime() - clockOffsets.getOrDefault(sourceId, 0L);
        } else {
            end = -1;
        }
        long[] state = sources.computeIfAbsent(sourceId, k -> new long[] {Long.MIN_VALUE, 0});
        state[1] = now;
        if (end < 0) {
            return Long.MIN_VALUE;
        }
        state[0] = Math.max(state[0], end);
        return end;
    }

    /** Squid clock offsets (source id to ms) learned by the last correlation pass. */
    public void clockOffsets(Map<Integer, Long> offsets) {
        clockOffsets.clear();
        clockOffsets.putAll(offsets);
    }

    /** Every source counts as idle from now on: the stream was read to its end and nothing came for a while. */
    public void allIdle() {
        for (long[] state : sources.values()) {
            state[1] = Long.MIN_VALUE / 2;
        }
    }

    /** The stream's watermark: the earliest latest-end among active sources (all, when none is active). */
    long watermark() {
        long now = System.currentTimeMillis();
        long active = Long.MAX_VALUE;
        long any = Long.MIN_VALUE;
        for (long[] state : sources.values()) {
            if (state[0] == Long.MIN_VALUE) {
                continue;
            }
            any = Math.max(any, state[0]);
            if (now - state[1] < idleMs) {
                active = Math.min(active, state[0]);
            }
        }
        return active != Long.MAX_VALUE ? active : any;
    }

    /** Rows that end before this are final: the watermark less the allowed lateness (never moves back). */
    public long advance() {
        long watermark = watermark();
        if (watermark != Long.MIN_VALUE) {
            finalBefore = Math.max(finalBefore, watermark - latenessMs);
        }
        return finalBefore;
    }

    public long finalBefore() {
        return finalBefore;
    }

    /** Restores what the database says was made final before a restart. */
    public void restore(long finalBefore) {
        this.finalBefore = finalBefore;
    }
}
