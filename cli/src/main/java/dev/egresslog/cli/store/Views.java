package dev.egresslog.cli.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** Views for the questions operators ask; documented in README.md. */
public final class Views {
    static final List<String> VIEWS = List.of(
            """
            CREATE OR REPLACE VIEW main.bypasses AS
            SELECT * FROM main.tunnels WHERE NOT via_gateway AND sidecar_line IS NOT NULL AND squid_line IS NOT NULL""",
            """
            CREATE OR REPLACE VIEW main.denials AS
            SELECT * FROM main.tunnels WHERE status = 'denied'""",
            """
            CREATE OR REPLACE VIEW main.failures_by_hop AS
            SELECT CASE status WHEN 'sidecar_failed' THEN 'sidecar -> gateway'
                               WHEN 'gateway_failed' THEN 'gateway -> squid'
                               WHEN 'upstream_failed' THEN 'squid -> target'
                               WHEN 'denied' THEN 'squid policy' END AS hop,
                   status, count(*) AS tunnels, count(DISTINCT client_ip) AS clients,
                   count(DISTINCT connect_host) AS targets, min(start_time) AS first_seen, max(start_time) AS last_seen
            FROM main.tunnels WHERE status IN ('sidecar_failed', 'gateway_failed', 'upstream_failed', 'denied')
            GROUP BY ALL ORDER BY tunnels DESC""",
            """
            CREATE OR REPLACE VIEW main.per_pod AS
            SELECT coalesce(pod, client_ip) AS pod, namespace, count(*) AS tunnels,
                   count(*) FILTER (WHERE status = 'complete') AS complete,
                   count(*) FILTER (WHERE status NOT IN ('complete', 'partial')) AS problems,
                   sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, sum(duration_ms) AS duration_ms,
                   count(DISTINCT connect_host) AS targets
            FROM main.tunnels WHERE sidecar_line IS NOT NULL OR status = 'non_mesh'
            GROUP BY ALL ORDER BY tunnels DESC""",
            """
            CREATE OR REPLACE VIEW main.per_target AS
            SELECT connect_host, connect_port, count(*) AS tunnels,
                   count(*) FILTER (WHERE status = 'denied') AS denied,
                   count(*) FILTER (WHERE status = 'upstream_failed') AS upstream_failed,
                   sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down,
                   count(DISTINCT coalesce(pod, client_ip)) AS clients
            FROM main.tunnels WHERE connect_host IS NOT NULL
            GROUP BY ALL ORDER BY tunnels DESC""");

    private Views() {
    }

    public static void create(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String view : VIEWS) {
                s.execute(view);
            }
        }
    }
}
