package dev.egresslog.cli.output;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.Origin;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.RecordColumns;
import dev.egresslog.parser.Reject;
import dev.egresslog.parser.SquidRecord;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints parsed lines as JSON lines, CSV or an aligned table. */
public abstract class RecordWriter implements AutoCloseable {
    public enum Kind { jsonl, table, csv }

    public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    public static RecordWriter create(Kind kind, PrintWriter out) {
        return switch (kind) {
            case jsonl -> new Jsonl(out);
            case csv -> new Csv(out);
            case table -> new Table(out);
        };
    }

    public abstract void write(ParsedLine line);

    @Override
    public void close() {
    }

    /** The record's columns in output order, with values rendered for text output. */
    static Map<String, Object> columns(ParsedLine line) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("kind", line.kind());
        if (line instanceof EnvoyRecord r) {
            values.put("format", r.format());
            addOrigin(values, r.origin());
            add(values, RecordColumns.ENVOY, r);
        } else if (line instanceof SquidRecord r) {
            values.put("format", r.format());
            addOrigin(values, r.origin());
            add(values, RecordColumns.SQUID, r);
        } else {
            addOrigin(values, line.origin());
            add(values, RecordColumns.REJECT, (Reject) line);
        }
        return values;
    }

    private static void addOrigin(Map<String, Object> values, Origin origin) {
        for (RecordColumns<Origin> c : RecordColumns.ORIGIN) {
            values.put(c.name(), render(c, origin));
        }
    }

    private static <T> void add(Map<String, Object> values, List<RecordColumns<T>> columns, T record) {
        for (RecordColumns<T> c : columns) {
            if (!c.name().equals("format")) {
                values.put(c.name(), render(c, record));
            }
        }
    }

    private static <T> Object render(RecordColumns<T> column, T record) {
        Object value = column.value().apply(record);
        if (value != null && column.type().equals("TIMESTAMP")) {
            return TIME.format(Instant.ofEpochMilli((Long) value));
        }
        return value;
    }

    private static final class Jsonl extends RecordWriter {
        private final JsonGenerator json;
        private final PrintWriter out;

        Jsonl(PrintWriter out) {
            this.out = out;
            try {
                json = new JsonFactory().createGenerator(out);
                json.setRootValueSeparator(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void write(ParsedLine line) {
            try {
                json.writeStartObject();
                for (Map.Entry<String, Object> e : columns(line).entrySet()) {
                    writeField(e.getKey(), e.getValue());
                }
                json.writeEndObject();
                json.flush();
                out.println();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void writeField(String name, Object value) throws IOException {
            json.writeFieldName(name);
            OutputValues.json(json, value);
        }
    }

    /** CSV with one header: the union of the Envoy, Squid and reject columns. */
    private static final class Csv extends RecordWriter {
        private static final List<String> HEADER = header();
        private final PrintWriter out;
        private boolean headerWritten;

        Csv(PrintWriter out) {
            this.out = out;
        }

        private static List<String> header() {
            List<String> names = new ArrayList<>(List.of("kind", "format"));
            RecordColumns.ORIGIN.forEach(c -> names.add(c.name()));
            for (List<? extends RecordColumns<?>> list : List.of(RecordColumns.ENVOY, RecordColumns.SQUID, RecordColumns.REJECT)) {
                for (RecordColumns<?> c : list) {
                    if (!names.contains(c.name())) {
                        names.add(c.name());
                    }
                }
            }
            return List.copyOf(names);
        }

        @Override
        public void write(ParsedLine line) {
            if (!headerWritten) {
                out.println(String.join(",", HEADER));
                headerWritten = true;
            }
            Map<String, Object> values = columns(line);
            StringBuilder row = new StringBuilder();
            for (int i = 0; i < HEADER.size(); i++) {
                if (i > 0) {
                    row.append(',');
                }
                row.append(OutputValues.csv(values.get(HEADER.get(i))));
            }
            out.println(row);
        }

    }

    /** A compact, aligned view of the fields an operator looks at first. */
    private static final class Table extends RecordWriter {
        private static final String ROW = "%-22s %-6s %-18s %-24s %8s %10s %10s  %s%n";
        private final PrintWriter out;
        private boolean headerWritten;

        Table(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(ParsedLine line) {
            if (!headerWritten) {
                out.printf(ROW, "SOURCE:LINE", "KIND", "FORMAT", "START", "MS", "UP", "DOWN", "DETAIL");
                headerWritten = true;
            }
            String where = shortSource(line.origin().source()) + ":" + line.origin().line();
            if (line instanceof EnvoyRecord r) {
                out.printf(ROW, where, "envoy", r.format(), time(r.startTime()), num(r.duration()),
                        num(r.bytesReceived()), num(r.bytesSent()),
                        addr(r.downstreamRemoteAddress()) + " -> " + addr(r.upstreamHost()) + " "
                                + (r.upstreamCluster() == null ? "-" : r.upstreamCluster().raw())
                                + (r.responseFlags().isEmpty() ? "" : " " + String.join(",", r.responseFlags())));
            } else if (line instanceof SquidRecord r) {
                out.printf(ROW, where, "squid", r.format(), time(r.startTime()), num(r.elapsed()),
                        "-", num(r.bytes()), addr(r.client()) + " " + r.resultCode() + "/" + r.httpStatus() + " "
                                + r.method() + " " + r.url());
            } else {
                Reject r = (Reject) line;
                out.printf(ROW, where, "reject", "-", "-", "-", "-", "-",
                        (r.column() > 0 ? "col " + r.column() + ": " : "") + r.reason());
            }
        }

        private static String shortSource(String source) {
            int slash = source.lastIndexOf('/');
            return slash >= 0 && slash < source.length() - 1 ? source.substring(slash + 1) : source;
        }

        private static String time(long millis) {
            return millis < 0 ? "-" : TIME.format(Instant.ofEpochMilli(millis));
        }

        private static String num(long value) {
            return value < 0 ? "-" : Long.toString(value);
        }

        private static String addr(Object endpoint) {
            return endpoint == null ? "-" : endpoint.toString();
        }
    }
}
