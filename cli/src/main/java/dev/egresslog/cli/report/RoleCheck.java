package dev.egresslog.cli.report;

import dev.egresslog.cli.store.Store;

import java.io.PrintWriter;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * After a trace: inputs whose role was forced (--sidecar, --gateway, --squid) against what their
 * lines are. An Envoy log forced to be Squid's joins nothing, and Squid lines in an input forced
 * to be Envoy's contradict it: such a run says so on stderr, loudly, with the numbers.
 */
public final class RoleCheck {
    private RoleCheck() {
    }

    /** Prints one warning per contradicted input; returns how many. */
    public static int warn(Store store, PrintWriter err) throws SQLException {
        int warnings = 0;
        try (Statement s = store.connection().createStatement();
             ResultSet forced = s.executeQuery("SELECT count(*) FROM sources WHERE forced_role IS NOT NULL")) {
            forced.next();
            if (forced.getLong(1) == 0) {
                return 0; // the usual case: no need to count the lines of every source
            }
        }
        try (Statement s = store.connection().createStatement(); ResultSet rs = s.executeQuery("""
                WITH envoy AS (SELECT source_id, count(*) AS n FROM envoy_log GROUP BY ALL),
                     squid AS (SELECT source_id, count(*) AS n FROM squid_log GROUP BY ALL),
                     in_rows AS (SELECT sidecar_source_id AS source_id, count(*) AS n FROM tunnels
                                 WHERE sidecar_source_id IS NOT NULL GROUP BY ALL
                                 UNION ALL
                                 SELECT gateway_source_id, count(*) FROM tunnels WHERE gateway_source_id IS NOT NULL GROUP BY ALL)
                SELECT s.path, s.forced_role, coalesce(e.n, 0) AS envoy, coalesce(q.n, 0) AS squid,
                       coalesce((SELECT sum(n) FROM in_rows r WHERE r.source_id = s.source_id), 0) AS joined
                FROM sources s LEFT JOIN envoy e USING (source_id) LEFT JOIN squid q USING (source_id)
                WHERE s.forced_role IS NOT NULL
                  AND ((s.forced_role = 'squid' AND coalesce(e.n, 0) > 0)
                       OR (s.forced_role IN ('sidecar', 'gateway') AND coalesce(q.n, 0) > 0))
                ORDER BY s.path""")) {
            while (rs.next()) {
                warnings++;
                String path = rs.getString(1);
                String role = rs.getString(2);
                long envoy = rs.getLong(3);
                long squid = rs.getLong(4);
                if (role.equals("squid")) {
                    err.printf("egresslog trace: WARNING: --squid %s, but it holds %,d Envoy lines (and %,d Squid lines): "
                                    + "an Envoy line in a Squid log joins no tunnel (%,d are in tunnel rows). "
                                    + "Give it as --sidecar or --gateway, or without a role to have it found.%n",
                            path, envoy, squid, rs.getLong(5));
                } else {
                    err.printf("egresslog trace: WARNING: --%s %s, but it holds %,d Squid lines (and %,d Envoy lines): "
                                    + "they are read as Squid's. Give it as --squid, or without a role to have it found.%n",
                            role, path, squid, envoy);
                }
            }
        }
        err.flush();
        return warnings;
    }
}
