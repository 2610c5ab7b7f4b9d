package dev.egresslog.cli.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Scores the tunnels table against a simulation's truth: a tunnel is right when its row holds
 * exactly the lines the truth says belong together; a link (sidecar–gateway, upstream hop–Squid)
 * is right when both lines are in one row and the truth joins them.
 */
public final class Evaluation {
    /** Counts for one status or link kind. */
    public static final class Score {
        public long truth;
        public long predicted;
        public long correct;
        public long statusAgrees;

        public double precision() {
            return predicted == 0 ? 1 : (double) correct / predicted;
        }

        public double recall() {
            return truth == 0 ? 1 : (double) correct / truth;
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    /** Per-status scores of full tunnels (no line lost), all tunnels, and links. */
    public record Report(Map<String, Score> fullByStatus, Score full, Score all, Map<String, Score> links) {
    }

    private record Truth(String status, List<String> refs, boolean full) {
    }

    private Evaluation() {
    }

    /**
     * @param simDir the simulation's output directory, holding truth.jsonl
     * @param prefix what the tunnels' file names start with before the simulation's own paths
     *               (the directory as given to trace, with a trailing slash)
     */
    public static Report evaluate(Path simDir, String prefix, Connection db) throws IOException, SQLException {
        Map<String, Truth> byRef = new HashMap<>();
        List<Truth> truths = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = Files.newBufferedReader(simDir.resolve("truth.jsonl"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n = json.readTree(line);
                String status = n.get("status").asText();
                List<String> refs = new ArrayList<>();
                for (String hop : new String[] {"sidecar", "gateway", "squid"}) {
                    refs.add(n.get(hop).isNull() ? null : n.get(hop).asText());
                }
                Truth t = new Truth(status, refs, isFull(status, refs));
                if (refs.stream().allMatch(x -> x == null)) {
                    continue;
                }
                truths.add(t);
                refs.stream().filter(x -> x != null).forEach(x -> byRef.put(x, t));
            }
        }
        Map<String, Score> fullByStatus = new TreeMap<>();
        Score full = new Score();
        Score all = new Score();
        Map<String, Score> links = new TreeMap<>();
        for (Truth t : truths) {
            all.truth++;
            if (t.full) {
                full.truth++;
                fullByStatus.computeIfAbsent(t.status, k -> new Score()).truth++;
            }
            if (t.refs.get(0) != null && t.refs.get(1) != null) {
                links.computeIfAbsent("sidecar-gateway", k -> new Score()).truth++;
            }
            if (t.refs.get(2) != null && (t.refs.get(1) != null || t.refs.get(0) != null && t.status.equals("bypass")
                    || t.refs.get(0) != null && t.refs.get(1) == null && t.status.equals("denied"))) {
                links.computeIfAbsent("upstream-squid", k -> new Score()).truth++;
            }
        }
        Set<Truth> seen = new HashSet<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT status, sidecar_file, sidecar_line, gateway_file, gateway_line, squid_file, squid_line FROM tunnels""")) {
            while (rs.next()) {
                List<String> refs = new ArrayList<>();
                for (int hop = 0; hop < 3; hop++) {
                    String file = rs.getString(2 + hop * 2);
                    refs.add(file == null ? null : strip(file, prefix) + ":" + rs.getLong(3 + hop * 2));
                }
                Truth owner = null;
                for (String ref : refs) {
                    if (ref != null && byRef.containsKey(ref)) {
                        owner = byRef.get(ref);
                        break;
                    }
                }
                if (owner == null) {
                    continue; // a row of lines that are no tunnel's (cannot happen with simulated input)
                }
                boolean exact = owner.refs.equals(refs) && seen.add(owner);
                all.predicted++;
                all.correct += exact ? 1 : 0;
                if (owner.full) {
                    Score st = fullByStatus.get(owner.status);
                    st.predicted++;
                    full.predicted++;
                    if (exact) {
                        st.correct++;
                        full.correct++;
                        if (owner.status.equals(rs.getString(1))) {
                            st.statusAgrees++;
                            full.statusAgrees++;
                        }
                    }
                }
                if (refs.get(0) != null && refs.get(1) != null) {
                    Score l = links.computeIfAbsent("sidecar-gateway", k -> new Score());
                    l.predicted++;
                    l.correct += owner.refs.get(0) != null && owner.refs.get(0).equals(refs.get(0))
                            && refs.get(1).equals(owner.refs.get(1)) ? 1 : 0;
                }
                String upstream = refs.get(1) != null ? refs.get(1) : refs.get(0);
                if (refs.get(2) != null && upstream != null) {
                    Score l = links.computeIfAbsent("upstream-squid", k -> new Score());
                    l.predicted++;
                    String truthUpstream = owner.refs.get(1) != null ? owner.refs.get(1) : owner.refs.get(0);
                    l.correct += refs.get(2).equals(owner.refs.get(2)) && upstream.equals(truthUpstream) ? 1 : 0;
                }
            }
        }
        return new Report(fullByStatus, full, all, links);
    }

    private static boolean isFull(String status, List<String> refs) {
        boolean s = refs.get(0) != null;
        boolean g = refs.get(1) != null;
        boolean q = refs.get(2) != null;
        return switch (status) {
            case "complete", "upstream_failed" -> s && g && q;
            case "denied" -> s && q; // via the gateway (g too) or a bypass
            case "bypass" -> s && q;
            case "gateway_failed" -> s && g;
            case "sidecar_failed" -> s;
            case "non_mesh" -> q;
            default -> false;
        };
    }

    private static String strip(String file, String prefix) {
        return file.startsWith(prefix) ? file.substring(prefix.length()) : file;
    }

    /** The report as a table. */
    public static String format(Report report) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-22s %9s %9s %9s %9s %9s %9s%n", "full tunnels", "truth", "rows", "correct", "precision", "recall", "F1"));
        for (Map.Entry<String, Score> e : report.fullByStatus().entrySet()) {
            row(b, "  " + e.getKey(), e.getValue());
        }
        row(b, "  all full tunnels", report.full());
        row(b, "every tunnel (lost lines incl.)", report.all());
        b.append(String.format("%-22s%n", "links"));
        for (Map.Entry<String, Score> e : report.links().entrySet()) {
            row(b, "  " + e.getKey(), e.getValue());
        }
        if (report.full().correct > 0) {
            b.append(String.format("status agrees on %.4f of the correct full tunnels%n",
                    (double) report.full().statusAgrees / report.full().correct));
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Score s) {
        b.append(String.format("%-22s %9d %9d %9d %9.4f %9.4f %9.4f%n", name, s.truth, s.predicted, s.correct, s.precision(),
                s.recall(), s.f1()));
    }
}
