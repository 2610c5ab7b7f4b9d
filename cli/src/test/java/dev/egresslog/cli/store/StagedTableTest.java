package dev.egresslog.cli.store;

import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StagedTableTest {
    @TempDir
    Path tmp;

    private static final List<StagedTable.Column> COLUMNS = List.of(
            new StagedTable.Column("id", "INTEGER"), new StagedTable.Column("a", "VARCHAR"),
            new StagedTable.Column("n", "BIGINT"), new StagedTable.Column("ts", "TIMESTAMP"),
            new StagedTable.Column("b", "VARCHAR"), new StagedTable.Column("ok", "BOOLEAN"),
            new StagedTable.Column("c", "VARCHAR"));

    @Test
    void everyValueComesBackAsAppended() throws Exception {
        // NULL, empty, the packing characters themselves, long and non-ASCII strings
        Object[][] rows = {
                {1, "plain", 5L, 1_700_000_000_123L, null, true, ""},
                {2, "", null, null, "x\u001fy", false, "\u001e"},
                {3, null, -1L, 0L, "ünïcode ✓ and a longer value than twelve bytes", null, null},
                {4, "\u001e", 7L, 1L, "", true, "tail"},
        };
        try (DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + tmp.resolve("t.duckdb"))) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id INTEGER, a VARCHAR, n BIGINT, ts TIMESTAMP, b VARCHAR, ok BOOLEAN, c VARCHAR)");
            }
            c.setAutoCommit(false);
            try (StagedTable table = new StagedTable(c, "t", COLUMNS)) {
                for (Object[] row : rows) {
                    table.append(row);
                }
            }
            c.commit();
            List<List<Object>> stored = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, a, n, epoch_ms(ts), b, ok, c FROM t ORDER BY id")) {
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= 7; i++) {
                        Object v = rs.getObject(i);
                        row.add(v instanceof Number n && !(v instanceof Integer) ? (Object) n.longValue() : v);
                    }
                    stored.add(row);
                }
            }
            List<List<Object>> expected = Arrays.stream(rows).map(Arrays::asList).toList();
            assertEquals(expected, stored);
        }
    }
}
