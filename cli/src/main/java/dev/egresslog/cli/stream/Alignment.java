package dev.egresslog.cli.stream;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the partitions of a backlog read at about the same event time, by pausing the ones ahead.
 *
 * <p>Why: the stream's watermark is the earliest time among its sources, and a row is final only
 * once the watermark passed it. Reading a backlog, Kafka hands out each partition's records in
 * chunks of bytes, which cover different spans of event time from one partition to the next,
 * so partitions drift apart, and every row between the slowest and the others stays open and is
 * made again by every pass. On the 1 M-tunnel backlog (two hours of traffic) 170-440 k rows stayed
 * open (passes took 21 of the 50 s); with this and the event-time idleness of {@link Watermarks},
 * 13-33 k.
 *
 * <p>Rule: among the partitions that have records waiting, the slowest sets the pace; a partition
 * more than {@code aheadMs} of event time ahead of it is paused, and resumed once it is within
 * half of that (or has the slowest's records waiting no more). A partition that delivered nothing
 * yet is the slowest of all: the others wait for its first records. Nothing waits behind a
 * partition that has no records waiting (drained), nor behind one that delivered nothing for
 * {@code idleMs} of wall time although it has (its leader unreachable, say): the rest go on.
 */
public final class Alignment {
    private final long aheadMs;
    private final long idleMs;
    /** Of each partition, the latest end time (mesh clock where known) of the last records it delivered. */
    private final Map<Object, Long> progress = new HashMap<>();
    /** Of each partition, the wall time it last delivered records (or was first seen, if it never did). */
    private final Map<Object, Long> heard = new HashMap<>();

    public Alignment(long aheadMs, long idleMs) {
        this.aheadMs = aheadMs;
        this.idleMs = idleMs;
    }

    /**
     * The partition delivered records at wall time {@code nowMs}, whose latest end time is
     * {@code endMs} (Long.MIN_VALUE: none has one, rejects only).
     */
    public void delivered(Object partition, long endMs, long nowMs) {
        if (endMs != Long.MIN_VALUE) {
            progress.put(partition, endMs);
        }
        heard.put(partition, nowMs);
    }

    /** The partition is no longer read by this instance (revoked): it sets no pace. */
    public void forget(Object partition) {
        progress.remove(partition);
        heard.remove(partition);
    }

    /** What to pause and what to resume. */
    public record Decision(Set<Object> pause, Set<Object> resume) {
    }

    /**
     * @param lag    records waiting in each assigned partition (null: not known yet)
     * @param paused the partitions paused now, all of them assigned
     * @param nowMs  wall time
     */
    public Decision decide(Map<?, Long> lag, Set<?> paused, long nowMs) {
        long slowest = Long.MAX_VALUE;
        for (Map.Entry<?, Long> e : lag.entrySet()) {
            long heardAt = heard.computeIfAbsent(e.getKey(), k -> nowMs);
            if (e.getValue() != null && e.getValue() > 0 && nowMs - heardAt < idleMs) {
                slowest = Math.min(slowest, progress.getOrDefault(e.getKey(), Long.MIN_VALUE));
            }
        }
        Set<Object> pause = new HashSet<>();
        Set<Object> resume = new HashSet<>();
        for (Object p : lag.keySet()) {
            Long at = progress.get(p);
            boolean isPaused = paused.contains(p);
            if (slowest == Long.MAX_VALUE || at == null) {
                if (isPaused) {
                    resume.add(p);
                }
            } else if (!isPaused && ahead(at, slowest) > aheadMs) {
                pause.add(p);
            } else if (isPaused && ahead(at, slowest) <= aheadMs / 2) {
                resume.add(p);
            }
        }
        return new Decision(pause, resume);
    }

    /** How far {@code at} is ahead of {@code slowest} (which may be Long.MIN_VALUE: not delivered yet), without overflow. */
    private static long ahead(long at, long slowest) {
        return slowest == Long.MIN_VALUE ? Long.MAX_VALUE : at - slowest; // both are end times, never negative
    }
}
