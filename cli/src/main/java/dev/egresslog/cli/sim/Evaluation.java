package dev.egresslog.cli.sim;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores the tunnels table against a simulation's truth: a tunnel is right when its row holds
 * exactly the lines the truth says belong together; a link (sidecar–gateway, upstream hop–Squid)
 * is right when both lines are in one row and the truth joins them.
 */
public final class Evaluation {
    /** Counts for one status or link kind. */
    public static final class Score {
        public long truth;
        public long predicted;
        public long correct;
        public long statusAgrees;
        /** Truth tunnels whose lines have no indistinguishable twin under perfect clocks: the most a join can get right. */
        public long achievable;

        /** Recall's ceiling: the share of the truth that is not ambiguous. */
        public double ceiling() {
            return truth == 0 ? 1 : (double) achievable / truth;
        }

        public double precision() {
            return predicted == 0 ? 1 : (double) correct / predicted;
        }

        public double recall() {
            return truth == 0 ? 1 : (double) correct / truth;
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    /** Per-status scores of full tunnels (no line lost), all tunnels, and links. */
    public record Report(Map<String, Score> fullByStatus, Score full, Score all, Map<String, Score> links) {
    }

    private Evaluation() {
    }

    /**
     * Computed in SQL over the database and the truth file, so that memory stays bounded
     * whatever the simulation's size.
     *
     * @param simDir the simulation's output directory, holding truth.jsonl
     * @param prefix what the tunnels' file names start with before the simulation's own paths
     *               (the log directory as given to trace, with a trailing slash)
     */
    public static Report evaluate(Path simDir, String prefix, Connection db) throws IOException, SQLException {
        String truthFile = simDir.resolve("truth.jsonl").toAbsolutePath().toString().replace("'", "''");
        String strip = prefix.replace("'", "''");
        String sql = """
                WITH truth AS (
                       SELECT * FROM read_json('%1$s', format = 'newline_delimited',
                           columns = {id: 'BIGINT', status: 'VARCHAR', sidecar: 'VARCHAR', gateway: 'VARCHAR', squid: 'VARCHAR',
                                      q_key: 'VARCHAR', q_t0: 'BIGINT', q_el: 'BIGINT', g_key: 'VARCHAR', g_t0: 'BIGINT', g_dur: 'BIGINT'})
                       WHERE coalesce(sidecar, gateway, squid) IS NOT NULL),
                     -- tunnels with a line that has an indistinguishable twin within 5 ms under perfect clocks:
                     -- a Squid line with the same client, bytes and result, or (behind SNAT) a gateway line
                     -- with the same bytes
                     ambiguous AS (
                       SELECT a.id FROM truth a JOIN truth b ON a.q_key = b.q_key AND a.id <> b.id
                       WHERE abs(a.q_t0 - b.q_t0) <= 5 AND abs(a.q_el - b.q_el) <= 5
                       UNION
                       SELECT a.id FROM truth a JOIN truth b ON a.g_key = b.g_key AND a.id <> b.id
                       WHERE abs(a.g_t0 - b.g_t0) <= 5 AND abs(a.g_dur - b.g_dur) <= 5),
                     t AS (
                       SELECT *, CASE status
                                   WHEN 'complete' THEN sidecar IS NOT NULL AND gateway IS NOT NULL AND squid IS NOT NULL
                                   WHEN 'upstream_failed' THEN sidecar IS NOT NULL AND gateway IS NOT NULL AND squid IS NOT NULL
                                   WHEN 'denied' THEN sidecar IS NOT NULL AND squid IS NOT NULL
                                   WHEN 'bypass' THEN sidecar IS NOT NULL AND squid IS NOT NULL
                                   WHEN 'gateway_failed' THEN sidecar IS NOT NULL AND gateway IS NOT NULL
                                   WHEN 'sidecar_failed' THEN sidecar IS NOT NULL
                                   WHEN 'non_mesh' THEN squid IS NOT NULL
                                   ELSE false END AS is_full
                       FROM truth),
                     refs AS (
                       SELECT id, sidecar AS ref FROM t WHERE sidecar IS NOT NULL
                       UNION ALL SELECT id, gateway FROM t WHERE gateway IS NOT NULL
                       UNION ALL SELECT id, squid FROM t WHERE squid IS NOT NULL),
                     r AS (
                       SELECT status,
                              CASE WHEN sidecar_file IS NULL THEN NULL ELSE replace(sidecar_file, '%2$s', '') || ':' || sidecar_line END AS s,
                              CASE WHEN gateway_file IS NULL THEN NULL ELSE replace(gateway_file, '%2$s', '') || ':' || gateway_line END AS g,
                              CASE WHEN squid_file IS NULL THEN NULL ELSE replace(squid_file, '%2$s', '') || ':' || squid_line END AS q
                       FROM tunnels),
                     owned AS (
                       SELECT r.*, t.status AS tstatus, t.is_full, t.sidecar, t.gateway, t.squid,
                              t.sidecar IS NOT DISTINCT FROM r.s AND t.gateway IS NOT DISTINCT FROM r.g
                                  AND t.squid IS NOT DISTINCT FROM r.q AS exact
                       FROM r JOIN refs x ON x.ref = coalesce(r.s, r.g, r.q) JOIN t ON t.id = x.id)
                SELECT 'full' AS kind, status AS name, count(*) AS truth, 0 AS predicted, 0 AS correct, 0 AS agrees FROM t WHERE is_full GROUP BY status
                UNION ALL SELECT 'full', tstatus, 0, count(*), count(*) FILTER (WHERE exact),
                       count(*) FILTER (WHERE exact AND status = tstatus) FROM owned WHERE is_full GROUP BY tstatus
                UNION ALL SELECT 'ceiling', status, count(*), 0, 0, 0 FROM t WHERE is_full AND id NOT IN (SELECT id FROM ambiguous)
                          GROUP BY status
                UNION ALL SELECT 'all', 'all', count(*), 0, 0, 0 FROM t
                UNION ALL SELECT 'all', 'all', 0, count(*), count(*) FILTER (WHERE exact), 0 FROM owned
                UNION ALL SELECT 'link', 'sidecar-gateway', count(*), 0, 0, 0 FROM t WHERE sidecar IS NOT NULL AND gateway IS NOT NULL
                UNION ALL SELECT 'link', 'sidecar-gateway', 0, count(*), count(*) FILTER (WHERE sidecar = s AND gateway = g), 0
                          FROM owned WHERE s IS NOT NULL AND g IS NOT NULL
                UNION ALL SELECT 'link', 'upstream-squid', count(*), 0, 0, 0 FROM t
                          WHERE squid IS NOT NULL AND (gateway IS NOT NULL OR sidecar IS NOT NULL AND status IN ('bypass', 'denied'))
                UNION ALL SELECT 'link', 'upstream-squid', 0, count(*),
                          count(*) FILTER (WHERE squid = q AND coalesce(gateway, sidecar) = coalesce(g, s)), 0
                          FROM owned WHERE q IS NOT NULL AND coalesce(g, s) IS NOT NULL
                """.formatted(truthFile, strip);
        Map<String, Score> fullByStatus = new TreeMap<>();
        Score full = new Score();
        Score all = new Score();
        Map<String, Score> links = new TreeMap<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String kind = rs.getString(1);
                if (kind.equals("ceiling")) {
                    fullByStatus.computeIfAbsent(rs.getString(2), k -> new Score()).achievable += rs.getLong(3);
                    continue;
                }
                Score score = switch (kind) {
                    case "full" -> fullByStatus.computeIfAbsent(rs.getString(2), k -> new Score());
                    case "all" -> all;
                    default -> links.computeIfAbsent(rs.getString(2), k -> new Score());
                };
                score.truth += rs.getLong(3);
                score.predicted += rs.getLong(4);
                score.correct += rs.getLong(5);
                score.statusAgrees += rs.getLong(6);
            }
        }
        for (Score s : fullByStatus.values()) {
            full.truth += s.truth;
            full.predicted += s.predicted;
            full.correct += s.correct;
            full.statusAgrees += s.statusAgrees;
            full.achievable += s.achievable;
        }
        return new Report(fullByStatus, full, all, links);
    }

    /** The report as a table. */
    public static String format(Report report) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-22s %9s %9s %9s %9s %9s %9s %9s%n", "full tunnels", "truth", "rows", "correct", "precision",
                "recall", "F1", "ceiling"));
        for (Map.Entry<String, Score> e : report.fullByStatus().entrySet()) {
            row(b, "  " + e.getKey(), e.getValue(), true);
        }
        row(b, "  all full tunnels", report.full(), true);
        row(b, "every tunnel (lost lines incl.)", report.all(), false);
        b.append(String.format("%-22s%n", "links"));
        for (Map.Entry<String, Score> e : report.links().entrySet()) {
            row(b, "  " + e.getKey(), e.getValue(), false);
        }
        b.append("ceiling: the share of full tunnels none of whose lines has a twin (same key, start and duration within 5 ms\n"
                + "under perfect clocks): what a join can be sure of; a guess among twins is right by chance only\n");
        if (report.full().correct > 0) {
            b.append(String.format("status agrees on %.4f of the correct full tunnels%n",
                    (double) report.full().statusAgrees / report.full().correct));
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Score s, boolean withCeiling) {
        b.append(String.format("%-22s %9d %9d %9d %9.4f %9.4f %9.4f%s%n", name, s.truth, s.predicted, s.correct, s.precision(),
                s.recall(), s.f1(), withCeiling ? String.format(" %9.4f", s.ceiling()) : ""));
    }
}
