package dev.egresslog.correlator.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The learning of a stream, kept across its passes: the learners trace runs once over all its
 * lines ({@link MeshLearner}, {@link SquidLearner}, the roles' counts), fed each line once, in end
 * order, as soon as every line before it has come. A pass continues a {@link #copy} of them over
 * its newer lines and learns from that: what trace would learn from the lines arrived so far.
 * (Passes that learned from their last 20 s of lines made 0.3 to 1.3 % of three storms' rows
 * otherwise than one run; learning from every line arrived, 0 to 0.13 %: see README.)
 *
 * <p>Envoy lines come up to the stream's final boundary. A Squid line is read by the learning once
 * the upstream hops up to its end are, so the hops wait (in {@link #upstreams}) until every Squid
 * line that ends before them has come: the Squid lines fed and the hops handed on lag behind the
 * Envoy lines by as much as a Squid clock is behind the mesh's (the largest skew searched for,
 * until every Squid's offset is known).
 *
 * <p>Memory: the learners hold what trace's hold (twice the largest skew of upstream hops and
 * Squid lines, at most {@link SquidLearner#HELD} each), and the certain pairs of the last
 * {@link #KEEP_PAIRS_MS} of each Squid.
 */
public final class Learning {
    /** How long a stream keeps a Squid's certain pairs: its clock model and join window come from them. */
    public static final long KEEP_PAIRS_MS = 6 * 3_600_000L;

    private final long maxSkewMs;
    private final Roles roles;
    private final ArrayDeque<SquidHop> squidLines;
    private final ArrayDeque<MeshLearner.Upstream> upstreams;
    private final SquidLearner squid;
    private final MeshLearner mesh;
    /** Envoy lines that end before this have been fed, Squid lines before {@link #squidFedBefore} (its own clock). */
    private long envoyFedBefore = Long.MIN_VALUE;
    private long squidFedBefore = Long.MIN_VALUE;
    /** The latest end among the Squid lines fed (their own clock). */
    private long squidLatest = Long.MIN_VALUE;

    /** Learning from nothing yet: lines come by {@link #feed}. */
    public Learning(JoinSettings settings) {
        this.maxSkewMs = settings.maxSkewMs();
        this.roles = new Roles();
        this.squidLines = new ArrayDeque<>();
        this.upstreams = new ArrayDeque<>();
        this.squid = new SquidLearner(maxSkewMs, drain(squidLines));
        this.mesh = new MeshLearner(roles, settings.meshWindowMs(), settings.proxyAddresses(), upstreams::add);
    }

    private Learning(Learning other) {
        this.maxSkewMs = other.maxSkewMs;
        this.roles = other.roles.copy();
        this.squidLines = new ArrayDeque<>(other.squidLines);
        this.upstreams = new ArrayDeque<>(other.upstreams);
        this.squid = new SquidLearner(other.squid, drain(squidLines));
        this.mesh = new MeshLearner(other.mesh, roles, upstreams::add);
        this.envoyFedBefore = other.envoyFedBefore;
        this.squidFedBefore = other.squidFedBefore;
        this.squidLatest = other.squidLatest;
    }

    /** An independent copy: a pass feeds it its newer lines and learns from it, the original goes on. */
    public Learning copy() {
        return new Learning(this);
    }

    /** Envoy lines that end before this (writer's clock) have been fed. */
    public long envoyFedBefore() {
        return envoyFedBefore;
    }

    /** Squid lines that end before this (their own clock) have been fed. */
    public long squidFedBefore() {
        return squidFedBefore;
    }

    /**
     * Where the Squid lines (their own clock) have surely all come once the Envoy lines that end
     * before {@code envoyBefore} have: the largest skew searched for earlier. (A caller that knows
     * every Squid's offset may feed them closer, see {@link #feed(List, List, long, long)}.)
     */
    public long squidBefore(long envoyBefore) {
        return envoyBefore == Long.MIN_VALUE ? Long.MIN_VALUE : envoyBefore - maxSkewMs;
    }

    /** Feeds the lines up to {@code envoyBefore}, the Squid lines up to {@link #squidBefore} of it. */
    public void feed(List<EnvoyHop> envoy, List<SquidHop> squidHops, long envoyBefore) {
        feed(envoy, squidHops, envoyBefore, squidBefore(envoyBefore));
    }

    /**
     * Feeds the Envoy lines that end in [{@link #envoyFedBefore}, {@code envoyBefore}) and the Squid
     * lines that end in [{@link #squidFedBefore}, {@code squidBefore}) (their own clock), each list
     * in any order; the caller guarantees that every such line has come. The upstream hops that
     * end before {@code squidBefore} go on to the Squid learning: every Squid line that ends before
     * a hop must have been fed when the hop goes (the order trace reads them in). Lines before
     * where the learning stands are not read (a line that came after its time was final); neither
     * bound moves back.
     */
    public void feed(List<EnvoyHop> envoy, List<SquidHop> squidHops, long envoyBefore, long squidBefore) {
        // in (end, id) order, as trace reads them (a no-op on lines that come so)
        envoy = sorted(envoy, ENVOY_ORDER);
        squidHops = sorted(squidHops, SQUID_ORDER);
        // the roles count the lines before they are read, as trace's do (per emitter, hint and name)
        Map<Long, long[]> counts = new HashMap<>();
        long[] last = null;
        long lastKey = Long.MIN_VALUE;
        for (EnvoyHop h : envoy) {
            if (inRange(h.start() + h.duration(), envoyFedBefore, envoyBefore)) {
                long key = (long) h.emitter() << 3 | (long) h.hint() << 1 | (h.namedGateway() ? 1 : 0);
                if (key != lastKey) {
                    last = counts.computeIfAbsent(key, k -> new long[1]);
                    lastKey = key;
                }
                last[0]++;
            }
        }
        counts.forEach((k, n) -> roles.count((int) (k >> 3), (int) (k >> 1 & 3), (k & 1) == 1, n[0]));
        for (EnvoyHop h : envoy) {
            if (inRange(h.start() + h.duration(), envoyFedBefore, envoyBefore)) {
                mesh.feed(h);
            }
        }
        for (SquidHop q : squidHops) {
            if (inRange(q.start() + q.elapsed(), squidFedBefore, squidBefore)) {
                squidLines.add(q);
                squidLatest = Math.max(squidLatest, q.start() + q.elapsed());
            }
        }
        envoyFedBefore = Math.max(envoyFedBefore, envoyBefore);
        squidFedBefore = Math.max(squidFedBefore, squidBefore);
        // the hops whose Squid lines have all come (mesh time; a Squid line ends at most the largest skew off)
        while (!upstreams.isEmpty() && upstreams.peek().end() < squidFedBefore) {
            squid.accept(upstreams.poll());
        }
        // the last hours before the latest line fed, not before the bound: a pass's copy is fed to
        // the end of time (Long.MAX_VALUE), which forgot every pair it had
        if (squidLatest != Long.MIN_VALUE) {
            squid.forgetBefore(Math.min(squidFedBefore, squidLatest) - KEEP_PAIRS_MS);
        }
    }

    static final Comparator<EnvoyHop> ENVOY_ORDER = Comparator.comparingLong((EnvoyHop h) -> h.start() + h.duration())
            .thenComparingLong(EnvoyHop::id);
    static final Comparator<SquidHop> SQUID_ORDER = Comparator.comparingLong((SquidHop q) -> q.start() + q.elapsed())
            .thenComparingLong(SquidHop::id);

    /** A sorted copy of {@code items}. */
    static <T> List<T> sorted(List<T> items, Comparator<T> order) {
        List<T> copy = new ArrayList<>(items);
        copy.sort(order);
        return copy;
    }

    private static boolean inRange(long end, long from, long before) {
        return end >= from && end < before;
    }

    /** The roles as the lines fed so far count them. */
    public Roles roles() {
        return roles;
    }

    /**
     * What the lines fed so far teach, as if no line came after them: ends this learning (call it
     * on a {@link #copy}).
     */
    Learned finish(JoinSettings settings) {
        mesh.flush();
        while (!upstreams.isEmpty()) {
            squid.accept(upstreams.poll());
        }
        squid.finishReading();
        return Learned.from(mesh, squid, settings);
    }

    /** Trace's learning: every line at once, in end order. */
    static Learned of(Roles roles, Iterator<EnvoyHop> envoy, Iterator<SquidHop> squidHops, JoinSettings settings) {
        SquidLearner squid = new SquidLearner(settings.maxSkewMs(), squidHops);
        MeshLearner mesh = new MeshLearner(roles, settings.meshWindowMs(), settings.proxyAddresses(), squid::accept);
        mesh.read(envoy);
        squid.finishReading();
        return Learned.from(mesh, squid, settings);
    }

    /** The lines of {@code queue}, taken from it as they are read; more may come later. */
    private static Iterator<SquidHop> drain(ArrayDeque<SquidHop> queue) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !queue.isEmpty();
            }

            @Override
            public SquidHop next() {
                return queue.poll();
            }
        };
    }
}
