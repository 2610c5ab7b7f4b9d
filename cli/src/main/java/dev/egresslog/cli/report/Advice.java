package dev.egresslog.cli.report;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What would make the next trace exact or clearer, each piece backed by a number from the
 * database and silent when the data does not show the problem: Squid logs without the client
 * port, Squid clocks that drift, sidecar lines without pod names, gateway lines missing.
 */
public final class Advice {
    /** A Squid logformat with the client port (%>p) and the rest of the native format, to paste into squid.conf. */
    static final String LOGFORMAT_WITH_PORT = "logformat egresslog %ts.%03tu %6tr %>a:%>p %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt";
    /** Drift worth an NTP fix: 100 ppm is 0.36 s an hour. */
    static final double DRIFT_PPM = 100;
    /** Minutes of joins a drift must be measured over, and how well a line must fit them. */
    static final int DRIFT_MINUTES = 10;
    static final double DRIFT_R2 = 0.8;

    /** Sidecar lines without a gateway line that point at lost lines rather than at a missed join. */
    static final int LOST_MIN = 5;
    static final double LOST_SHARE = 0.005;

    /** One piece of advice: which kind, and what to tell the operator. */
    public record Item(String kind, String text) {
    }

    private Advice() {
    }

    public static List<Item> of(Connection c) throws SQLException {
        List<Item> out = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("""
                    SELECT squid_file, count(*) AS joins, count(*) FILTER (WHERE proxy_link_key NOT LIKE '%port%') AS time_only
                    FROM tunnels WHERE proxy_link_key IS NOT NULL GROUP BY 1 HAVING time_only > 0 ORDER BY 1""")) {
                List<String> squids = new ArrayList<>();
                while (rs.next()) {
                    squids.add(String.format("%s %,d of %,d", rs.getString(1), rs.getLong(3), rs.getLong(2)));
                }
                if (!squids.isEmpty()) {
                    out.add(new Item("squid-port", String.format("Tunnels joined to Squid lines on time and bytes alone (%s). Log "
                                    + "the client port and those joins become exact: in squid.conf, '%s' and 'access_log "
                                    + "daemon:/var/log/squid/access.log egresslog'; then trace with --squid-logformat '%s'.",
                            String.join("; ", squids), LOGFORMAT_WITH_PORT, LOGFORMAT_WITH_PORT)));
                }
            }
            // each Squid's offset as its joins measure it (the offset used plus what was left), a median per
            // minute, and a line through those: its slope is the drift
            try (ResultSet rs = s.executeQuery("""
                    WITH m AS (SELECT squid_file, epoch_ms(start_time) // 60000 AS minute,
                                      median(squid_clock_offset_ms + proxy_start_delta_ms) AS offset_ms
                               FROM tunnels WHERE proxy_link_key IS NOT NULL AND squid_clock_offset_ms IS NOT NULL
                                 AND proxy_start_delta_ms IS NOT NULL GROUP BY ALL)
                    SELECT squid_file, regr_slope(offset_ms, minute * 60000) * 1e6 AS ppm, regr_r2(offset_ms, minute * 60000) AS r2,
                           max(minute) - min(minute) AS minutes
                    FROM m GROUP BY 1 HAVING count(*) >= %d ORDER BY 1""".formatted(DRIFT_MINUTES))) {
                while (rs.next()) {
                    double ppm = rs.getDouble(2);
                    if (Math.abs(ppm) >= DRIFT_PPM && rs.getDouble(3) >= DRIFT_R2 && rs.getLong(4) >= DRIFT_MINUTES) {
                        out.add(new Item("squid-drift", String.format("%s: its clock drifts %.0f ppm against the mesh (%.1f s an "
                                        + "hour, running %s), measured over %d minutes of joins. Keep it in time with NTP (chrony), so "
                                        + "that one offset fits it and the join window stays narrow.",
                                rs.getString(1), Math.abs(ppm), Math.abs(ppm) * 3.6e-3, ppm < 0 ? "slow" : "fast", rs.getLong(4))));
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT count(*) FILTER (WHERE pod IS NULL), count(*), min(sidecar_file) FILTER (WHERE pod IS NULL)
                    FROM tunnels WHERE sidecar_line IS NOT NULL""")) {
                rs.next();
                long unnamed = rs.getLong(1);
                if (unnamed > 0) {
                    out.add(new Item("pod-names", String.format("%,d of %,d mesh tunnels (%.1f %%) have no pod name: their sidecar "
                                    + "lines name no pod (such as %s). Give 'trace --pods pods.json' with 'kubectl get pods -A -o json > "
                                    + "pods.json' taken while they run, or copy the logs off the nodes as /var/log/pods/NS_POD_UID/"
                                    + "istio-proxy/N.log, or ship them with Fluent Bit's kubernetes filter, or use 'kubectl logs --prefix'.",
                            unnamed, rs.getLong(2), 100.0 * unnamed / rs.getLong(2), rs.getString(3))));
                }
            }
            // a few such rows are joins missed (a client abort behind SNAT changes the counts the join
            // needs); more than half a percent of the mesh tunnels means lines are missing
            try (ResultSet rs = s.executeQuery("""
                    SELECT count(*) FILTER (WHERE gateway_line IS NULL AND status = 'partial'),
                           min(start_time) FILTER (WHERE gateway_line IS NULL AND status = 'partial'),
                           max(start_time) FILTER (WHERE gateway_line IS NULL AND status = 'partial'), count(*)
                    FROM tunnels WHERE sidecar_line IS NOT NULL""")) {
                rs.next();
                long missing = rs.getLong(1);
                if (missing >= LOST_MIN && missing > LOST_SHARE * rs.getLong(4)) {
                    out.add(new Item("lost-lines", String.format("%,d sidecar connections to an egress gateway have no gateway line "
                                    + "(between %s and %s), and their sidecars saw no failure: gateway lines are missing. Were the "
                                    + "logs of every gateway pod given, for the whole span (rotated files too)?",
                            missing, rs.getTimestamp(2).toLocalDateTime() + "Z", rs.getTimestamp(3).toLocalDateTime() + "Z")));
                }
            }
        }
        return out;
    }
}
