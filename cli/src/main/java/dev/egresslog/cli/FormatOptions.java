package dev.egresslog.cli;

import dev.egresslog.parser.ParserOptions;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The custom-format options shared by every command that reads log lines. */
final class FormatOptions {
    @Option(names = "--envoy-format", paramLabel = "FORMAT",
            description = "An Envoy access-log format string (meshConfig.accessLogFormat), tried before the "
                    + "built-in Istio formats. Repeatable.")
    List<String> envoyFormats = new ArrayList<>();

    @Option(names = "--envoy-format-file", paramLabel = "FILE",
            description = "A file holding an Envoy format string. Repeatable.")
    List<Path> envoyFormatFiles = new ArrayList<>();

    @Option(names = "--squid-logformat", paramLabel = "LOGFORMAT",
            description = "A Squid logformat ('logformat NAME FORMAT' as in squid.conf, or just FORMAT), tried "
                    + "before the built-in squid, common and combined formats. Repeatable.")
    List<String> squidFormats = new ArrayList<>();

    /** The options, with every custom format compiled once here: a bad format is a one-line usage error. */
    ParserOptions compiled() {
        try {
            ParserOptions options = toParserOptions();
            new dev.egresslog.parser.LogParser(options);
            return options;
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    ParserOptions toParserOptions() {
        List<String> envoy = new ArrayList<>(envoyFormats);
        for (Path file : envoyFormatFiles) {
            try {
                envoy.add(Files.readString(file));
            } catch (IOException e) {
                throw new UserException("cannot read envoy format file " + file + ": " + e.getMessage());
            }
        }
        return new ParserOptions(envoy, squidFormats);
    }
}
