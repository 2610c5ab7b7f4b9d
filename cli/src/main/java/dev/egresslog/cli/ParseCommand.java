package dev.egresslog.cli;

import dev.egresslog.cli.ingest.Inputs;
import dev.egresslog.cli.output.RecordWriter;
import dev.egresslog.parser.InputParser;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.Reject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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
        if (maxLine < 1) {
            throw new UserException("--max-line must be at least 1 byte, found " + maxLine);
        }
        LogParser parser = newParser();
        Inputs.Expansion expansion = Inputs.expand(files, Inputs.neverRead(List.of()));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (Inputs.Skipped skipped : expansion.skipped()) {
            err.printf("egresslog parse: skipped %s: %s%n", skipped.name(), skipped.reason());
        }
        long[] rejects = new long[1];
        boolean broken = false;
        try (RecordWriter writer = RecordWriter.create(output, out)) {
            for (Inputs.Input input : expansion.inputs()) {
                InputParser.Outcome outcome;
                try (InputStream stream = input.open(System.in);
                     LineReader reader = new LineReader(stream, maxLine)) {
                    outcome = InputParser.parse(reader, input.name(), parser, (ParsedLine line) -> {
                        if (line instanceof Reject) {
                            rejects[0]++;
                        }
                        writer.write(line);
                    });
                } catch (IOException e) {
                    outcome = new InputParser.Outcome(0, false, InputParser.describe(e));
                }
                if (outcome.error() != null) {
                    // no line carries it: said here, and the exit code says some input was not read whole
                    broken = true;
                    out.flush();
                    err.printf("egresslog parse: %s: cannot read after line %,d: %s%n", input.name(), outcome.lines(), outcome.error());
                    err.flush();
                }
            }
        } catch (UncheckedIOException e) {
            throw new UserException("cannot write output: " + e.getCause().getMessage(), ExitCodes.FAILURE);
        }
        out.flush();
        return rejects[0] == 0 && !broken ? ExitCodes.OK : ExitCodes.REJECTS;
    }

    private LogParser newParser() {
        try {
            return new LogParser(formats.toParserOptions());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }
}
