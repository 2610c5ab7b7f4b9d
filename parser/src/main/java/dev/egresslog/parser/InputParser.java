package dev.egresslog.parser;

import java.io.IOException;
import java.util.function.Consumer;

/** Runs a {@link LineReader} through a {@link LogParser}: every line read gives exactly one result. */
public final class InputParser {
    private InputParser() {
    }

    /**
     * What became of an input: the number of its last line read, whether that line had no line
     * end, and why the input could not be read further, if it could not (with no line to
     * carry the reason: a read error inside a line makes that line a reject instead).
     */
    public record Outcome(long lines, boolean lastLineOpen, String error) {
    }

    /**
     * Parses every line of {@code reader}. A line over the length limit, and a line a read error
     * broke off, each become a reject; nothing is thrown for bad input.
     */
    public static Outcome parse(LineReader reader, String source, LogParser parser, Consumer<? super ParsedLine> sink) {
        return parseWithText(reader, source, parser, (raw, parsed) -> sink.accept(parsed));
    }

    /** What a caller gets for each line: the text as read (null after a read error) and what it became. */
    @FunctionalInterface
    public interface LineSink {
        void accept(String raw, ParsedLine parsed);
    }

    /** As {@link #parse(LineReader, String, LogParser, Consumer)}, also handing over each line's text. */
    public static Outcome parseWithText(LineReader reader, String source, LogParser parser, LineSink sink) {
        // a file laid out as a node's container logs names its pod (envelopes in a line still win)
        PodLogPath pod = PodLogPath.of(source);
        boolean open = false;
        while (true) {
            String line;
            try {
                line = reader.next();
            } catch (IOException e) {
                // between two lines: no line carries the reason (one a read error cut short does, below)
                return new Outcome(reader.lineNumber(), false, describe(e));
            }
            if (line == null) {
                return new Outcome(reader.lineNumber(), open, null);
            }
            open = reader.lastLineOpen();
            IOException broken = reader.brokenBy();
            if (broken != null) {
                sink.accept(line, new Reject(Origin.of(source, reader.lineNumber()), 0,
                        "the input breaks off in this line: " + describe(broken), line));
                return new Outcome(reader.lineNumber(), false, null);
            }
            if (reader.truncated()) {
                sink.accept(line, new Reject(Origin.of(source, reader.lineNumber()), reader.maxLine() + 1,
                        "line is " + reader.lineLength() + " bytes long, over the " + reader.maxLine()
                                + "-byte limit; not parsed", line.substring(0, Math.min(line.length(), 256))));
                continue;
            }
            sink.accept(line, pod == null ? parser.parse(line, source, reader.lineNumber())
                    : parser.parse(line, pod.origin(source, reader.lineNumber())));
        }
    }

    /** Why an input could not be read, in words: "permission denied", "truncated .gz file"... */
    public static String describe(IOException e) {
        String message = e.getMessage();
        if (e instanceof java.io.EOFException) {
            return "the compressed stream ends early (truncated .gz file)";
        }
        if (e instanceof java.util.zip.ZipException) {
            return "corrupt gzip data" + (message == null ? "" : " (" + message + ")");
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.FileSystemLoopException) {
            return "a symbolic link loop";
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
