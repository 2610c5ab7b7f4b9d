package dev.egresslog.correlator.engine;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The matching against brute force on small random graphs, the sparse method against the whole
 * matrix on bursts, and a chain longer than the whole matrix takes.
 */
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
    void theSparseMethodFindsTheExactMethodsTotal() {
        Random random = new Random(29);
        for (int round = 0; round < 40; round++) {
            // bursts: left and right items in time, candidates near in time, weights from the distance (many ties)
            int n = 20 + random.nextInt(round < 20 ? 40 : 250);
            int m = n + random.nextInt(21) - 10;
            Matching matching = new Matching();
            java.util.List<Integer> edges = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                int centre = (int) ((long) i * m / n);
                for (int j = Math.max(0, centre - 6); j < Math.min(m, centre + 7); j++) {
                    if (random.nextInt(4) > 0) {
                        double w = round % 2 == 0 ? 1 - Math.abs(i * (double) m / n - j) / 8 : random.nextInt(20) / 10.0 - 0.3;
                        if (w > 0) {
                            edges.add(matching.size());
                            matching.add(i, j, w);
                        }
                    }
                }
            }
            int[] exact = new int[n];
            int[] sparse = new int[n];
            java.util.Arrays.fill(exact, -1);
            java.util.Arrays.fill(sparse, -1);
            matching.exact(edges, exact);
            matching.sparse(edges, sparse);
            assertEquals(total(matching, exact, m), total(matching, sparse, m), 1e-9, "round " + round + ", " + n + " x " + m);
        }
    }

    /** The total weight of {@code chosen}, each left item in its own candidate, each right item at most once. */
    private static double total(Matching matching, int[] chosen, int m) {
        boolean[] used = new boolean[m];
        double total = 0;
        for (int i = 0; i < chosen.length; i++) {
            if (chosen[i] >= 0) {
                assertEquals(i, matching.left(chosen[i]), "a left item's candidate");
                assertTrue(!used[matching.right(chosen[i])], "a right item in two pairs");
                used[matching.right(chosen[i])] = true;
                total += matching.weight(chosen[i]);
            }
        }
        return total;
    }

    @Test
    void aLongChainIsMatchedInOrder() {
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
