package dev.egresslog.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.egresslog.cli.ParseCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `egresslog query`: it sees the database and nothing else, and its table output streams. */
class QueryCommandTest {
    @TempDir
    static Path dir;

    static Path tracedDb() throws Exception {
        Path db = dir.resolve("q.duckdb");
        if (!Files.exists(db)) {
            TraceCommandTest.writeSeedLogs(dir);
            ParseCommandTest.Run run = run("trace", "--db", db.toString(), dir.resolve("sidecar.log").toString(),
                    dir.resolve("gateway.log").toString(), dir.resolve("access.log").toString());
            assertEquals(0, run.exit(), run.err());
        }
        return db;
    }

    /** Statements that would write or read files, attach databases, or undo the guards. */
    @ParameterizedTest
    @ValueSource(strings = {
            "COPY (SELECT 42) TO '%DB%' (FORMAT csv)",
            "COPY (SELECT 42) TO '%DIR%/out.csv' (FORMAT csv)",
            "EXPORT DATABASE '%DIR%/export'",
            "ATTACH '%DIR%/other.duckdb' (READ_WRITE)",
            "SELECT * FROM read_text('/etc/hostname')",
            "SELECT * FROM read_blob('/etc/hostname')",
            "SELECT * FROM glob('/etc/*')",
            "SELECT * FROM read_csv('/etc/hostname')",
            "INSTALL httpfs",
            "SET enable_external_access = true",
            "DROP TABLE tunnels",
            "DELETE FROM envoy_log"})
    void seesTheDatabaseAndNothingElse(String statement) throws Exception {
        Path db = tracedDb();
        byte[] before = Files.readAllBytes(db);
        List<Path> filesBefore;
        try (Stream<Path> s = Files.list(dir)) {
            filesBefore = s.sorted().toList();
        }
        String sql = statement.replace("%DB%", db.toString()).replace("%DIR%", dir.toString());
        ParseCommandTest.Run run = run("query", "--db", db.toString(), sql);
        assertEquals(ExitCodes.USAGE, run.exit(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("egresslog query: query failed: "), run.err());
        assertArrayEquals(before, Files.readAllBytes(db));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(filesBefore, s.sorted().toList());
        }
        assertFalse(run.out().contains("root:"), run.out());
        assertEquals(0, run("query", "--db", db.toString(), "SELECT count(*) FROM tunnels").exit());
    }

    @Test
    void tableOutputTakesWidthsFromTheFirstRowsAndStreamsTheRest() throws Exception {
        Path db = tracedDb();
        int n = QueryCommand.WIDTH_ROWS + 500;
        // the first rows are short; later ones are longer than the widths and are cut
        ParseCommandTest.Run run = run("query", "--db", db.toString(),
                "SELECT i, CASE WHEN i <= " + QueryCommand.WIDTH_ROWS + " THEN 'ab' ELSE 'abcdefghij' END AS v FROM range(1, "
                        + (n + 1) + ") t(i)");
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(n + 3, lines.size());
        assertEquals("(" + n + " rows)", lines.get(lines.size() - 1));
        int width = lines.get(2).length();
        assertEquals(width, lines.get(2 + QueryCommand.WIDTH_ROWS - 1).length());
        assertEquals(width, lines.get(2 + n - 1).length(), lines.get(2 + n - 1));
        assertTrue(lines.get(2 + n - 1).endsWith("ab"), lines.get(2 + n - 1));
    }
}
