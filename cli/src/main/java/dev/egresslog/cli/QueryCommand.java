package dev.egresslog.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.egresslog.cli.store.Store;
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

    private static final int MAX_WIDTH = 60;

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
        PrintWriter out = spec.commandLine().getOut();
        Integer served = QueryServer.forward(database.db, spec);
        if (served != null) {
            return served;
        }
        try (Connection c = QueryServer.readConnection(database.db); Statement s = c.createStatement()) {
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
        } catch (SQLException e) {
            throw new UserException("query failed: " + Store.firstLine(e));
        }
        out.flush();
        return ExitCodes.OK;
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

    private static void table(ResultSet rs, PrintWriter out) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        int n = meta.getColumnCount();
        List<String[]> rows = new ArrayList<>();
        int[] widths = new int[n];
        String[] header = new String[n];
        for (int i = 0; i < n; i++) {
            header[i] = meta.getColumnLabel(i + 1);
            widths[i] = Math.min(MAX_WIDTH, header[i].length());
        }
        while (rs.next()) {
            String[] row = new String[n];
            for (int i = 0; i < n; i++) {
                String t = OutputValues.text(value(rs, i + 1));
                row[i] = t.length() > MAX_WIDTH ? t.substring(0, MAX_WIDTH - 3) + "..." : t;
                widths[i] = Math.max(widths[i], row[i].length());
            }
            rows.add(row);
        }
        printRow(out, header, widths);
        String[] rule = new String[n];
        for (int i = 0; i < n; i++) {
            rule[i] = "-".repeat(widths[i]);
        }
        printRow(out, rule, widths);
        for (String[] row : rows) {
            printRow(out, row, widths);
        }
        out.printf("(%d row%s)%n", rows.size(), rows.size() == 1 ? "" : "s");
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
