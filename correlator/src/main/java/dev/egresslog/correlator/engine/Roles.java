package dev.egresslog.correlator.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * Stage 1, roles. Reads every Envoy line's hint and emitter (counted by the caller, before the
 * join); decides each line's role: the user's for its source, else its emitter's: an emitter
 * named like an egress gateway is one, else the majority of its lines' hints (a sidecar's
 * outbound socket shares its client's IP; a gateway's shares its listener's), else none (the
 * line is no hop of a tunnel).
 */
public final class Roles {
    private final Map<Integer, long[]> hints = new HashMap<>();
    private final Map<Integer, Boolean> named = new HashMap<>();
    private final Map<Integer, Role> decided = new HashMap<>();
    /** {@link #decided} by emitter number, for the small non-negative ones (every line asks): 0 not yet, 1 none, else ordinal + 2. */
    private byte[] byEmitter = new byte[0];
    private static final Role[] ROLES = Role.values();

    /** Counts {@code lines} lines of {@code emitter} with {@code hint} (0, {@link EnvoyHop#HINT_SIDECAR}, {@link EnvoyHop#HINT_GATEWAY}). */
    public void count(int emitter, int hint, boolean namedGateway, long lines) {
        hints.computeIfAbsent(emitter, k -> new long[3])[hint] += lines;
        if (namedGateway) {
            named.put(emitter, true);
        }
        decided.clear();
        byEmitter = new byte[0];
    }

    /** An independent copy of the counts. */
    public Roles copy() {
        Roles c = new Roles();
        hints.forEach((emitter, n) -> c.hints.put(emitter, n.clone()));
        c.named.putAll(named);
        return c;
    }

    /** Roles counted from the lines themselves. */
    public static Roles of(Iterable<EnvoyHop> hops) {
        Roles roles = new Roles();
        for (EnvoyHop h : hops) {
            roles.count(h.emitter(), h.hint(), h.namedGateway(), 1);
        }
        return roles;
    }

    /** The role of one line, or null when it is no hop of a tunnel. */
    public Role of(EnvoyHop h) {
        return h.forcedRole() != null ? h.forcedRole() : ofEmitter(h.emitter());
    }

    Role ofEmitter(int emitter) {
        if (emitter >= 0 && emitter < 1 << 16) {
            if (emitter >= byEmitter.length) {
                byEmitter = java.util.Arrays.copyOf(byEmitter, Math.max(emitter + 1, 2 * byEmitter.length));
            }
            if (byEmitter[emitter] == 0) {
                Role decision = decide(emitter);
                byEmitter[emitter] = (byte) (decision == null ? 1 : decision.ordinal() + 2);
            }
            return byEmitter[emitter] == 1 ? null : ROLES[byEmitter[emitter] - 2];
        }
        return decide(emitter);
    }

    private Role decide(int emitter) {
        return decided.computeIfAbsent(emitter, e -> {
            long[] n = hints.get(e);
            if (named.containsKey(e) || (n != null && n[EnvoyHop.HINT_GATEWAY] > n[EnvoyHop.HINT_SIDECAR])) {
                return Role.GATEWAY;
            }
            return n != null && n[EnvoyHop.HINT_SIDECAR] > 0 ? Role.SIDECAR : null;
        });
    }
}
