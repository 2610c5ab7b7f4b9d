package dev.egresslog.cli.store;

import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.ParsedLine;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/** Test help: files parsed line by line and appended to a store, each file a source of its own. */
final class AppendedFiles {
    /** What a test keeps of each line appended: its source id, its text, the parser's result. */
    interface Line {
        void accept(int sourceId, String raw, ParsedLine parsed);
    }

    private AppendedFiles() {
    }

    /** Appends every line of {@code files} through {@code appender} (one source each), telling {@code seen} of each. */
    static void append(Store store, Store.LogAppender appender, List<Path> files, Line seen) throws Exception {
        int fingerprint = 0;
        for (Path file : files) {
            int id = store.addSource(file.toString(), null, "fp" + (++fingerprint), "h", 0, null);
            try (LineReader reader = LineReader.open(file)) {
                InputParser.parseWithText(reader, file.toString(), new LogParser(), (raw, parsed) -> {
                    try {
                        appender.append(id, raw, parsed);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    seen.accept(id, raw, parsed);
                });
            }
        }
    }
}
