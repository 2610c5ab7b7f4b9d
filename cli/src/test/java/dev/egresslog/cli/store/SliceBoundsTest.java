package dev.egresslog.cli.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The slices of trace's final join: whole row groups, all rows, none twice. */
class SliceBoundsTest {
    private static final long GROUP = Correlation.ROW_GROUP_ROWS;

    @Test
    void everySliceButTheLastIsTwoRowGroupsAndTheLastTakesARestBelowOne() {
        for (long total : new long[]{1, 5, GROUP - 1, GROUP, GROUP + 1, 2 * GROUP - 1, 2 * GROUP, 3 * GROUP - 1, 3 * GROUP,
                3 * GROUP + 1, 4 * GROUP, 1_004_048, 10_000_000}) {
            long[] bounds = Correlation.sliceBounds(total);
            assertEquals(0, bounds[0], "first slice starts at row 0 of " + total);
            assertEquals(total, bounds[bounds.length - 1], "last slice ends at the last row of " + total);
            for (int i = 0; i + 2 < bounds.length; i++) {
                assertEquals(2 * GROUP, bounds[i + 1] - bounds[i], "slice " + i + " of " + total);
            }
            long last = bounds[bounds.length - 1] - bounds[bounds.length - 2];
            assertTrue(last > 0 && last < 3 * GROUP, "last slice of " + total + " has " + last + " rows");
            assertTrue(total < GROUP || last >= GROUP, "last slice of " + total + " is below a row group: " + last);
        }
        assertEquals(2, Correlation.sliceBounds(3 * GROUP - 1).length, "a rest below a row group goes with the last slice");
        assertEquals(3, Correlation.sliceBounds(3 * GROUP).length, "a rest of a row group is a slice of its own");
    }

    @Test
    void aSliceIsInsertedARowGroupAtATimeTheLastTakingTheRest() {
        assertArrayEquals(new long[]{0, GROUP, 2 * GROUP}, Correlation.insertBounds(0, 2 * GROUP));
        assertArrayEquals(new long[]{4 * GROUP, 5 * GROUP, 7 * GROUP - 1}, Correlation.insertBounds(4 * GROUP, 7 * GROUP - 1));
        assertArrayEquals(new long[]{2 * GROUP, 3 * GROUP + 7}, Correlation.insertBounds(2 * GROUP, 3 * GROUP + 7));
        assertArrayEquals(new long[]{0, 5}, Correlation.insertBounds(0, 5));
        assertArrayEquals(new long[]{0, 1}, Correlation.insertBounds(0, 0), "no rows: one insert still makes the table");
    }

    @Test
    void noRowsIsOneEmptySliceSoThatTheTableIsStillMade() {
        long[] bounds = Correlation.sliceBounds(0);
        assertEquals(2, bounds.length);
        assertEquals(0, bounds[0]);
    }
}
