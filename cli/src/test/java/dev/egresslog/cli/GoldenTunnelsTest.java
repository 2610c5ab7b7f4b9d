package dev.egresslog.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.egresslog.cli.ParseCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tunnels of sample-logs/ as a golden file: each row's status and the lines of its hops. A
 * change to the joins shows here line by line; when it is meant, regenerate the file with
 * EGRESSLOG_REGENERATE_GOLDEN=1 and review its diff (as Spark's SQL golden files are kept).
 */
class GoldenTunnelsTest {
    static final Path GOLDEN = Path.of(System.getProperty("egresslog.root", "..")).resolve("cli/src/test/resources/golden/sample-logs-tunnels.txt");

    @Test
    void theTunnelsOfTheSampleLogsAreTheGoldenOnes(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("golden.duckdb");
        ParseCommandTest.Run trace = run("trace", "--db", db.toString(), ParseCommandTest.SAMPLES.toString());
        assertEquals(0, trace.exit(), trace.err());
        Path samples = ParseCommandTest.SAMPLES;
        Set<String> rows = StreamKafkaTest.tunnels(db, (source, line) -> samples.relativize(Path.of(source)) + ":" + line);
        List<String> actual = new ArrayList<>(new TreeSet<>(rows));
        if (System.getenv("EGRESSLOG_REGENERATE_GOLDEN") != null) {
            Files.write(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(GOLDEN), "no golden file: run once with EGRESSLOG_REGENERATE_GOLDEN=1");
        List<String> golden = Files.readAllLines(GOLDEN, StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>(golden);
        missing.removeAll(actual);
        List<String> extra = new ArrayList<>(actual);
        extra.removeAll(golden);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "rows the golden file has and trace did not make: " + missing
                + "\nrows trace made that the golden file does not have: " + extra
                + "\n(meant? regenerate with EGRESSLOG_REGENERATE_GOLDEN=1 and review the diff)");
    }
}
