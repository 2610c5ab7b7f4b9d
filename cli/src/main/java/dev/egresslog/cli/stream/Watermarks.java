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
 * holds the others back; nor does one whose input (its partition) delivered lines of others ending
 * more than {@code idleMs} after its latest: a partition is read in order, so a pod silent while
 * its partition moved on has nothing earlier waiting there. (Reading a backlog, wall time is no
 * measure: 30 s of it covered an hour of the 1 M-tunnel set's traffic, and pods gone silent held
 * 170-260 k rows open through every pass.) Rows ending more than the allowed lateness before the
 * watermark are final.
 *
 * <p>Nothing is final before every input has spoken: an input (a partition) that has records
 * waiting but has delivered none yet holds the watermark back, for up to {@code idleMs}; and a
 * Squid whose clock offset is not learned yet counts at its own time less the largest skew
 * searched for, the earliest its next lines can be on the mesh clock. Without both, the first
 * pass of a backlog made rows final before the Squid partitions were read, and every Squid line
 * then came "late" and made minutes of rows again.
 */
public final class Watermarks {
    private final long latenessMs;
    private final long idleMs;
    private final long maxSkewMs;
    /** Inputs expected to deliver records that have delivered none yet, with the wall time they were expected from. */
    private final Map<Object, Long> awaited = new HashMap<>();
    private final Map<Integer, long[]> sources = new HashMap<>(); // earliest next end, wall time of the last line, latest end
    /** Of each source, its input; of each input, the latest end among its lines (on the mesh clock where known). */
    private final Map<Integer, Object> inputs = new HashMap<>();
    private final Map<Object, Long> inputLatest = new HashMap<>();
    /** Of each Squid source, its latest end on its own clock: placed on the mesh's once its offset is learned. */
    private final Map<Integer, Long> squidLatest = new HashMap<>();
    private final Map<Integer, Long> clockOffsets = new HashMap<>();
    private long finalBefore = Long.MIN_VALUE;

    public Watermarks(long latenessMs, long idleMs, long maxSkewMs) {
        this.latenessMs = latenessMs;
        this.idleMs = idleMs;
        this.maxSkewMs = maxSkewMs;
    }

    /** An input (a partition) now assigned that has records waiting: the watermark waits for its first one. */
    public void await(Object input, long now) {
        awaited.putIfAbsent(input, now);
    }

    /** The input delivered a record, or has none to deliver, or is no longer read: it holds nothing back any more. */
    public void arrived(Object input) {
        awaited.remove(input);
    }

    /** Whether the input is still awaited. */
    public boolean awaiting(Object input) {
        return awaited.containsKey(input);
    }

    /**
     * Lines after which a Squid whose offset no pass could learn stops holding the watermark back:
     * with no certain pair among that many, it serves no mesh client that this stream sees, and
     * its lines count at their own time (else its lines would keep every row open by --max-skew).
     */
    static final int UNPLACEABLE_LINES = 5_000;
    /** Of each Squid source not placed yet, its lines so far. */
    private final Map<Integer, Integer> unplacedLines = new HashMap<>();

    /** Counts a line of a Squid not placed yet, up to {@link #UNPLACEABLE_LINES} (a counter that never wraps); returns the count. */
    private int countUnplaced(int sourceId) {
        int n = unplacedLines.getOrDefault(sourceId, 0);
        if (n < UNPLACEABLE_LINES) {
            unplacedLines.put(sourceId, ++n);
        }
        return n;
    }

    /** Whether the line's end time is on the mesh clock: not so for a Squid whose offset is not learned yet. */
    boolean placed(int sourceId, ParsedLine parsed) {
        return !(parsed instanceof SquidRecord) || squidPlaced(sourceId);
    }

    /** Whether a Squid's lines are on the mesh clock: its offset learned, or taken to serve no mesh client. */
    private boolean squidPlaced(int sourceId) {
        return clockOffsets.containsKey(sourceId) || unplacedLines.getOrDefault(sourceId, 0) >= UNPLACEABLE_LINES;
    }

    /** Whether the source's lines are on the mesh clock: not so for a Squid whose offset is not learned yet. */
    private boolean placedSource(int sourceId) {
        return !squidLatest.containsKey(sourceId) || squidPlaced(sourceId);
    }

    /**
     * Notes a line of {@code input} (its partition) stored at wall time {@code now}; returns its end
     * time on the mesh clock, or Long.MIN_VALUE when it has none.
     */
    long observe(int sourceId, Object input, ParsedLine parsed, long now) {
        long end;
        // where the source's later lines can be on the mesh clock, at the earliest
        long earliestNext;
        boolean placed = true;
        if (parsed instanceof EnvoyRecord r) {
            end = r.endTime();
            earliestNext = end;
        } else if (parsed instanceof SquidRecord r) {
            Long offset = clockOffsets.get(sourceId);
            end = r.endTime() < 0 ? -1 : r.endTime() - (offset == null ? 0 : offset);
            placed = offset != null || countUnplaced(sourceId) >= UNPLACEABLE_LINES;
            earliestNext = placed ? end : end - maxSkewMs;
            if (r.endTime() >= 0) {
                squidLatest.merge(sourceId, r.endTime(), Math::max);
            }
        } else {
            end = -1;
            earliestNext = end;
        }
        long[] state = sources.computeIfAbsent(sourceId, k -> new long[] {Long.MIN_VALUE, 0, Long.MIN_VALUE});
        state[1] = now;
        inputs.putIfAbsent(sourceId, input);
        if (end < 0) {
            return Long.MIN_VALUE;
        }
        state[0] = Math.max(state[0], earliestNext);
        state[2] = Math.max(state[2], end);
        if (placed) { // an input's progress is on the mesh clock
            inputLatest.merge(input, end, Math::max);
        }
        return end;
    }

    /** Squid clock offsets (source id to ms) as the database holds them after a correlation pass. */
    public void clockOffsets(Map<Integer, Long> offsets) {
        clockOffsets.clear();
        learned(offsets);
    }

    /** Squid clock offsets a pass has just learned (the others stay as they were). */
    public void learned(Map<Integer, Long> offsets) {
        clockOffsets.putAll(offsets);
        // a Squid counted at its earliest so far is placed by its offset now
        offsets.forEach((source, offset) -> {
            Long latest = squidLatest.get(source);
            long[] state = sources.get(source);
            if (latest != null && state != null) {
                state[0] = Math.max(state[0], latest - offset);
            }
        });
    }

    /** Every source counts as idle from now on: the stream was read to its end and nothing came for a while. */
    public void allIdle() {
        for (long[] state : sources.values()) {
            state[1] = Long.MIN_VALUE / 2;
        }
        awaited.clear();
    }

    /**
     * The stream's watermark: the earliest latest-end among active sources (all, when none is
     * active); Long.MIN_VALUE while an input that has records is awaited.
     */
    long watermark() {
        long now = System.currentTimeMillis();
        for (long since : awaited.values()) {
            if (now - since < idleMs) {
                return Long.MIN_VALUE;
            }
        }
        long active = Long.MAX_VALUE;
        long any = Long.MIN_VALUE;
        for (Map.Entry<Integer, long[]> e : sources.entrySet()) {
            long[] state = e.getValue();
            if (state[0] == Long.MIN_VALUE) {
                continue;
            }
            any = Math.max(any, state[0]);
            Long inputAt = inputLatest.get(inputs.get(e.getKey()));
            // a Squid not placed yet may be anywhere within the largest skew: never passed by
            boolean passedBy = inputAt != null && inputAt - state[2] > idleMs && placedSource(e.getKey());
            if (now - state[1] < idleMs && !passedBy) {
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
