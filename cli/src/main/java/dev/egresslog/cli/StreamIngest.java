package dev.egresslog.cli;

import dev.egresslog.cli.store.Store;
import dev.egresslog.parser.LineReader;
import dev.egresslog.parser.LogParser;
import dev.egresslog.parser.Origin;
import dev.egresslog.parser.ParsedLine;
import dev.egresslog.parser.ParserOptions;
import dev.egresslog.parser.Reject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Stores Kafka records: each poll's records are parsed and appended, and the next offset of each
 * partition is written in the same DuckDB transaction. The database is the source of truth for
 * where to resume: after a crash, a record is either stored with its offset or neither is, so
 * nothing is lost or stored twice.
 *
 * <p>A record's provenance is its partition and offset: column {@code source} is
 * "kafka:TOPIC/PARTITION" and {@code line} the offset. Each emitter in a partition (the pod named
 * by a shipper envelope, else the record key) is a source of its own in {@code sources}, so that
 * every Squid gets its own clock offset even when several share a partition.
 */
final class StreamIngest {
    /** Record keys longer than this, or not printable, do not name an emitter. */
    private static final int MAX_KEY = 128;

    private final Store store;
    private final Store.LogAppender appender;
    private final LogParser parser;
    private final Map<String, String> topicRoles;
    private final Map<String, Integer> sourceIds = new HashMap<>();
    private final Map<Integer, long[]> sourceCounts = new HashMap<>(); // lines, records, rejects, bytes
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final Watermarks watermarks;
    private final List<long[]> late = new ArrayList<>(); // end, spread
    private final long maxSkewMs;
    private long recordsStored;

    StreamIngest(Store store, ParserOptions parserOptions, Map<String, String> topicRoles, Watermarks watermarks, long maxSkewMs)
            throws SQLException {
        this.maxSkewMs = maxSkewMs;
        this.store = store;
        this.appender = store.appender(true);
        this.parser = new LogParser(parserOptions);
        this.topicRoles = topicRoles;
        this.watermarks = watermarks;
        try (Statement s = store.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT source_id, path FROM sources WHERE path LIKE 'kafka:%'")) {
            while (rs.next()) {
                sourceIds.put(rs.getString(2), rs.getInt(1));
            }
        }
    }

    /** The next offset of every partition the database holds. */
    Map<TopicPartition, Long> storedOffsets() throws SQLException {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        try (Statement s = store.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT topic, \"partition\", next_offset FROM kafka_offsets")) {
            while (rs.next()) {
                offsets.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
            }
        }
        return offsets;
    }

    long recordsStored() {
        return recordsStored;
    }

    /**
     * Parses and stores one poll's records with their partitions' next offsets, in one transaction;
     * returns the offsets to commit to Kafka (for lag monitoring: the database decides where to resume).
     */
    Map<TopicPartition, OffsetAndMetadata> store(ConsumerRecords<byte[], byte[]> records) throws SQLException {
        nextOffsets.clear();
        sourceCounts.clear();
        late.clear();
        long finalBefore = watermarks.finalBefore();
        long now = System.currentTimeMillis();
        for (TopicPartition tp : records.partitions()) {
            String partitionSource = "kafka:" + tp.topic() + "/" + tp.partition();
            List<ConsumerRecord<byte[], byte[]>> partition = records.records(tp);
            for (ConsumerRecord<byte[], byte[]> record : partition) {
                byte[] value = record.value();
                String text = value == null || value.length > LineReader.DEFAULT_MAX_LINE ? null : new String(value, StandardCharsets.UTF_8);
                ParsedLine parsed = parse(record, text, partitionSource);
                int sourceId = sourceId(record, partitionSource, parsed);
                appender.append(sourceId, text, parsed);
                long[] counts = sourceCounts.computeIfAbsent(sourceId, k -> new long[4]);
                counts[0] = Math.max(counts[0], record.offset() + 1);
                counts[parsed instanceof Reject ? 2 : 1]++;
                counts[3] += value == null ? 0 : value.length;
                long end = watermarks.observe(sourceId, parsed, now);
                // a Squid whose clock offset is not known yet could be anywhere within the largest skew
                long spread = watermarks.placed(sourceId, parsed) ? 0 : maxSkewMs;
                if (end != Long.MIN_VALUE && end - spread < finalBefore) {
                    late.add(new long[] {end, spread});
                }
            }
            nextOffsets.put(tp, partition.get(partition.size() - 1).offset() + 1);
            recordsStored += partition.size();
        }
        appender.commit(this::bookkeeping);
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        nextOffsets.forEach((tp, next) -> commit.put(tp, new OffsetAndMetadata(next)));
        return commit;
    }

    /** The record's line parsed; {@code text} is its value decoded, null when absent or too long. */
    private ParsedLine parse(ConsumerRecord<byte[], byte[]> record, String text, String source) {
        if (record.value() == null) {
            return new Reject(Origin.of(source, record.offset()), 0, "record without a value (a tombstone)", "");
        }
        if (text == null) {
            return new Reject(Origin.of(source, record.offset()), 0,
                    "record of " + record.value().length + " bytes, longer than " + LineReader.DEFAULT_MAX_LINE, "");
        }
        int newline = text.indexOf('\n');
        if (newline >= 0 && !text.substring(newline).chars().allMatch(c -> c == '\n' || c == '\r')) {
            return new Reject(Origin.of(source, record.offset()), 0, "record holds several lines", text);
        }
        return parser.parse(text, source, record.offset()); // the parser drops the line end
    }

    /** The source of a record: its partition, and the emitter the envelope or the key names. */
    private int sourceId(ConsumerRecord<byte[], byte[]> record, String partitionSource, ParsedLine parsed) throws SQLException {
        String emitter = parsed.origin().pod();
        if (emitter == null) {
            emitter = printableKey(record.key());
        }
        String path = emitter == null ? partitionSource : partitionSource + " " + emitter;
        Integer id = sourceIds.get(path);
        if (id == null) {
            id = store.addSource(path, path, path, 0, topicRoles.get(record.topic()));
            sourceIds.put(path, id);
        }
        return id;
    }

    private static String printableKey(byte[] key) {
        if (key == null || key.length == 0 || key.length > MAX_KEY) {
            return null;
        }
        for (byte b : key) {
            if (b < 0x21 || b > 0x7e) {
                return null;
            }
        }
        return new String(key, StandardCharsets.US_ASCII);
    }

    /**
     * In the records' transaction: partitions' next offsets, sources' counts, late lines. One
     * statement each (a statement per source took a third of the stream's time with 200 pods).
     */
    private void bookkeeping(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (!nextOffsets.isEmpty()) {
                s.execute("INSERT INTO kafka_offsets VALUES " + values(nextOffsets.entrySet(), e -> "'"
                        + e.getKey().topic().replace("'", "''") + "', " + e.getKey().partition() + ", " + e.getValue() + ", now()")
                        + " ON CONFLICT (topic, \"partition\") DO UPDATE"
                        + " SET next_offset = excluded.next_offset, committed_at = excluded.committed_at");
            }
            if (!sourceCounts.isEmpty()) {
                s.execute("UPDATE sources SET lines = greatest(sources.lines, v.lines), records = sources.records + v.records,"
                        + " rejects = sources.rejects + v.rejects, bytes = sources.bytes + v.bytes FROM (VALUES "
                        + values(sourceCounts.entrySet(), e -> e.getKey() + ", " + e.getValue()[0] + ", " + e.getValue()[1] + ", "
                                + e.getValue()[2] + ", " + e.getValue()[3])
                        + ") v(source_id, lines, records, rejects, bytes) WHERE sources.source_id = v.source_id");
            }
            for (int from = 0; from < late.size(); from += 10_000) {
                s.execute("INSERT INTO late_lines VALUES "
                        + values(late.subList(from, Math.min(late.size(), from + 10_000)), e -> e[0] + ", " + e[1]));
            }
        }
    }

    /** "(a), (b), ..." of the rows {@code row} renders. */
    private static <T> String values(Collection<T> rows, Function<T, String> row) {
        StringBuilder sql = new StringBuilder();
        for (T t : rows) {
            sql.append(sql.length() == 0 ? "(" : ", (").append(row.apply(t)).append(')');
        }
        return sql.toString();
    }

    void close() throws SQLException {
        appender.close();
    }
}
