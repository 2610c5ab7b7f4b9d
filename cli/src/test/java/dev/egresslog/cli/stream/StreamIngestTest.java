package dev.egresslog.cli.stream;

import dev.egresslog.cli.store.Store;
import dev.egresslog.parser.ParserOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Records are stored with their offsets or not at all: what was not committed is gone after close. */
class StreamIngestTest {
    private static final TopicPartition SQUID = new TopicPartition("squid", 0);

    private static ConsumerRecords<byte[], byte[]> records(long firstOffset, int count) {
        List<ConsumerRecord<byte[], byte[]>> list = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            String line = String.format("1650000%03d.000   1000 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT en.wikipedia.org:443 - "
                    + "HIER_DIRECT/208.80.154.224 -", i);
            list.add(new ConsumerRecord<>(SQUID.topic(), SQUID.partition(), firstOffset + i, "squid-a".getBytes(StandardCharsets.UTF_8),
                    line.getBytes(StandardCharsets.UTF_8)));
        }
        return new ConsumerRecords<>(Map.of(SQUID, list), Map.of(SQUID, new OffsetAndMetadata(firstOffset + count)));
    }

    private static long[] stored(Path db) throws Exception {
        try (Store store = Store.open(db, null); Statement s = store.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM squid_log), (SELECT coalesce(max(next_offset), -1) FROM kafka_offsets)")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static StreamIngest ingest(Store store) throws Exception {
        return new StreamIngest(store, ParserOptions.DEFAULT, new HashMap<>(Map.of("squid", "squid")),
                new Watermarks(30_000, 30_000, 900_000), new Alignment(30_000, 30_000), 900_000);
    }

    @Test
    void recordsNotCommittedAreNotStoredWhenTheStreamEnds(@TempDir Path tmp) throws Exception {
        Path db = tmp.resolve("s.duckdb");
        try (Store store = Store.open(db, null)) {
            StreamIngest ingest = ingest(store);
            ingest.add(records(0, 10));
            assertEquals(Map.of(SQUID, new OffsetAndMetadata(10)), ingest.commit());
            ingest.add(records(10, 5)); // then, say, the broker went away: no commit
            ingest.close();
        }
        // the 5 records are read again by the next run, from offset 10: stored once
        assertEquals(10, stored(db)[0]);
        assertEquals(10, stored(db)[1]);
    }
}
