package dev.egresslog.cli;

import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.Reject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;

@Command(
        name = "parse",
        mixinStandardHelpOptions = true,
        description = {
                "Parses Envoy and Squid access-log lines and prints one record per input line.",
                "Every line gives a record or a reject (kind \"reject\" with the reason). Doubles as the "
                        + "\"does my format parse?\" check: the exit code is 0 when every line parsed, "
                        + "1 when some were rejected, 2 for bad arguments or missing files."})
final class ParseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FormatOptions formats;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "jsonl",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    RecordWriter.Kind output;

    @Option(names = "--max-line", paramLabel = "BYTES", defaultValue = "" + LineReader.DEFAULT_MAX_LINE,
            description = "Longer lines are rejected without being parsed (default: ${DEFAULT-VALUE}).")
    int maxLine;

    @Parameters(paramLabel = "FILE", arity = "1..*",
            description = "Log files, directories, .gz files, or - for standard input.")
    List<String> files;

    @Override
    public Integer call() {
        LogParser parser = newParser();
        List<Inputs.Input> inputs = Inputs.expand(files);
        PrintWriter out = spec.commandLine().getOut();
        long[] rejects = new long[1];
        try (RecordWriter writer = RecordWriter.create(output, out)) {
            for (Inputs.Input input : inputs) {
                try (InputStream stream = input.open(System.in);
                     LineReader reader = new LineReader(stream, maxLine)) {
                    InputParser.parse(reader, input.name(), parser, (ParsedLine line) -> {
                        if (line instanceof Reject) {
                            rejects[0]++;
                        }
                        writer.write(line);
                    });
                } catch (IOException e) {
                    throw new UserException("cannot read " + input.name() + ": " + e.getMessage());
                }
            }
        } catch (UncheckedIOException e) {
            throw new UserException("cannot write output: " + e.getCause().getMessage(), ExitCodes.FAILURE);
        }
        out.flush();
        return rejects[0] == 0 ? ExitCodes.OK : ExitCodes.REJECTS;
    }

    private LogParser newParser() {
        try {
            return new LogParser(formats.toParserOptions());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }
}
