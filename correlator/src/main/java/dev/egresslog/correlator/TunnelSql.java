package dev.egresslog.correlator;

import java.util.List;

/**
 * The statements that build the tunnels table from the assigned pairs: one row per tunnel or
 * unjoined line. The rows are built slice by slice: each slice first copies out just its own
 * lines, so no join has to hold a whole log table in memory.
 */
final class TunnelSql {
    private TunnelSql() {
    }

    /** Proxy addresses, and the hop ids of every tunnel row (narrow). */
    static List<String> prepare() {
        return List.of(
                """
                CREATE OR REPLACE TABLE proxies AS
                -- addresses some upstream hop joined a Squid line on; addresses the app dialled and the
                -- gateway then forwarded to (seed 000's path, known even without Squid's log); the user's
                SELECT DISTINCT e.uh AS addr FROM pq_match m JOIN upstream e ON e.hid = m.ehid
                UNION SELECT DISTINCT g.uh FROM sg_match m JOIN hops s ON s.hid = m.shid JOIN hops g ON g.hid = m.ghid
                      WHERE s.dla = g.uh
                UNION SELECT addr FROM proxy_override""",
                """
                CREATE OR REPLACE TABLE chains AS
                SELECT g.hid AS ghid, sg.shid, pq.qhid
                FROM hops g LEFT JOIN sg_match sg ON sg.ghid = g.hid LEFT JOIN pq_match pq ON pq.ehid = g.hid
                WHERE g.role = 'gateway' AND (pq.qhid IS NOT NULL OR g.uh IN (SELECT addr FROM proxies))
                UNION ALL
                SELECT NULL, s.hid, pq.qhid
                FROM hops s LEFT JOIN pq_match pq ON pq.ehid = s.hid
                WHERE s.role = 'sidecar' AND s.hid NOT IN (SELECT shid FROM sg_match)
                  AND (pq.qhid IS NOT NULL OR s.dla IN (SELECT addr FROM proxies) OR s.uh IN (SELECT addr FROM proxies)
                       -- a connection to an egress gateway's listener that no gateway line joined (the
                       -- gateway failed it, or its line is lost): its own row, never dropped
                       OR s.to_gateway OR s.uh IN (SELECT DISTINCT dla FROM hops WHERE role = 'gateway' AND dla IS NOT NULL))
                UNION ALL
                SELECT NULL, NULL, q.hid FROM sq_mesh q WHERE q.hid NOT IN (SELECT qhid FROM pq_match)""");
    }

    /**
     * The statements that add the rows of one slice of the chains ({@code slice} of {@code slices})
     * to {@code table}, creating it for the first slice when {@code create}.
     *
     * @param finalBeforeMs rows that end before this are final; Long.MAX_VALUE makes every row final
     * @param maxSkewMs     a Squid line whose source's clock offset is not known yet is placed no
     *                      better than this: its row is final only once even that cannot bring it back
     */
    static List<String> slice(String failureFlags, long slice, long slices, boolean create, String table, long finalBeforeMs,
                              long maxSkewMs) {
        String rows = ROW.formatted(failureFlags, finalBeforeMs == Long.MAX_VALUE ? "true"
                : "(coalesce(s.t0, g.t0, q.tm) + coalesce(s.dur, g.dur, q.dur) < %d AND coalesce(q.offset_known, true)) OR coalesce(q.t0 + q.dur < %d, false)"
                        .formatted(finalBeforeMs, finalBeforeMs - maxSkewMs));
        return List.of(
                "CREATE OR REPLACE TABLE slice_chains AS SELECT * FROM chains WHERE hash(coalesce(ghid, shid, qhid)) %% %d = %d"
                        .formatted(slices, slice),
                """
                CREATE OR REPLACE TABLE slice_side AS
                SELECT hid, source, line, source_id, pod, namespace, dra, dra_ip, dra_port, uh, dla, up, down, t0, dur, flags
                FROM hops WHERE hid IN (SELECT shid FROM slice_chains)""",
                """
                CREATE OR REPLACE TABLE slice_gate AS
                SELECT hid, source, line, source_id, dra, dra_ip, dra_port, uh, up, down, t0, dur, flags
                FROM hops WHERE hid IN (SELECT ghid FROM slice_chains)""",
                "CREATE OR REPLACE TABLE slice_squid AS SELECT * FROM sq_mesh WHERE hid IN (SELECT qhid FROM slice_chains)",
                (create ? "CREATE OR REPLACE TABLE " + table + " AS\n" : "INSERT INTO " + table + "\n") + rows);
    }

    private static final String ROW = """
                SELECT
                  substr(md5(concat_ws('|', coalesce(c.shid, 0), coalesce(c.ghid, 0), coalesce(c.qhid, 0))), 1, 16) AS tunnel_id,
                  CASE
                    WHEN q.hid IS NOT NULL AND q.result_code LIKE 'TCP_DENIED%%' THEN 'denied'
                    WHEN q.hid IS NOT NULL AND (q.http_status >= 500 OR q.result_code LIKE 'ERR%%') THEN 'upstream_failed'
                    WHEN q.hid IS NOT NULL AND s.hid IS NOT NULL AND g.hid IS NOT NULL THEN 'complete'
                    WHEN q.hid IS NOT NULL AND s.hid IS NOT NULL THEN 'bypass'
                    WHEN q.hid IS NOT NULL AND g.hid IS NULL THEN 'non_mesh'
                    WHEN g.hid IS NOT NULL AND list_has_any(g.flags, %1$s) THEN 'gateway_failed'
                    WHEN g.hid IS NULL AND list_has_any(s.flags, %1$s) THEN 'sidecar_failed'
                    ELSE 'partial'
                  END AS status,
                  CASE WHEN m1.score IS NOT NULL AND m2.score IS NOT NULL THEN least(m1.score, m2.score)
                       ELSE coalesce(m1.score, m2.score) END AS score,
                  g.hid IS NOT NULL AS via_gateway,
                  coalesce(s.dra, g.dra, q.client_ip) AS client_address,
                  coalesce(s.dra_ip, g.dra_ip, q.client_ip) AS client_ip,
                  coalesce(s.dra_port, g.dra_port, q.client_port) AS client_port,
                  s.pod AS pod,
                  s.namespace AS namespace,
                  coalesce(g.uh, CASE WHEN s.uh = s.dla THEN s.uh ELSE s.dla END, lp.addr, qs.proxy_address) AS proxy_address,
                  q.connect_host,
                  q.connect_port,
                  q.method AS squid_method,
                  q.url AS squid_url,
                  q.result_code AS squid_result,
                  q.http_status,
                  q.server_ip,
                  q.hierarchy AS squid_hierarchy,
                  q.client_ip AS squid_client_ip,
                  coalesce(s.up, g.up, q.request_bytes) AS bytes_up,
                  coalesce(s.down, g.down, q.bytes) AS bytes_down,
                  epoch_ms(coalesce(s.t0, g.t0, q.tm)) AS start_time,
                  epoch_ms(coalesce(s.t0, g.t0, q.tm) + coalesce(s.dur, g.dur, q.dur)) AS end_time,
                  coalesce(s.dur, g.dur, q.dur) AS duration_ms,
                  s.dur AS sidecar_duration_ms,
                  g.dur AS gateway_duration_ms,
                  q.dur AS squid_elapsed_ms,
                  q.offset_ms AS squid_clock_offset_ms,
                  s.flags AS sidecar_flags,
                  g.flags AS gateway_flags,
                  s.source AS sidecar_file, s.line AS sidecar_line, s.source_id AS sidecar_source_id,
                  g.source AS gateway_file, g.line AS gateway_line, g.source_id AS gateway_source_id,
                  q.source AS squid_file, q.line AS squid_line, q.source_id AS squid_source_id,
                  m1.key AS mesh_link_key, m1.score AS mesh_link_score, m1.dt AS mesh_start_delta_ms,
                  m1.db AS mesh_bytes_delta, m1.dd AS mesh_duration_delta_ms,
                  m2.key AS proxy_link_key, m2.score AS proxy_link_score, m2.dt AS proxy_start_delta_ms,
                  m2.db AS proxy_bytes_delta, m2.dd AS proxy_duration_delta_ms,
                  -- false while a stream may still change the row (a hop may yet arrive)
                  %2$s AS final
                FROM slice_chains c
                LEFT JOIN slice_side s ON s.hid = c.shid
                LEFT JOIN slice_gate g ON g.hid = c.ghid
                LEFT JOIN slice_squid q ON q.hid = c.qhid
                LEFT JOIN prior qs ON qs.source_id = q.source_id
                -- the proxy address this run learned the Squid source serves
                LEFT JOIN (SELECT source_id, arg_max(addr, n) AS addr FROM source_proxy GROUP BY source_id) lp
                       ON lp.source_id = q.source_id
                LEFT JOIN sg_match m1 ON m1.shid = c.shid AND m1.ghid = c.ghid
                LEFT JOIN pq_match m2 ON m2.qhid = c.qhid AND m2.ehid = coalesce(c.ghid, c.shid)
                """;
}
