package dev.egresslog.parser.format;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ValuesTest {
    /** The fast path agrees with java.time for every fraction length, within a longer line. */
    @Test
    void isoTimesMatchJavaTime() throws Exception {
        String[] times = {
                "2026-04-12T13:20:00.5Z", "2026-04-12T13:20:00.53Z", "2026-04-12T13:20:00.535Z",
                "2026-04-12T13:20:00.5359Z", "2026-04-12T13:20:00.535999999Z", "1999-12-31T23:59:59.999000000Z",
                "2024-02-29T00:00:00.000000001Z", "2026-04-12T13:20:00.535+02:00", "2026-04-12T13:20:00Z"};
        for (String time : times) {
            String line = "x " + time + " y";
            long expected = OffsetDateTime.parse(time).toInstant().toEpochMilli();
            assertEquals(expected, Values.isoMillis(line, 2, 2 + time.length(), "time"), time);
        }
    }

    @Test
    void malformedFractionsAreRejected() {
        for (String time : new String[] {"2026-04-12T13:20:00.53x000Z", "2026-04-12T13:20:00.535000000000Z", "2026-13-12T13:20:00.535Z"}) {
            assertThrows(FieldException.class, () -> Values.isoMillis(time, 0, time.length(), "time"), time);
        }
    }
}
