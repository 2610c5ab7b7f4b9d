package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The matching against brute force on small random graphs, and the block solver on a long chain. */
class MatchingTest {

    @Test
    void eachGroupGetsItsBestMatching() {
        Random random = new Random(17);
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + random.nextInt(5);
            int m = 1 + random.nextInt(5);
            int edges = random.nextInt(n * m + 1);
            int[] l = new int[edges];
            int[] r = new int[edges];
            double[] w = new double[edges];
            Matching matching = new Matching();
            for (int e = 0; e < edges; e++) {
                l[e] = random.nextInt(n);
                r[e] = random.nextInt(m);
                w[e] = Math.round((random.nextDouble() * 2 - 0.5) * 100) / 100.0;
                matching.add(l[e], r[e], w[e]);
            }
            int[] chosen = matching.solve(n, m);
            boolean[] rightUsed = new boolean[m];
            double total = 0;
            for (int i = 0; i < n; i++) {
                if (chosen[i] >= 0) {
                    int e = chosen[i];
                    assertEquals(i, l[e], "a left item's candidate");
                    assertTrue(!rightUsed[r[e]], "a right item in two pairs");
                    rightUsed[r[e]] = true;
                    total += w[e];
                }
            }
            assertEquals(best(l, r, w, n, m), total, 1e-9, "round " + round);
        }
    }

    /** The best total: pairs alone with both their items always count; the rest, the best matching of positive pairs. */
    private static double best(int[] l, int[] r, double[] w, int n, int m) {
        int[] degreeL = new int[n];
        int[] degreeR = new int[m];
        for (int e = 0; e < l.length; e++) {
            degreeL[l[e]]++;
            degreeR[r[e]]++;
        }
        double alone = 0;
        boolean[] isAlone = new boolean[l.length];
        for (int e = 0; e < l.length; e++) {
            if (degreeL[l[e]] == 1 && degreeR[r[e]] == 1) {
                alone += w[e];
                isAlone[e] = true;
            }
        }
        return alone + search(0, l, r, w, isAlone, new boolean[n], new boolean[m]);
    }

    private static double search(int from, int[] l, int[] r, double[] w, boolean[] skip, boolean[] usedL, boolean[] usedR) {
        double best = 0;
        for (int e = from; e < l.length; e++) {
            if (!skip[e] && w[e] > 0 && !usedL[l[e]] && !usedR[r[e]]) {
                usedL[l[e]] = true;
                usedR[r[e]] = true;
                best = Math.max(best, w[e] + search(e + 1, l, r, w, skip, usedL, usedR));
                usedL[l[e]] = false;
                usedR[r[e]] = false;
            }
        }
        return best;
    }

    /** A chain of 3,000 identical connections a few ms apart (beyond the exact limit): blocks keep the order. */
    @Test
    void aLongChainIsMatchedInOrderBlockByBlock() {
        Matching matching = new Matching();
        int n = 3_000;
        for (int i = 0; i < n; i++) {
            for (int j = Math.max(0, i - 3); j < Math.min(n, i + 4); j++) {
                matching.add(i, j, 1 - Math.abs(i - j) * 0.2);
            }
        }
        int[] chosen = matching.solve(n, n);
        for (int i = 0; i < n; i++) {
            assertEquals(i, matching.right(chosen[i]), "line " + i);
        }
    }
}
