package dev.egresslog.cli.sim;

import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.SquidRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A line of a simulation's logs as a fleet of log shippers sends it to Kafka: after its
 * connection closed, each file in order, files interleaved.
 *
 * @param file     path under the simulation's logs directory, as truth.jsonl names it
 * @param number   1-based line number in that file
 * @param squid    a Squid access-log line (else Envoy)
 * @param key      the record key a shipper would set: the pod (the log file's name) or the Squid
 *                 host; null for the Fluent Bit envelope file, whose envelopes name their pods
 * @param sendTime epoch ms the line is sent: its end time plus the shipper's delay
 */
public record ShippedLine(String file, long number, String text, boolean squid, String key, long sendTime) {

    public byte[] keyBytes() {
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    public byte[] value() {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Every line under {@code logs}, in send order; each is delayed by up to {@code maxDelayMs}, at random. */
    public static List<ShippedLine> read(Path logs, int maxDelayMs, long seed) throws IOException {
        List<ShippedLine> lines = new ArrayList<>();
        LogParser parser = new LogParser();
        Random random = new Random(seed);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(logs)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String name = logs.relativize(file).toString();
            boolean squid = name.startsWith("squid/");
            String key = squid ? file.getParent().getFileName().toString()
                    : name.startsWith("shipper/") ? null : file.getFileName().toString().replaceAll("\\.log$", "");
            try (LineReader reader = LineReader.open(file)) {
                String text;
                while ((text = reader.next()) != null) {
                    long number = reader.lineNumber();
                    var parsed = parser.parse(text, name, number);
                    long end = parsed instanceof EnvoyRecord r ? r.endTime() : parsed instanceof SquidRecord r ? r.endTime() : 0;
                    long delay = maxDelayMs > 0 ? random.nextInt(maxDelayMs) : 0;
                    lines.add(new ShippedLine(name, number, text, squid, key, end + delay));
                }
            }
        }
        lines.sort(Comparator.comparingLong(ShippedLine::sendTime));
        return lines;
    }
}
