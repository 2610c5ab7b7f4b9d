package dev.egresslog.cli.store;

import dev.egresslog.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace's rows are the same however they are built: in one slice, or in many small slices, each
 * inserted in several statements, whose lines are read from the log tables (how 1 M tunnels are
 * built) or copied from them a group of slices at a time (how 10 M tunnels are built).
 */
class SlicedBuildTest {
    private static final Path SAMPLES = Path.of(System.getProperty("egresslog.root", "..")).resolve("sample-logs");

    @Test
    void manySlicesInGroupsMakeTheSameRowsAsOne(@TempDir Path dir) throws Exception {
        // more slices of 5 rows than GROUPED_ABOVE groups of 2 hold, so that they are copied in groups
        long rows = sameRowsAsOne(dir, 2);
        assertTrue(rows / 5 > Correlation.GROUPED_ABOVE * 2 * 2, "enough rows for many groups of slices: " + rows);
    }

    @Test
    void manySlicesReadFromTheLogTablesMakeTheSameRowsAsOne(@TempDir Path dir) throws Exception {
        // fewer slices than GROUPED_ABOVE groups of 1,000 hold: each slice reads the log tables
        long rows = sameRowsAsOne(dir, 1_000);
        assertTrue(rows / 5 <= Correlation.GROUPED_ABOVE * 1_000, "few enough rows for slices alone: " + rows);
    }

    /** Traces the sample logs in one slice and in slices of 5 rows, inserted 2 at a time, in groups of {@code group}. */
    private static long sameRowsAsOne(Path dir, int group) throws Exception {
        Path whole = dir.resolve("whole.duckdb");
        Path sliced = dir.resolve("sliced.duckdb");
        trace(whole);
        long savedRows = Correlation.sliceRows;
        long savedInsert = Correlation.insertRows;
        int savedGroup = Correlation.slicesPerGroup;
        try {
            Correlation.sliceRows = 5;
            Correlation.insertRows = 2;
            Correlation.slicesPerGroup = group;
            trace(sliced);
        } finally {
            Correlation.sliceRows = savedRows;
            Correlation.insertRows = savedInsert;
            Correlation.slicesPerGroup = savedGroup;
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("ATTACH '" + whole + "' AS a (READ_ONLY)");
            s.execute("ATTACH '" + sliced + "' AS b (READ_ONLY)");
            long rows = count(s, "SELECT count(*) FROM a.tunnels");
            assertTrue(rows > 100, "rows: " + rows);
            assertEquals(rows, count(s, "SELECT count(*) FROM b.tunnels"));
            assertEquals(0, count(s, "SELECT count(*) FROM (SELECT * FROM a.tunnels EXCEPT ALL SELECT * FROM b.tunnels)"));
            assertEquals(0, count(s, "SELECT count(*) FROM (SELECT * FROM b.tunnels EXCEPT ALL SELECT * FROM a.tunnels)"));
            return rows;
        }
    }

    private static void trace(Path db) {
        var cli = Main.createCommandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(0, cli.execute("trace", "--db", db.toString(), SAMPLES.toString()), err.toString());
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
