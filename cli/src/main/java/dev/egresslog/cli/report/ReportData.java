package dev.egresslog.cli.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * What the report shows, aggregated in SQL so that the page stays small whatever the number of
 * tunnels: series per time bucket, distributions in power-of-two buckets, top lists and tables
 * capped in rows. Reads only the documented tables and views.
 */
public final class ReportData {
    /** Rows at most in a table of the page (denials, bypasses, top lists). */
    static final int TABLE_ROWS = 200;
    /** Time buckets at most in a series: the bucket grows with the span (a minute, 5, 15, an hour, a day). */
    static final int MAX_BUCKETS = 1_500;

    private final Connection c;
    /** The span's condition on start_time, with its bounds as literals (they are parsed times, never text). */
    private final String where;

    /**
     * @param from epoch ms or null: only tunnels that start at or after it
     * @param to   epoch ms or null: only tunnels that start before it
     */
    public ReportData(Connection c, Long from, Long to) {
        this.c = c;
        List<String> bounds = new ArrayList<>();
        if (from != null) {
            bounds.add("start_time >= " + literal(from));
        }
        if (to != null) {
            bounds.add("start_time < " + literal(to));
        }
        where = bounds.isEmpty() ? "true" : String.join(" AND ", bounds);
    }

    private static String literal(long epochMs) {
        return "TIMESTAMP '" + java.time.LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(epochMs), java.time.ZoneOffset.UTC) + "'";
    }

    /** Everything the page draws, as one JSON object. */
    public ObjectNode collect() throws SQLException {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        ObjectNode span = rows("SELECT count(*) AS tunnels, epoch_ms(min(start_time)) AS first_ms, epoch_ms(max(start_time)) AS last_ms "
                + "FROM tunnels WHERE " + where).get(0).deepCopy();
        d.set("span", span);
        long first = span.path("first_ms").asLong(0);
        long last = span.path("last_ms").asLong(0);
        long bucket = bucketSeconds(first, last);
        d.put("bucket_seconds", bucket);
        d.set("by_status", rows("SELECT status, count(*) AS n FROM tunnels WHERE " + where + " GROUP BY ALL ORDER BY n DESC"));
        d.set("per_bucket", rows("""
                SELECT (epoch(start_time)::BIGINT // %1$d) * %1$d AS t, status, count(*) AS n
                FROM tunnels WHERE %2$s GROUP BY ALL ORDER BY t""".formatted(bucket, where)));
        d.set("top_pods", rows("""
                SELECT coalesce(pod, client_ip) AS client, any_value(namespace) AS namespace, count(*) AS tunnels,
                       sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down,
                       count(*) FILTER (WHERE status = 'denied') AS denied,
                       count(*) FILTER (WHERE status LIKE '%%failed') AS failed
                FROM tunnels WHERE (sidecar_line IS NOT NULL OR status = 'non_mesh') AND %s
                GROUP BY 1 ORDER BY tunnels DESC, client LIMIT %d""".formatted(where, TABLE_ROWS)));
        d.set("top_targets", rows("""
                SELECT connect_host || ':' || connect_port AS target, count(*) AS tunnels, sum(bytes_up) AS bytes_up,
                       sum(bytes_down) AS bytes_down, count(*) FILTER (WHERE status = 'denied') AS denied,
                       count(*) FILTER (WHERE status LIKE '%%failed') AS failed
                FROM tunnels WHERE connect_host IS NOT NULL AND %s
                GROUP BY 1 ORDER BY tunnels DESC, target LIMIT %d""".formatted(where, TABLE_ROWS)));
        // power-of-two buckets: 2^k ms, 2^k bytes
        d.set("durations", rows("""
                SELECT status, floor(log2(greatest(duration_ms, 1)))::INTEGER AS k, count(*) AS n
                FROM tunnels WHERE duration_ms IS NOT NULL AND %s GROUP BY ALL ORDER BY k""".formatted(where)));
        d.set("bytes", rows("""
                SELECT status, floor(log2(greatest(coalesce(bytes_down, 0), 1)))::INTEGER AS k, count(*) AS n
                FROM tunnels WHERE %s GROUP BY ALL ORDER BY k""".formatted(where)));
        d.set("squid_offsets", rows("""
                SELECT squid_file AS squid, (epoch(start_time)::BIGINT // %1$d) * %1$d AS t,
                       median(squid_clock_offset_ms)::BIGINT AS offset_ms, count(*) AS joins
                FROM tunnels WHERE squid_line IS NOT NULL AND squid_clock_offset_ms IS NOT NULL AND proxy_link_key IS NOT NULL AND %2$s
                GROUP BY ALL ORDER BY squid, t""".formatted(bucket, where)));
        d.set("scores", rows("""
                SELECT 'sidecar-gateway: ' || mesh_link_key AS kind, floor(mesh_link_score * 20)::INTEGER AS b, count(*) AS n
                FROM tunnels WHERE mesh_link_key IS NOT NULL AND %1$s GROUP BY ALL
                UNION ALL
                SELECT 'hop-squid: ' || proxy_link_key, floor(proxy_link_score * 20)::INTEGER, count(*)
                FROM tunnels WHERE proxy_link_key IS NOT NULL AND %1$s GROUP BY ALL ORDER BY 1, 2""".formatted(where)));
        d.set("proxy_keys", rows("""
                SELECT proxy_link_key AS key, count(*) AS n, proxy_link_key NOT LIKE '%%port%%' AS without_port
                FROM tunnels WHERE proxy_link_key IS NOT NULL AND %s GROUP BY ALL ORDER BY n DESC""".formatted(where)));
        d.set("denials", rows("""
                SELECT coalesce(pod, client_ip) AS client, connect_host || ':' || connect_port AS target, count(*) AS n,
                       min(start_time) AS first_seen, max(start_time) AS last_seen, min(tunnel_id) AS tunnel_id
                FROM tunnels WHERE status = 'denied' AND %s GROUP BY 1, 2 ORDER BY n DESC, client, target LIMIT %d"""
                .formatted(where, TABLE_ROWS)));
        ArrayNode advice = d.putArray("advice");
        for (Advice.Item item : Advice.of(c)) {
            advice.addObject().put("kind", item.kind()).put("text", item.text());
        }
        d.set("bypasses", rows("""
                SELECT coalesce(pod, client_ip) AS client, proxy_address, connect_host || ':' || connect_port AS target,
                       start_time, tunnel_id
                FROM tunnels WHERE status = 'bypass' AND %s ORDER BY start_time LIMIT %d""".formatted(where, TABLE_ROWS)));
        return d;
    }

    /** The smallest of 1 min, 5 min, 15 min, 1 h, 6 h, 1 day that keeps the series within MAX_BUCKETS. */
    static long bucketSeconds(long firstMs, long lastMs) {
        long span = Math.max(0, lastMs - firstMs) / 1000;
        for (long b : new long[] {60, 300, 900, 3_600, 21_600}) {
            if (span / b < MAX_BUCKETS) {
                return b;
            }
        }
        return 86_400;
    }

    private ArrayNode rows(String sql) throws SQLException {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(sql)) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    ObjectNode row = out.addObject();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        String name = meta.getColumnLabel(i);
                        Object v = rs.getObject(i);
                        if (v == null) {
                            row.putNull(name);
                        } else if (v instanceof Timestamp t) {
                            row.put(name, t.toLocalDateTime().toInstant(java.time.ZoneOffset.UTC).toString());
                        } else if (v instanceof Boolean b) {
                            row.put(name, b);
                        } else if (v instanceof Number num && meta.getColumnType(i) != Types.VARCHAR) {
                            row.put(name, num instanceof Double || num instanceof Float ? num.doubleValue() : num.longValue());
                        } else {
                            row.put(name, v.toString());
                        }
                    }
                }
            }
        }
        return out;
    }
}
