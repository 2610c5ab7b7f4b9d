package dev.egresslog.correlator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A maximum-weight matching of candidate pairs: each left and each right item in at most one
 * pair. The candidates fall apart into connected groups (a burst of identical connections is one
 * group); each group is solved exactly: by the Hungarian method on its whole matrix up to
 * {@link #EXACT_LIMIT} items a side, by shortest augmenting paths over its candidates alone above
 * (identical connections all day long, or a dense mesh, chain into groups of thousands). Items are
 * taken in their own order, so the result never depends on the order candidates were added.
 */
public final class Matching {
    /** Items a side up to which a group is matched on its whole matrix (the method takes n^3 steps). */
    static final int EXACT_LIMIT = 600;

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

    /** The weight of candidate {@code e}. */
    double weight(int e) {
        return weight[e];
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
        // items in their own order (the input's time order), so that the same lines give the same groups
        int[] lIds = distinctSorted(edges, left);
        int[] rIds = distinctSorted(edges, right);
        if (Math.min(lIds.length, rIds.length) <= EXACT_LIMIT) {
            exact(edges, lIds, rIds, chosen);
        } else {
            sparse(edges, lIds, rIds, chosen);
        }
    }

    /** The best matching of one group of candidates, into {@code chosen}. */
    void exact(List<Integer> edges, int[] chosen) {
        exact(edges, distinctSorted(edges, left), distinctSorted(edges, right), chosen);
    }

    /** As above, with the group's left and right items ({@link #distinctSorted}). */
    private void exact(List<Integer> edges, int[] lIds, int[] rIds, int[] chosen) {
        if (edges.isEmpty()) {
            return;
        }
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

    /**
     * The best matching of one group of candidates, into {@code chosen}, in O(pairs) per step
     * where {@link #exact} takes O(items²): shortest augmenting paths (Dijkstra on reduced
     * costs) over the candidates alone, each left item with a right item of its own at cost 0
     * (staying unmatched). The same total weight as {@link #exact}; among equal totals it may
     * choose other pairs (the whole matrix keeps a burst's order among twins a little better:
     * on the storm profile, groups from 100 items a side this way lost 37 of 93,752 right
     * tunnels), so only groups above {@link #EXACT_LIMIT} items a side come here, which were
     * matched in blocks of 200 before (the same rows on a dense mesh, 3 s less; on the storm
     * profile 11 more right tunnels).
     */
    void sparse(List<Integer> edges, int[] chosen) {
        sparse(edges, distinctSorted(edges, left), distinctSorted(edges, right), chosen);
    }

    /** As above, with the group's left and right items ({@link #distinctSorted}). */
    private void sparse(List<Integer> edges, int[] lIds, int[] rIds, int[] chosen) {
        int n = lIds.length;
        int m = rIds.length;
        // each left item's candidates (edge numbers), its items in their own order
        int[] start = new int[n + 1];
        int[] of = new int[edges.size()];
        for (int e : edges) {
            start[Arrays.binarySearch(lIds, left[e]) + 1]++;
        }
        for (int i = 0; i < n; i++) {
            start[i + 1] += start[i];
        }
        int[] fill = Arrays.copyOf(start, n);
        int[] toRight = new int[edges.size()];
        for (int e : edges) {
            int i = Arrays.binarySearch(lIds, left[e]);
            of[fill[i]] = e;
            toRight[fill[i]++] = Arrays.binarySearch(rIds, right[e]);
        }
        // rights 0..m-1 are the items, m + i is left item i's own (unmatched)
        double[] u = new double[n];
        double[] v = new double[m + n];
        int[] matchOfLeft = new int[n];
        int[] edgeOfLeft = new int[n];
        int[] matchOfRight = new int[m + n];
        Arrays.fill(matchOfLeft, -1);
        Arrays.fill(matchOfRight, -1);
        double[] dist = new double[m + n];
        int[] pred = new int[m + n];
        int[] predEdge = new int[m + n];
        boolean[] scanned = new boolean[m + n];
        int[] touched = new int[m + n];
        java.util.PriorityQueue<double[]> heap = new java.util.PriorityQueue<>((x, y) -> Double.compare(x[0], y[0]) != 0
                ? Double.compare(x[0], y[0]) : Double.compare(x[1], y[1]));
        Arrays.fill(dist, Double.POSITIVE_INFINITY);
        for (int s0 = 0; s0 < n; s0++) {
            int touchedCount = 0;
            heap.clear();
            // relax from left item s0 with distance 0
            int l = s0;
            double base = 0;
            int end = -1;
            double total = 0;
            while (true) {
                for (int k = start[l]; k <= start[l + 1]; k++) {
                    // k == start[l + 1]: the left item's own right item
                    int r = k < start[l + 1] ? toRight[k] : m + l;
                    double cost = k < start[l + 1] ? -weight[of[k]] : 0;
                    if (scanned[r]) {
                        continue;
                    }
                    double d = base + cost - u[l] - v[r];
                    if (d < dist[r]) {
                        if (dist[r] == Double.POSITIVE_INFINITY) {
                            touched[touchedCount++] = r;
                        }
                        dist[r] = d;
                        pred[r] = l;
                        predEdge[r] = k < start[l + 1] ? of[k] : -1;
                        heap.add(new double[]{d, r});
                    }
                }
                int r;
                do {
                    double[] top = heap.poll();
                    r = (int) top[1];
                    if (!scanned[r] && top[0] == dist[r]) {
                        break;
                    }
                } while (true);
                scanned[r] = true;
                if (matchOfRight[r] < 0) {
                    end = r;
                    total = dist[r];
                    break;
                }
                l = matchOfRight[r];
                base = dist[r];
            }
            // potentials: every right item scanned before the end moves by how much nearer it was
            u[s0] += total;
            for (int t = 0; t < touchedCount; t++) {
                int r = touched[t];
                if (scanned[r] && r != end) {
                    double slack = total - dist[r];
                    v[r] -= slack;
                    u[matchOfRight[r]] += slack;
                }
            }
            // augment: the path's pairs flip
            for (int r = end; ; ) {
                int pl = pred[r];
                int before = matchOfLeft[pl];
                matchOfLeft[pl] = r;
                edgeOfLeft[pl] = predEdge[r];
                matchOfRight[r] = pl;
                if (pl == s0) {
                    break;
                }
                r = before;
            }
            for (int t = 0; t < touchedCount; t++) {
                dist[touched[t]] = Double.POSITIVE_INFINITY;
                scanned[touched[t]] = false;
            }
        }
        for (int i = 0; i < n; i++) {
            if (matchOfLeft[i] < m && edgeOfLeft[i] >= 0) {
                chosen[lIds[i]] = edgeOfLeft[i];
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
