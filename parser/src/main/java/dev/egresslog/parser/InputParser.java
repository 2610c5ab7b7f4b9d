package dev.egresslog.parser;

import java.io.IOException;
import java.util.function.Consumer;

/** Runs a {@link LineReader} through a {@link LogParser}: every line read gives exactly one result. */
public final class InputParser {
    private InputParser() {
    }

    /**
     * Parses every line of {@code reader}. A line over the length limit, and a read error (which
     * ends the input), each become a reject; nothing is thrown for bad input.
     *
     * @return the number of lines read
     */
    public static long parse(LineReader reader, String source, LogParser parser, Consumer<? super ParsedLine> sink) {
        return parseWithText(reader, source, parser, (raw, parsed) -> sink.accept(parsed));
    }

    /** What a caller gets for each line: the text as read (null after a read error) and what it became. */
    @FunctionalInterface
    public interface LineSink {
        void accept(String raw, ParsedLine parsed);
    }

    /** As {@link #parse(LineReader, String, LogParser, Consumer)}, also handing over each line's text. */
    public static long parseWithText(LineReader reader, String source, LogParser parser, LineSink sink) {
        while (true) {
            String line;
            try {
                line = reader.next();
            } catch (IOException e) {
                sink.accept(null, new Reject(Origin.of(source, reader.lineNumber() + 1), 0,
                        "cannot read further: " + describe(e), ""));
                return reader.lineNumber();
            }
            if (line == null) {
                return reader.lineNumber();
            }
            if (reader.truncated()) {
                sink.accept(line, new Reject(Origin.of(source, reader.lineNumber()), reader.maxLine() + 1,
                        "line is " + reader.lineLength() + " bytes long, over the " + reader.maxLine()
                                + "-byte limit; not parsed", line.substring(0, Math.min(line.length(), 256))));
                continue;
            }
            sink.accept(line, parser.parse(line, source, reader.lineNumber()));
        }
    }

    static String describe(IOException e) {
        String message = e.getMessage();
        if (e instanceof java.io.EOFException) {
            return "the compressed stream ends early (truncated .gz file)";
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
