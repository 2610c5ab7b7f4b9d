package dev.egresslog.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egresslog.cli.output.OutputValues;
import dev.egresslog.cli.output.RecordWriter;
import dev.egresslog.cli.store.Store;
import dev.egresslog.cli.stream.QueryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "query", mixinStandardHelpOptions = true,
        description = "Runs SQL on the database (read-only) and prints the result. Tables: tunnels, envoy_log, "
                + "squid_log, rejects, sources; views: bypasses, denials, failures_by_hop, per_pod, per_target.")
final class QueryCommand implements Callable<Integer> {
    enum Format { table, csv, json }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final int MAX_WIDTH = 60;
    /** Table output takes its column widths from this many rows, then streams (as psql's and duckdb's shells do). */
    static final int WIDTH_ROWS = 1_000;

    @Spec
    CommandSpec spec;

    @Mixin
    DatabaseOption database;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES}; json prints one object per row (default: ${DEFAULT-VALUE}).")
    Format format;

    @Parameters(paramLabel = "SQL", description = "The query, e.g. \"SELECT status, count(*) FROM tunnels GROUP BY 1\".")
    String sql;

    @Override
    public Integer call() throws Exception {
        try {
            return QueryServer.run(database.db, spec, true, this::query);
        } catch (SQLException e) {
            throw new UserException("query failed: " + Store.firstLine(e));
        }
    }

    private int query(Connection c, boolean served) throws SQLException, IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (served) {
            oneReadingStatement(c, sql);
        }
        try (Statement s = c.createStatement()) {
            boolean rows = s.execute(sql);
            if (!rows) {
                out.println("ok");
            } else {
                try (ResultSet rs = s.getResultSet()) {
                    switch (format) {
                        case table -> table(rs, out);
                        case csv -> csv(rs, out);
                        case json -> json(rs, out);
                    }
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * A running stream serves queries on its own, writable database (in a read-only transaction):
     * there a query must be one statement that only reads (SELECT, FROM, DESCRIBE, SHOW,
     * SUMMARIZE), so that no COMMIT, ATTACH or SET inside it gets past that transaction.
     */
    static void oneReadingStatement(Connection c, String sql) throws SQLException, IOException {
        String parsed;
        try (PreparedStatement ps = c.prepareStatement("SELECT json_serialize_sql(?::VARCHAR)")) {
            ps.setString(1, sql);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                parsed = rs.getString(1);
            }
        }
        var tree = JSON.readTree(parsed);
        if (tree.path("error").asBoolean(true) || tree.path("statements").size() != 1) {
            String why = tree.path("error").asBoolean(true) ? tree.path("error_message").asText("") : "several statements";
            throw new UserException("a running stream answers one reading statement (SELECT, FROM, DESCRIBE, SHOW, "
                    + "SUMMARIZE) per query" + (why.isEmpty() || why.startsWith("Only SELECT") ? "" : ": " + why));
        }
    }

    static Object value(ResultSet rs, int column) throws SQLException {
        Object v = rs.getObject(column);
        if (v instanceof Timestamp t) {
            return RecordWriter.TIME.format(t.toLocalDateTime().toInstant(java.time.ZoneOffset.UTC));
        }
        if (v instanceof Array array) {
            Object[] items = (Object[]) array.getArray();
            List<String> list = new ArrayList<>();
            for (Object item : items) {
                list.add(String.valueOf(item));
            }
            return list;
        }
        return v;
    }

    /**
     * Aligned columns, their widths taken from the header and the first {@link #WIDTH_ROWS} rows;
     * later rows stream with those widths (a longer value is cut), so memory stays bounded
     * whatever the result's size.
     */
    static void table(ResultSet rs, PrintWriter out) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        List<String[]> first = new ArrayList<>();
        int[] widths = new int[n];
        String[] header = new String[n];
        for (int i = 0; i < n; i++) {
            header[i] = meta.getColumnLabel(i + 1);
            widths[i] = Math.min(MAX_WIDTH, header[i].length());
        }
        boolean more = rs.next();
        while (more && first.size() < WIDTH_ROWS) {
            String[] row = cells(rs, n, MAX_WIDTH);
            for (int i = 0; i < n; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
            first.add(row);
            more = rs.next();
        }
        printRow(out, header, widths);
        String[] rule = new String[n];
        for (int i = 0; i < n; i++) {
            rule[i] = "-".repeat(widths[i]);
        }
        printRow(out, rule, widths);
        for (String[] row : first) {
            printRow(out, row, widths);
        }
        long count = first.size();
        first.clear();
        for (; more; more = rs.next()) {
            String[] row = cells(rs, n, MAX_WIDTH);
            for (int i = 0; i < n; i++) {
                row[i] = cut(row[i], widths[i]);
            }
            printRow(out, row, widths);
            count++;
        }
        out.printf("(%d row%s)%n", count, count == 1 ? "" : "s");
    }

    private static String[] cells(ResultSet rs, int n, int width) throws SQLException {
        String[] row = new String[n];
        for (int i = 0; i < n; i++) {
            row[i] = cut(OutputValues.text(value(rs, i + 1)), width);
        }
        return row;
    }

    private static String cut(String text, int width) {
        return text.length() <= width ? text : width < 4 ? text.substring(0, width) : text.substring(0, width - 3) + "...";
    }

    private static void printRow(PrintWriter out, String[] cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                b.append("  ");
            }
            b.append(String.format("%-" + widths[i] + "s", cells[i]));
        }
        out.println(b.toString().stripTrailing());
    }

    private static void csv(ResultSet rs, PrintWriter out) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        List<String> header = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            header.add(meta.getColumnLabel(i));
        }
        out.println(String.join(",", header));
        while (rs.next()) {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= n; i++) {
                if (i > 1) {
                    b.append(',');
                }
                b.append(OutputValues.csv(value(rs, i)));
            }
            out.println(b);
        }
    }

    private static void json(ResultSet rs, PrintWriter out) throws SQLException, IOException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        JsonGenerator json = new JsonFactory().createGenerator(out);
        json.setRootValueSeparator(null);
        while (rs.next()) {
            json.writeStartObject();
            for (int i = 1; i <= n; i++) {
                json.writeFieldName(meta.getColumnLabel(i));
                OutputValues.json(json, value(rs, i));
            }
            json.writeEndObject();
            json.flush();
            out.println();
        }
    }
}
