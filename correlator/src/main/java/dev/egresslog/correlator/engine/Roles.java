package dev.egresslog.correlator.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage 1, roles. Reads every Envoy line's hint and emitter; writes each line's role: the user's
 * for its source, else its emitter's: an emitter named like an egress gateway is one, else the
 * majority of its lines' hints (a sidecar's outbound socket shares its client's IP; a gateway's
 * shares its listener's), else none (the line is no hop of a tunnel).
 */
final class Roles {
    private Roles() {
    }

    static Role[] of(List<EnvoyHop> hops) {
        Map<Integer, int[]> hints = new HashMap<>();
        Map<Integer, Boolean> named = new HashMap<>();
        for (EnvoyHop h : hops) {
            int[] n = hints.computeIfAbsent(h.emitter(), k -> new int[3]);
            n[h.hint()]++;
            if (h.namedGateway()) {
                named.put(h.emitter(), true);
            }
        }
        Map<Integer, Role> byEmitter = new HashMap<>();
        hints.forEach((emitter, n) -> {
            Role role = named.containsKey(emitter) || n[EnvoyHop.HINT_GATEWAY] > n[EnvoyHop.HINT_SIDECAR] ? Role.GATEWAY
                    : n[EnvoyHop.HINT_SIDECAR] > 0 ? Role.SIDECAR : null;
            if (role != null) {
                byEmitter.put(emitter, role);
            }
        });
        Role[] roles = new Role[hops.size()];
        for (int i = 0; i < roles.length; i++) {
            EnvoyHop h = hops.get(i);
            roles[i] = h.forcedRole() != null ? h.forcedRole() : byEmitter.get(h.emitter());
        }
        return roles;
    }
}
