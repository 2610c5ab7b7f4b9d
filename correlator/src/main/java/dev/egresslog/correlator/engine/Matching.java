package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A maximum-weight matching of candidate pairs: each left and each right item in at most one
 * pair. The candidates fall apart into connected groups (a burst of identical connections is one
 * group); each group is solved exactly (the Hungarian method) up to {@link #EXACT_LIMIT} items a
 * side. A larger group (identical connections all day long chain into one) is solved in blocks of
 * left items in their order (time): each block exactly, keeping the pairs of its first half, the
 * next block starting there. Items are taken in their own order, so the result never depends on
 * the order candidates were added.
 */
public final class Matching {
    /** Items a side up to which a group is matched exactly (the method takes n^3 steps). */
    static final int EXACT_LIMIT = 600;
    /** Left items per block of a larger group. */
    static final int BLOCK = 200;

    private int[] left = new int[16];
    private int[] right = new int[16];
    private double[] weight = new double[16];
    private int size;

    /**
     * Adds a candidate. Within a group, a pair of negative weight is never chosen (both items stay
     * unmatched rather); a candidate that is the only one of both its items is always chosen.
     */
    public void add(int l, int r, double w) {
        if (size == left.length) {
            left = Arrays.copyOf(left, size * 2);
            right = Arrays.copyOf(right, size * 2);
            weight = Arrays.copyOf(weight, size * 2);
        }
        left[size] = l;
        right[size] = r;
        weight[size] = w;
        size++;
    }

    public int size() {
        return size;
    }

    /** Whether the last {@link #solve} met a group of more than one pair of items (else each candidate stood alone). */
    public boolean hadGroups() {
        return hadGroups;
    }

    private boolean hadGroups;

    /** The left item of candidate {@code e}. */
    public int left(int e) {
        return left[e];
    }

    /** The right item of candidate {@code e}. */
    public int right(int e) {
        return right[e];
    }

    /** The candidate index of each chosen pair, per left item: {@code result[l]} is a candidate index or -1. */
    public int[] solve(int leftCount, int rightCount) {
        int[] chosen = new int[leftCount];
        Arrays.fill(chosen, -1);
        hadGroups = false;
        if (size == 0) {
            return chosen;
        }
        // groups: union-find over left items and right items (offset by leftCount)
        int[] parent = new int[leftCount + rightCount];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        int[] degree = new int[leftCount + rightCount];
        for (int e = 0; e < size; e++) {
            degree[left[e]]++;
            degree[leftCount + right[e]]++;
        }
        // groups are joined by the pairs a matching could choose: within a group, a pair of weight
        // 0 or less is never better than leaving both items alone (so a burst's far candidates do
        // not make one group of it, nor widen its blocks)
        for (int e = 0; e < size; e++) {
            if (weight[e] > 0) {
                union(parent, left[e], leftCount + right[e]);
            }
        }
        Map<Integer, List<Integer>> groups = new HashMap<>();
        for (int e = 0; e < size; e++) {
            // the common case: a pair whose items have no other candidate
            if (degree[left[e]] == 1 && degree[leftCount + right[e]] == 1) {
                chosen[left[e]] = e;
                continue;
            }
            if (weight[e] <= 0) {
                continue;
            }
            int root = find(parent, left[e]);
            groups.computeIfAbsent(root, k -> new ArrayList<>()).add(e);
        }
        hadGroups = !groups.isEmpty();
        List<Integer> roots = new ArrayList<>(groups.keySet());
        roots.sort(null);
        for (int root : roots) {
            solveGroup(groups.get(root), chosen);
        }
        return chosen;
    }

    private void solveGroup(List<Integer> edges, int[] chosen) {
        int[] lIds = distinctSorted(edges, left);
        int rightCount = distinctSorted(edges, right).length;
        if (Math.min(lIds.length, rightCount) <= EXACT_LIMIT) {
            exact(edges, chosen);
            return;
        }
        Map<Integer, List<Integer>> byLeft = new HashMap<>();
        for (int e : edges) {
            byLeft.computeIfAbsent(left[e], k -> new ArrayList<>()).add(e);
        }
        java.util.Set<Integer> rightTaken = new java.util.HashSet<>();
        int[] tentative = chosen.clone();
        int from = 0;
        while (from < lIds.length) {
            int to = Math.min(lIds.length, from + BLOCK);
            List<Integer> block = new ArrayList<>();
            for (int i = from; i < to; i++) {
                for (int e : byLeft.get(lIds[i])) {
                    if (!rightTaken.contains(right[e])) {
                        block.add(e);
                    }
                }
                tentative[lIds[i]] = -1;
            }
            exact(block, tentative);
            int keep = to == lIds.length ? to : from + BLOCK / 2;
            for (int i = from; i < keep; i++) {
                int e = tentative[lIds[i]];
                if (e >= 0) {
                    chosen[lIds[i]] = e;
                    rightTaken.add(right[e]);
                }
            }
            from = keep;
        }
    }

    /** The best matching of one group of candidates, into {@code chosen}. */
    private void exact(List<Integer> edges, int[] chosen) {
        if (edges.isEmpty()) {
            return;
        }
        // items in their own order (the input's time order), so that the same lines give the same groups
        int[] lIds = distinctSorted(edges, left);
        int[] rIds = distinctSorted(edges, right);
        int n = lIds.length;
        int m = rIds.length;
        boolean transpose = n > m;
        int rows = transpose ? m : n;
        // a dummy column per row: an item may stay unmatched at no cost
        int cols = (transpose ? n : m) + rows;
        double[][] cost = new double[rows][cols];
        int[][] edgeAt = new int[rows][cols];
        for (int[] row : edgeAt) {
            Arrays.fill(row, -1);
        }
        for (int e : edges) {
            // an item's place among its side's items
            int i = Arrays.binarySearch(lIds, left[e]);
            int j = Arrays.binarySearch(rIds, right[e]);
            int r = transpose ? j : i;
            int c = transpose ? i : j;
            double w = weight[e];
            if (edgeAt[r][c] < 0 || w > -cost[r][c]) {
                cost[r][c] = -w;
                edgeAt[r][c] = e;
            }
        }
        int[] assignment = hungarian(cost, rows, cols);
        for (int r = 0; r < rows; r++) {
            int c = assignment[r];
            if (c >= 0 && edgeAt[r][c] >= 0) {
                int e = edgeAt[r][c];
                chosen[left[e]] = e;
            }
        }
    }

    /** The distinct items of one side ({@code side} is left or right) of {@code edges}, ascending. */
    private static int[] distinctSorted(List<Integer> edges, int[] side) {
        int[] ids = new int[edges.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = side[edges.get(i)];
        }
        Arrays.sort(ids);
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            if (n == 0 || ids[i] != ids[n - 1]) {
                ids[n++] = ids[i];
            }
        }
        return Arrays.copyOf(ids, n);
    }

    /**
     * Minimum-cost assignment of every row to a distinct column (rows <= cols), by shortest
     * augmenting paths with potentials, O(rows^2 cols). Cells without a candidate cost 0, so a
     * row assigned to one is in effect unmatched.
     */
    static int[] hungarian(double[][] cost, int rows, int cols) {
        double[] u = new double[rows + 1];
        double[] v = new double[cols + 1];
        int[] p = new int[cols + 1];
        int[] way = new int[cols + 1];
        double[] minv = new double[cols + 1];
        boolean[] used = new boolean[cols + 1];
        for (int i = 1; i <= rows; i++) {
            p[0] = i;
            int j0 = 0;
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            Arrays.fill(used, false);
            do {
                used[j0] = true;
                int i0 = p[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = -1;
                double[] row = cost[i0 - 1];
                double ui0 = u[i0];
                for (int j = 1; j <= cols; j++) {
                    if (!used[j]) {
                        double cur = row[j - 1] - ui0 - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= cols; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] result = new int[rows];
        Arrays.fill(result, -1);
        for (int j = 1; j <= cols; j++) {
            if (p[j] != 0) {
                result[p[j] - 1] = j - 1;
            }
        }
        return result;
    }

    private static int find(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
