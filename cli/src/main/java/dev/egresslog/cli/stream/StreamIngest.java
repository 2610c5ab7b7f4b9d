package dev.egresslog.cli.stream;

import dev.egresslog.cli.store.Correlation;
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
 * Stores Kafka records: polled records are parsed and appended ({@link #add}), and
 * {@link #commit} stores them with the next offset of each partition in one DuckDB transaction.
 * The database is the source of truth for where to resume: after a crash, a record is either
 * stored with its offset or neither is, so nothing is lost or stored twice.
 *
 * <p>A record's provenance is its partition and offset: column {@code source} is
 * "kafka:TOPIC/PARTITION" and {@code line} the offset. Each emitter in a partition (the pod named
 * by a shipper envelope, else the record key) is a source of its own in {@code sources}, so that
 * every Squid gets its own clock offset even when several share a partition.
 */
public final class StreamIngest {
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
    private final Alignment alignment;
    private final List<long[]> late = new ArrayList<>(); // from, to: end time ± spread
    /** Sources first seen since the last commit: stored with the records (id, path, forced role). */
    private final List<Object[]> newSources = new ArrayList<>();
    private int nextSourceId;
    private final long maxSkewMs;
    private long recordsStored;
    private long pending;
    private long pendingSince;
    /** Time spent parsing records and storing them (appends, and the moves of full batches), in ns. */
    private long parseNanos;
    private long storeNanos;

    public StreamIngest(Store store, ParserOptions parserOptions, Map<String, String> topicRoles, Watermarks watermarks,
                        Alignment alignment, long maxSkewMs) throws SQLException {
        this.alignment = alignment;
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
        // this process is the database's only writer: ids are handed out here, stored at commit
        try (Statement s = store.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(source_id), 0) + 1 FROM sources")) {
            rs.next();
            nextSourceId = rs.getInt(1);
        }
    }

    /** The next offset of every partition the database holds. */
    public Map<TopicPartition, Long> storedOffsets() throws SQLException {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        try (Statement s = store.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT topic, \"partition\", next_offset FROM kafka_offsets")) {
            while (rs.next()) {
                offsets.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
            }
        }
        return offsets;
    }

    /** Records committed to the database. */
    public long recordsStored() {
        return recordsStored;
    }

    /** Time spent parsing and storing records so far: "parsing X s, storing Y s". */
    public String timing() {
        return String.format("parsing %.1f s, storing %.1f s", parseNanos / 1e9, storeNanos / 1e9);
    }

    /** Records added and not committed yet. */
    public long pending() {
        return pending;
    }

    /** How long the oldest record not committed yet has waited, in ns (0 when none waits). */
    public long pendingNanos() {
        return pending == 0 ? 0 : System.nanoTime() - pendingSince;
    }

    /**
     * Parses and appends one poll's records, in the open transaction. The late check uses the
     * final boundary as it is now: no pass may run before {@link #commit}.
     */
    public void add(ConsumerRecords<byte[], byte[]> records) throws SQLException {
        if (pending == 0) {
            pendingSince = System.nanoTime();
        }
        long finalBefore = watermarks.finalBefore();
        long now = System.currentTimeMillis();
        for (TopicPartition tp : records.partitions()) {
            String partitionSource = "kafka:" + tp.topic() + "/" + tp.partition();
            List<ConsumerRecord<byte[], byte[]>> partition = records.records(tp);
            long latestEnd = Long.MIN_VALUE;
            for (ConsumerRecord<byte[], byte[]> record : partition) {
                byte[] value = record.value();
                String text = value == null || value.length > LineReader.DEFAULT_MAX_LINE ? null : new String(value, StandardCharsets.UTF_8);
                long t0 = System.nanoTime();
                ParsedLine parsed = parse(record, text, partitionSource);
                long t1 = System.nanoTime();
                int sourceId = sourceId(record, partitionSource, parsed);
                appender.append(sourceId, text, parsed);
                parseNanos += t1 - t0;
                storeNanos += System.nanoTime() - t1;
                long[] counts = sourceCounts.computeIfAbsent(sourceId, k -> new long[4]);
                counts[0] = Math.max(counts[0], record.offset() + 1);
                counts[parsed instanceof Reject ? 2 : 1]++;
                counts[3] += value == null ? 0 : value.length;
                long end = watermarks.observe(sourceId, tp, parsed, now);
                latestEnd = Math.max(latestEnd, end);
                // a Squid whose clock offset is not known yet could be anywhere within the largest skew
                long spread = watermarks.placed(sourceId, parsed) ? 0 : maxSkewMs;
                if (end != Long.MIN_VALUE && end - spread < finalBefore) {
                    late.add(new long[] {end - spread, end + spread});
                }
            }
            alignment.delivered(tp, latestEnd, now); // Long.MIN_VALUE when no line had an end time
            nextOffsets.put(tp, partition.get(partition.size() - 1).offset() + 1);
            pending += partition.size();
        }
    }

    /**
     * Stores the records added since the last commit with their partitions' next offsets, in one
     * transaction; returns the offsets to commit to Kafka (for lag monitoring: the database
     * decides where to resume). Nothing to store: returns an empty map.
     */
    public Map<TopicPartition, OffsetAndMetadata> commit() throws SQLException {
        if (pending == 0) {
            return Map.of();
        }
        appender.commit(this::bookkeeping);
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        nextOffsets.forEach((tp, next) -> commit.put(tp, new OffsetAndMetadata(next)));
        recordsStored += pending;
        pending = 0;
        newSources.clear();
        nextOffsets.clear();
        sourceCounts.clear();
        late.clear();
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
            id = nextSourceId++;
            sourceIds.put(path, id);
            newSources.add(new Object[] {id, path, topicRoles.get(record.topic())});
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
     * In the records' transaction: new sources, partitions' next offsets, sources' counts, late
     * ranges. One statement each (a statement per source took a third of the stream's time with
     * 200 pods).
     */
    private void bookkeeping(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (!newSources.isEmpty()) {
                // finished: a partition's records are stored with their offsets, never half
                s.execute("INSERT INTO sources (source_id, path, fingerprint, head_hash, bytes, lines, records, rejects, "
                        + "forced_role, added_at, finished_at) VALUES " + values(newSources, n -> n[0] + ", " + literal(n[1])
                        + ", " + literal(n[1]) + ", " + literal(n[1]) + ", 0, 0, 0, 0, " + literal(n[2]) + ", now(), now()"));
            }
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
            List<long[]> ranges = lateRanges();
            if (!ranges.isEmpty()) {
                // a range from..to is stored as its middle ± half its width, rounded outwards
                s.execute("INSERT INTO late_lines VALUES " + values(ranges, r -> {
                    long half = (r[1] - r[0] + 1) / 2;
                    return (r[0] + half) + ", " + half;
                }));
            }
        }
    }

    /**
     * The late lines as few ranges: overlapping ones, and ones closer than twice the pass's slack
     * (the pass would merge them), become one. A poll behind a Squid whose clock offset is not
     * known yet makes a late line of nearly every record.
     */
    private List<long[]> lateRanges() {
        late.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> ranges = new ArrayList<>();
        for (long[] r : late) {
            long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && r[0] - last[1] <= 2 * Correlation.SLACK_MS) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                ranges.add(new long[] {r[0], r[1]});
            }
        }
        return ranges;
    }

    private static String literal(Object value) {
        return value == null ? "NULL" : "'" + value.toString().replace("'", "''") + "'";
    }

    /** "(a), (b), ..." of the rows {@code row} renders. */
    private static <T> String values(Collection<T> rows, Function<T, String> row) {
        StringBuilder sql = new StringBuilder();
        for (T t : rows) {
            sql.append(sql.length() == 0 ? "(" : ", (").append(row.apply(t)).append(')');
        }
        return sql.toString();
    }

    /**
     * Ends the appender. What was not committed is not stored: its offsets were not either, so a
     * restart reads those records again (committed here, they were stored twice).
     */
    public void close() throws SQLException {
        appender.discard();
    }
}
