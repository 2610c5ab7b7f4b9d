package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The correlation engine: Envoy and Squid lines in, tunnel rows with the evidence of their joins
 * out. Pure Java; {@code trace} and {@code stream} both call it. It reads the lines twice, in end
 * order (start plus duration: when each hop wrote its line), to learn and to join, and holds only
 * what its windows need, never the input:
 *
 * <ol>
 *   <li>learning: {@link MeshLearner} (gateway clocks and overheads, from address pairs) feeding
 *       {@link SquidLearner} (each Squid clock's {@link ClockModel}, from certain pairs), which
 *       holds twice the largest Squid offset searched for (a stream keeps them across its passes,
 *       see {@link Learning});</li>
 *   <li>joining, in slices of {@link #SLICE_MS} of mesh time, each seen with {@link #CONTEXT_MS}
 *       either side: {@link MeshJoin} (sidecar-gateway), then {@link ProxyJoin} (upstream
 *       hop-Squid); a slice takes the lines that end within it, and decides those that end before
 *       its end less the context (a pair when its first line does). Every line of a tunnel ends
 *       within seconds of the others, however long it lived; a stream's pass can thus resume
 *       after the slices whose lines have all arrived ({@link Slices});</li>
 *   <li>{@link Rows}: each line, once no later slice can pair it, ends in its row.</li>
 * </ol>
 *
 * Each slice's lines are taken in (start, content, id) order ({@link EnvoyHop#content}), so the
 * same lines give the same rows however the caller's sorted input broke ties, and wherever they
 * were read from.
 */
public final class Engine {
    static final long SLICE_MS = 30_000;
    /** Lines this far either side of a slice are seen with it: beyond every join window (mesh 2 s, proxy 1.5 s) and clock residual. */
    static final long CONTEXT_MS = 5_000;

    private Engine() {
    }

    /**
     * What the engine learned besides the rows.
     *
     * @param rows            rows written
     * @param squidClocks     per Squid source, its clock model (absent when it had no certain pair)
     * @param sidecarOffsetMs per sidecar source, its clock against the gateways' (ms)
     * @param gatewaySkewMs   per gateway emitter, the skew removed from its lines
     * @param proxyOf         per Squid source, the proxy address key most of its certain pairs went through
     * @param roleOf          per Envoy source with one role, that role
     * @param mixedRoleSources Envoy sources whose lines have both roles
     * @param linesInNoRow    lines on an egress path in no row (the invariant: 0)
     */
    public record Result(long rows, Map<Integer, ClockModel> squidClocks, Map<Integer, Long> sidecarOffsetMs,
                         Map<Integer, Long> gatewaySkewMs, Map<Integer, Long> proxyOf, Map<Integer, Role> roleOf,
                         Set<Integer> mixedRoleSources, long linesInNoRow) {
    }

    /**
     * Correlates lines: learns from those that {@code learnEnvoy} and {@code learnSquid} give and
     * joins those that {@code envoy} and {@code squid} give, each in end order (start plus duration;
     * Envoy on its writer's clock, Squid on its own); hands every row to {@code rows}. Learning from
     * other lines than it joins is for tests (a stream learns through a kept {@link Learning});
     * {@code roles} must count the lines learned from.
     */
    public static Result correlate(Supplier<Iterator<EnvoyHop>> learnEnvoy, Supplier<Iterator<SquidHop>> learnSquid,
                                   Supplier<Iterator<EnvoyHop>> envoy, Supplier<Iterator<SquidHop>> squid, Roles roles,
                                   JoinSettings settings, Consumer<Tunnel> rows, Consumer<String> progress) {
        return correlate(learnEnvoy, learnSquid, envoy, squid, roles, settings, rows, progress, Slices.ALL);
    }

    /**
     * Where the join starts and what it reports as it goes. The join decides the lines slice by
     * slice, each slice's in one step; the rows of a slice's decisions are handed over before
     * {@code done} is told the slice's end. A caller that runs again later (a stream's next pass)
     * starts at the slice after the last one it keeps, with the lines of the rows it keeps left
     * out: the rows are then those of one run over all the lines.
     *
     * @param firstSliceMs where the first slice starts (a multiple of {@link #SLICE_MS}), or
     *                     Long.MIN_VALUE: where the first line is
     * @param done         called with each slice's end once its rows are handed over
     * @param learned      called with each Squid source's clock model once the clocks are learned,
     *                     before the first slice (a stream's pass places its Squids by them)
     */
    public record Slices(long firstSliceMs, java.util.function.LongConsumer done, Consumer<Map<Integer, ClockModel>> learned) {
        public static final Slices ALL = new Slices(Long.MIN_VALUE, end -> { });

        public Slices(long firstSliceMs, java.util.function.LongConsumer done) {
            this(firstSliceMs, done, clocks -> { });
        }
    }

    /** The slices' length: a caller that resumes starts at a multiple of it. */
    public static long sliceMs() {
        return SLICE_MS;
    }

    /** How far past its end a slice reads lines: its decisions need every line that ends before then. */
    public static long contextMs() {
        return CONTEXT_MS;
    }

    /** As above, from the slice {@code slices} says, telling it each slice's end. */
    public static Result correlate(Supplier<Iterator<EnvoyHop>> learnEnvoy, Supplier<Iterator<SquidHop>> learnSquid,
                                   Supplier<Iterator<EnvoyHop>> envoy, Supplier<Iterator<SquidHop>> squid, Roles roles,
                                   JoinSettings settings, Consumer<Tunnel> rows, Consumer<String> progress, Slices slices) {
        long t0 = System.nanoTime();
        Learned learned = Learning.of(roles, learnEnvoy.get(), learnSquid.get(), settings);
        return join(learned, t0, envoy, squid, roles, settings, rows, progress, slices);
    }

    /**
     * Correlates the lines {@code envoy} and {@code squid} give (each in end order), learning from
     * what {@code learning} was fed (a stream's learning kept across passes, continued over the
     * pass's newer lines): ends {@code learning}, which is to be a copy.
     */
    public static Result correlate(Learning learning, Supplier<Iterator<EnvoyHop>> envoy, Supplier<Iterator<SquidHop>> squid,
                                   JoinSettings settings, Consumer<Tunnel> rows, Consumer<String> progress, Slices slices) {
        long t0 = System.nanoTime();
        Learned learned = learning.finish(settings);
        return join(learned, t0, envoy, squid, learning.roles(), settings, rows, progress, slices);
    }

    private static Result join(Learned learned, long t0, Supplier<Iterator<EnvoyHop>> envoy, Supplier<Iterator<SquidHop>> squid,
                               Roles roles, JoinSettings settings, Consumer<Tunnel> rows, Consumer<String> progress, Slices slices) {
        t0 = lap(progress, "learning clocks", t0);
        slices.learned().accept(Map.copyOf(learned.squidClocks()));

        Rows out = new Rows(learned, settings, rows);
        new Join(envoy.get(), squid.get(), roles, learned, settings, out, slices).run();
        lap(progress, "joining", t0);

        Map<Integer, Long> proxyOf = new java.util.HashMap<>();
        for (Integer source : learned.squidProxies().keySet()) {
            proxyOf.put(source, learned.proxyOf(source));
        }
        return new Result(out.rows, Map.copyOf(learned.squidClocks()), Map.copyOf(learned.sidecarOffsetMs()),
                Map.copyOf(learned.gatewaySkewMs()), proxyOf, Map.copyOf(learned.roleOfSource()), Set.copyOf(learned.mixedSources()),
                out.linesInNoRow);
    }

    /** Correlates lines held in lists (tests, small inputs): they need not be in order. */
    public static Result correlate(List<EnvoyHop> envoy, List<SquidHop> squid, JoinSettings settings, Consumer<Tunnel> rows) {
        return correlate(envoy, squid, settings, rows, Slices.ALL);
    }

    /** As above, from the slice {@code slices} says. */
    public static Result correlate(List<EnvoyHop> envoy, List<SquidHop> squid, JoinSettings settings, Consumer<Tunnel> rows, Slices slices) {
        return correlate(envoy, squid, envoy, squid, settings, rows, slices);
    }

    /** As above, learning from other lines than it joins. */
    public static Result correlate(List<EnvoyHop> learnEnvoy, List<SquidHop> learnSquid, List<EnvoyHop> envoy, List<SquidHop> squid,
                                   JoinSettings settings, Consumer<Tunnel> rows, Slices slices) {
        List<EnvoyHop> le = Learning.sorted(learnEnvoy, Learning.ENVOY_ORDER);
        List<SquidHop> lq = Learning.sorted(learnSquid, Learning.SQUID_ORDER);
        List<EnvoyHop> e = Learning.sorted(envoy, Learning.ENVOY_ORDER);
        List<SquidHop> q = Learning.sorted(squid, Learning.SQUID_ORDER);
        return correlate(le::iterator, lq::iterator, e::iterator, q::iterator, Roles.of(le), settings, rows, line -> { }, slices);
    }

    /** Correlates lines held in lists (tests, small inputs; in any order), learning from what {@code learning} was fed; ends it. */
    public static Result correlate(Learning learning, List<EnvoyHop> envoy, List<SquidHop> squid, JoinSettings settings,
                                   Consumer<Tunnel> rows, Slices slices) {
        List<EnvoyHop> e = Learning.sorted(envoy, Learning.ENVOY_ORDER);
        List<SquidHop> q = Learning.sorted(squid, Learning.SQUID_ORDER);
        return correlate(learning, e::iterator, q::iterator, settings, rows, line -> { }, slices);
    }

    private static long lap(Consumer<String> progress, String stage, long t0) {
        long now = System.nanoTime();
        progress.accept(String.format("%s (%.1f s)", stage, (now - t0) / 1e9));
        return now;
    }

    /** The joining pass: reads both streams slice by slice, joins, and lets lines leave. */
    private static final class Join {
        private final Iterator<EnvoyHop> envoy;
        private final Iterator<SquidHop> squid;
        private final Roles roles;
        private final Learned learned;
        private final JoinSettings settings;
        private final Rows rows;
        private EnvoyHop nextEnvoy;
        private SquidHop nextSquid;
        private final List<EnvoyLine> lines = new ArrayList<>();
        private final List<SquidLine> squidLines = new ArrayList<>();
        /** How far a gateway's corrected start can be from its written one, and a Squid line's mesh start from its own. */
        private final long maxGatewaySkew;
        private final long maxSquidAhead;
        private final Slices slices;
        private final long lag;
        /** The learned skew and overhead of each gateway, by emitter number (every line asks). */
        private final long[] skewOf;
        private final long[] overheadOf;

        Join(Iterator<EnvoyHop> envoy, Iterator<SquidHop> squid, Roles roles, Learned learned, JoinSettings settings, Rows rows,
             Slices slices) {
            this.slices = slices;
            // a line no join took waits this long for a partner in the next slice
            lag = Math.max(MeshJoin.SNAT_WINDOW_MS, Math.max(settings.meshWindowMs(), settings.proxyWindowMs()));
            this.envoy = envoy;
            this.squid = squid;
            this.roles = roles;
            this.learned = learned;
            this.settings = settings;
            this.rows = rows;
            nextEnvoy = envoy.hasNext() ? envoy.next() : null;
            nextSquid = squid.hasNext() ? squid.next() : null;
            maxGatewaySkew = learned.gatewaySkewMs().values().stream().mapToLong(Math::abs).max().orElse(0);
            skewOf = byEmitter(learned.gatewaySkewMs());
            overheadOf = byEmitter(learned.downOverhead());
            // the most a Squid clock is ahead of the mesh's: its lines are read that much earlier
            long ahead = 0;
            for (ClockModel m : learned.squidClocks().values()) {
                ahead = Math.max(ahead, m.maxOffset());
            }
            for (long prior : settings.priorOffsetMs().values()) {
                ahead = Math.max(ahead, prior);
            }
            maxSquidAhead = ahead;
        }

        void run() {
            long slice = Long.MIN_VALUE;
            while (true) {
                long earliest = earliest();
                if (earliest == Long.MAX_VALUE) {
                    return;
                }
                // a resumed run starts where it was told, unless it holds lines from well before
                // (around a line that came late): then slice by slice from theirs
                if (slice == Long.MIN_VALUE && slices.firstSliceMs() != Long.MIN_VALUE && earliest >= slices.firstSliceMs() - SLICE_MS) {
                    slice = slices.firstSliceMs();
                }
                // nothing near: the next slice is where the next line is (a gap in the logs, a hostile time)
                if (slice == Long.MIN_VALUE || earliest >= slice + SLICE_MS + CONTEXT_MS) {
                    slice = Math.floorDiv(earliest, SLICE_MS) * SLICE_MS;
                }
                long end = slice + SLICE_MS;
                long horizon = end + CONTEXT_MS;
                read(horizon);
                List<EnvoyLine> ctx = new ArrayList<>();
                for (EnvoyLine l : lines) {
                    if (l.end < horizon) {
                        ctx.add(l);
                    }
                }
                List<SquidLine> ctxSquid = new ArrayList<>();
                for (SquidLine q : squidLines) {
                    if (q.end < horizon) {
                        ctxSquid.add(q);
                    }
                }
                ctx = byStart(ctx, l -> l.start, l -> l.content, l -> l.hop.id());
                ctxSquid = byStart(ctxSquid, q -> q.start, q -> q.content, q -> q.hop.id());
                // the slice decides what ends before its end less the context (which it sees
                // after it), and those lines leave with their rows; a line no join took waits a
                // little longer, for a partner that ends after that
                long decided = end - CONTEXT_MS;
                MeshJoin.join(ctx, decided, learned, settings.meshWindowMs());
                ProxyJoin.join(ctx, ctxSquid, decided, learned, settings);
                rows.slice = end;
                leaveBefore(decided);
                slices.done().accept(end);
                slice = end;
            }
        }

        /**
         * {@code items} in (start, content, id) order: a primitive sort of (start, position) keys,
         * then what the lines say among equal starts (the lines come in end order, so their starts
         * are far from sorted; ids differ between a file and a topic, contents do not).
         */
        private static <T> List<T> byStart(List<T> items, java.util.function.ToLongFunction<T> start,
                                           java.util.function.ToLongFunction<T> content, java.util.function.ToLongFunction<T> id) {
            Comparator<T> tie = Comparator.comparingLong(content).thenComparingLong(id);
            int n = items.size();
            if (n == 0) {
                return items;
            }
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (T item : items) {
                min = Math.min(min, start.applyAsLong(item));
                max = Math.max(max, start.applyAsLong(item));
            }
            List<T> sorted = new ArrayList<>(n);
            if (max - min >= 1L << 40 || n >= 1 << 23) {
                // hostile times far apart: the plain sort
                sorted.addAll(items);
                sorted.sort(Comparator.comparingLong(start).thenComparing(tie));
                return sorted;
            }
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = (start.applyAsLong(items.get(i)) - min) << 23 | i;
            }
            java.util.Arrays.sort(keys);
            for (long key : keys) {
                sorted.add(items.get((int) (key & ((1 << 23) - 1))));
            }
            // equal starts by what the lines say, then by id
            for (int i = 1; i < n; i++) {
                T item = sorted.get(i);
                long s = start.applyAsLong(item);
                int j = i - 1;
                while (j >= 0 && start.applyAsLong(sorted.get(j)) == s && tie.compare(sorted.get(j), item) > 0) {
                    sorted.set(j + 1, sorted.get(j));
                    j--;
                }
                sorted.set(j + 1, item);
            }
            return sorted;
        }

        private static long[] byEmitter(Map<Integer, Long> values) {
            int n = values.keySet().stream().mapToInt(Integer::intValue).filter(e -> e >= 0 && e < 1 << 16).max().orElse(-1) + 1;
            long[] a = new long[n];
            values.forEach((e, v) -> {
                if (e >= 0 && e < n) {
                    a[e] = v;
                }
            });
            return a;
        }

        private static long ofEmitter(long[] byEmitter, Map<Integer, Long> values, int emitter) {
            // the array holds every value of an emitter below 2^16 (the others are 0)
            if (emitter >= 0 && emitter < 1 << 16) {
                return emitter < byEmitter.length ? byEmitter[emitter] : 0;
            }
            return values.getOrDefault(emitter, 0L);
        }

        private static long end(EnvoyHop h) {
            return h.start() + h.duration();
        }

        private static long end(SquidHop q) {
            return q.start() + q.elapsed();
        }

        /** The earliest mesh end a held or unread line can have, or Long.MAX_VALUE when there is none. */
        private long earliest() {
            long earliest = Long.MAX_VALUE;
            for (EnvoyLine l : lines) {
                earliest = Math.min(earliest, l.end);
            }
            for (SquidLine q : squidLines) {
                earliest = Math.min(earliest, q.end);
            }
            if (nextEnvoy != null) {
                earliest = Math.min(earliest, end(nextEnvoy) - maxGatewaySkew);
            }
            if (nextSquid != null) {
                earliest = Math.min(earliest, end(nextSquid) - maxSquidAhead);
            }
            return earliest;
        }

        /** Reads every line that could end before {@code horizon} on the mesh's clock. */
        private void read(long horizon) {
            while (nextEnvoy != null && end(nextEnvoy) - maxGatewaySkew < horizon) {
                EnvoyHop h = nextEnvoy;
                nextEnvoy = envoy.hasNext() ? envoy.next() : null;
                Role role = roles.of(h);
                if (role == null) {
                    continue;
                }
                long start = role == Role.GATEWAY ? h.start() - ofEmitter(skewOf, learned.gatewaySkewMs(), h.emitter()) : h.start();
                EnvoyLine line = new EnvoyLine(h, role, start);
                // what the client received: the gateway's count less its own overhead (Istio's peer
                // metadata), until its sidecar's line says exactly
                long overhead = ofEmitter(overheadOf, learned.downOverhead(), h.emitter());
                if (role == Role.GATEWAY && h.down() > overhead && overhead > 0) {
                    line.down = h.down() - overhead;
                }
                lines.add(line);
            }
            while (nextSquid != null && end(nextSquid) - maxSquidAhead < horizon) {
                SquidHop q = nextSquid;
                nextSquid = squid.hasNext() ? squid.next() : null;
                ClockModel model = learned.squidClocks().get(q.source());
                Long prior = settings.priorOffsetMs().get(q.source());
                long offset = model != null ? model.at(q.start()) : prior != null ? prior : 0;
                squidLines.add(new SquidLine(q, offset, model != null || prior != null));
            }
        }

        /**
         * Lines decided before {@code time} leave, into their rows: a joined line when its pair's
         * first line started before it, a line no join took {@link #lag} later.
         */
        private void leaveBefore(long time) {
            List<EnvoyLine> keep = new ArrayList<>();
            for (EnvoyLine l : lines) {
                if (l.joined() ? l.anchor() < time : l.end < time - lag) {
                    rows.leave(l);
                } else {
                    keep.add(l);
                }
            }
            lines.clear();
            lines.addAll(keep);
            List<SquidLine> keepSquid = new ArrayList<>();
            for (SquidLine q : squidLines) {
                if (q.upstream != null ? q.upstream.anchor() < time : q.end < time - lag) {
                    rows.leave(q);
                } else {
                    keepSquid.add(q);
                }
            }
            squidLines.clear();
            squidLines.addAll(keepSquid);
        }
    }
}
