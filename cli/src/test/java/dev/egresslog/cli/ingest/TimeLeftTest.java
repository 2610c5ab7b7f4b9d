package dev.egresslog.cli.ingest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** trace's progress line: how much of the input is read, and the time left at the rate so far. */
class TimeLeftTest {
    @Test
    void theTimeLeftFollowsTheRateSoFar() {
        // a quarter of 600 MB in 3 s: the rest at that rate takes 9 s
        assertEquals(", 25 % of 600 MB, about 9 s left to read", Ingest.timeLeft(150_000_000, 600_000_000, 3.0));
        // minutes past one minute
        assertEquals(", 10 % of 8,300 MB, about 1:30 min left to read", Ingest.timeLeft(830_000_000, 8_300_000_000L, 10.0));
    }

    @Test
    void nothingIsPromisedBeforeThereIsARate() {
        assertEquals("", Ingest.timeLeft(0, 600_000_000, 2.0));
        assertEquals("", Ingest.timeLeft(100, 0, 2.0));
    }

    @Test
    void moreReadThanEstimatedIsNeverANegativeTime() {
        // characters counted for bytes can exceed a file's size a little: done, not overdue
        assertEquals(", 100 % of 600 MB, about 0 s left to read", Ingest.timeLeft(610_000_000, 600_000_000, 4.0));
    }
}
