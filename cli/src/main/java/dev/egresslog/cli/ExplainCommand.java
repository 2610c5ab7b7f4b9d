package dev.egresslog.cli;

import dev.egresslog.cli.output.OutputValues;
import dev.egresslog.cli.store.Store;
import dev.egresslog.cli.stream.QueryServer;
import dev.egresslog.parser.LineReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Callable;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Shows one tunnel: the raw line of each hop, and the evidence and score of each join.")
final class ExplainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOption database;

    @Parameters(paramLabel = "TUNNEL_ID", description = "A tunnel_id from the tunnels table.")
    String tunnelId;

    @Override
    public Integer call() throws Exception {
        try {
            return QueryServer.run(database.db, spec, false, (c, served) -> explain(c));
        } catch (SQLException e) {
            throw new UserException("database error: " + Store.firstLine(e), ExitCodes.FAILURE);
        }
    }

    private int explain(Connection c) throws SQLException {
        PrintWriter out = spec.commandLine().getOut();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM tunnels WHERE tunnel_id = ?")) {
            ps.setString(1, tunnelId);
            try (ResultSet t = ps.executeQuery()) {
                if (!t.next()) {
                    throw new UserException("no tunnel " + tunnelId + " in " + database.db, ExitCodes.NOT_FOUND);
                }
                out.printf("tunnel %s: %s%s%n", tunnelId, t.getString("status"),
                        t.getObject("score") == null ? "" : String.format(" (score %.3f)", t.getDouble("score")));
                out.printf("  client %s%s -> proxy %s -> target %s%n", t.getString("client_address"),
                        t.getString("pod") == null ? "" : " (pod " + t.getString("pod") + ")",
                        nz(t.getString("proxy_address")),
                        t.getString("connect_host") == null ? "-" : t.getString("connect_host") + ":" + t.getObject("connect_port"));
                out.printf("  start %s, %s ms, %s bytes up, %s bytes down%n", OutputValues.text(QueryCommand.value(t, t.findColumn("start_time"))),
                        nz(t.getObject("duration_ms")), nz(t.getObject("bytes_up")), nz(t.getObject("bytes_down")));
                out.println();
                hop(c, out, "sidecar", "envoy_log", t, "sidecar");
                link(out, "sidecar -> gateway", t, "mesh");
                hop(c, out, "gateway", "envoy_log", t, "gateway");
                link(out, (t.getObject("gateway_line") == null ? "sidecar" : "gateway") + " -> squid", t, "proxy");
                hop(c, out, "squid", "squid_log", t, "squid");
                if (t.getObject("squid_clock_offset_ms") != null && t.getObject("squid_line") != null) {
                    out.printf("  squid clock offset: %+.3f s (removed before comparing times)%n", t.getLong("squid_clock_offset_ms") / 1000.0);
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static String nz(Object v) {
        return v == null ? "-" : v.toString();
    }

    private static void hop(Connection c, PrintWriter out, String name, String table, ResultSet t, String prefix) throws SQLException {
        Object line = t.getObject(prefix + "_line");
        if (line == null) {
            out.printf("%-8s (no line)%n", name);
            return;
        }
        String raw = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT raw FROM " + table + " WHERE source_id = ? AND line = ?")) {
            ps.setInt(1, t.getInt(prefix + "_source_id"));
            ps.setLong(2, t.getLong(prefix + "_line"));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    raw = rs.getString(1);
                }
            }
        }
        String file = t.getString(prefix + "_file");
        if (raw == null) {
            raw = readLine(file, absolutePath(c, t.getInt(prefix + "_source_id")), t.getLong(prefix + "_line"));
        }
        out.printf("%-8s %s:%s%n         %s%n", name, file, line, raw);
    }

    /** Where trace found the input (its path from any directory), or null. */
    private static String absolutePath(Connection c, int sourceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT absolute_path FROM sources WHERE source_id = ?")) {
            ps.setInt(1, sourceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Line {@code number} of the log file, read back (the database keeps line texts only with
     * trace --keep-raw): at the path as given when it is there from here, else where trace found it.
     */
    static String readLine(String file, String absolute, long number) {
        Path path = Path.of(file);
        if (!file.equals("-") && !java.nio.file.Files.isRegularFile(path) && absolute != null) {
            path = Path.of(absolute);
        }
        if (file.equals("-") || !java.nio.file.Files.isRegularFile(path)) {
            return "(the line's text is not stored and " + (file.equals("-") ? "standard input" : file)
                    + " cannot be read again; trace --keep-raw keeps it)";
        }
        try (LineReader reader = LineReader.open(path)) {
            String line;
            while ((line = reader.next()) != null) {
                if (reader.lineNumber() == number) {
                    return line;
                }
            }
        } catch (java.io.IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
        return "(" + file + " has fewer than " + number + " lines now)";
    }

    private static void link(PrintWriter out, String name, ResultSet t, String prefix) throws SQLException {
        if (t.getObject(prefix + "_link_score") == null) {
            out.printf("   |  %s: not joined%n", name);
            return;
        }
        out.printf("   |  %s: key %s, score %.3f; start delta %s ms, bytes delta %s, duration delta %s ms%n", name,
                t.getString(prefix + "_link_key"), t.getDouble(prefix + "_link_score"), t.getObject(prefix + "_start_delta_ms"),
                t.getObject(prefix + "_bytes_delta"), t.getObject(prefix + "_duration_delta_ms"));
    }
}
