package dev.egresslog.cli;

import dev.egresslog.cli.ingest.Ingest;
import dev.egresslog.cli.ingest.Inputs;
import dev.egresslog.cli.ingest.PodListing;
import dev.egresslog.cli.report.RoleCheck;
import dev.egresslog.cli.store.Correlation;
import dev.egresslog.cli.store.Store;
import dev.egresslog.correlator.CorrelatorOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        description = {
                "Reads sidecar, egress gateway and Squid logs into a DuckDB file and joins the hops of every "
                        + "tunnel. Which file is which is found from the data; --sidecar, --gateway and --squid force it.",
                "Re-running on the same files adds nothing; new files join with what the database holds."})
final class TraceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    FormatOptions formats;

    @Mixin
    DatabaseOption database;

    @Option(names = "--sidecar", paramLabel = "PATH", description = "Input whose Envoy lines are client sidecars'. Repeatable.")
    List<String> sidecars = new ArrayList<>();

    @Option(names = "--gateway", paramLabel = "PATH", description = "Input whose Envoy lines are egress gateways'. Repeatable.")
    List<String> gateways = new ArrayList<>();

    @Option(names = "--squid", paramLabel = "PATH", description = "Input that is a Squid access log. Repeatable.")
    List<String> squids = new ArrayList<>();

    @Option(names = "--squid-proxy", paramLabel = "SQUID_FILE=HOST:PORT",
            description = "The proxy address a Squid file serves, instead of the one learned. Repeatable.")
    List<String> squidProxies = new ArrayList<>();

    @Option(names = "--pods", paramLabel = "FILE",
            description = "A pod listing ('kubectl get pods -A -o json', or '-o wide'): names the pods of tunnels whose lines "
                    + "do not, by the IP each pod held when the tunnel started. Several, from different times, may be given. Repeatable.")
    List<Path> podListings = new ArrayList<>();

    @Mixin
    CorrelationOptions correlation;

    @Option(names = "--threads", paramLabel = "N", description = "Parser threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--part-bytes", hidden = true, paramLabel = "BYTES",
            description = "Plain files larger than this are read by several threads in parts of this size.")
    long partBytes = Ingest.PART_BYTES;

    @Option(names = "--keep-raw", description = "Store each line's text in the database, so that explain shows it even "
            + "when the log files are gone (slower: DuckDB compresses the text).")
    boolean keepRaw;

    @Parameters(paramLabel = "PATH", arity = "0..*",
            description = "Log files, directories, globs, .gz files, or - for standard input.")
    List<String> paths = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (threadCount < 1 || threadCount > 1024) {
            throw new UserException("--threads must be between 1 and 1024, found " + threadCount);
        }
        if (partBytes < 1024) {
            throw new UserException("--part-bytes must be at least 1024");
        }
        var neverRead = Inputs.neverRead(List.of(database.db));
        List<Ingest.Source> sources = new ArrayList<>();
        List<Inputs.Skipped> skipped = new ArrayList<>();
        addSources(sources, skipped, paths, null, neverRead);
        addSources(sources, skipped, sidecars, "sidecar", neverRead);
        addSources(sources, skipped, gateways, "gateway", neverRead);
        addSources(sources, skipped, squids, "squid", neverRead);
        List<PodListing.Listing> listings = new ArrayList<>();
        for (Path file : podListings) {
            listings.add(PodListing.read(file));
        }
        if (sources.isEmpty() && skipped.isEmpty() && podListings.isEmpty()) {
            throw new UserException("no input: give log files or directories (see 'egresslog trace --help')");
        }
        CorrelatorOptions correlatorOptions = correlation.toCorrelatorOptions(squidProxies);
        var parserOptions = formats.compiled();
        long t0 = System.nanoTime();
        boolean compact = false;
        try (Store store = Store.open(database.db, correlation.memoryLimit, err, keepRaw)) {
            checkSquidProxyFiles(store);
            for (Inputs.Skipped s : skipped) {
                err.printf("egresslog trace: skipped %s: %s%n", s.name(), s.reason());
            }
            store.inTransaction(c -> {
                for (Inputs.Skipped s : skipped) {
                    store.addSkipped(s.name(), Path.of(s.name()).toAbsolutePath().toString(), s.reason());
                }
                for (PodListing.Listing listing : listings) {
                    addPods(store, listing, err);
                }
            });
            try {
                Ingest.Totals totals = new Ingest(store, parserOptions, threadCount, keepRaw, partBytes, err).run(sources);
                compact = totals.recoveredInputs() > 0;
                err.printf("egresslog trace: read %,d lines from %d files (%d parts) in %.1f s (%,.0f lines/s); %,d rejected%n",
                        totals.lines(), totals.files(), totals.parts(), totals.seconds(),
                        totals.lines() / Math.max(totals.seconds(), 1e-9), totals.rejects());
                err.flush();
            } finally {
                Ingest.deleteSpool(database.db);
            }
            Correlation.Result result = new Correlation(store.connection(), correlatorOptions, line -> {
                err.println("egresslog trace: " + line);
                err.flush();
            }).run();
            if (result.linesInNoRow() > 0) {
                err.printf("egresslog trace: WARNING: %,d lines on an egress path are in no tunnel row (a bug: each should be "
                        + "in exactly one); please report it%n", result.linesInNoRow());
            }
            int named = store.namePodsFromListings();
            if (named > 0) {
                err.printf("egresslog trace: %,d tunnel rows got their pod from the pod listings%n", named);
            }
            summary(out, store, result, (System.nanoTime() - t0) / 1e9);
            RoleCheck.warn(store, err);
        } catch (SQLException e) {
            throw new UserException(correlation.databaseError(e), ExitCodes.FAILURE);
        } finally {
            Store.removeEmptyTempDirectory(database.db);
        }
        if (compact) {
            // what the failed run had stored was deleted: give its space back
            try {
                long[] sizes = Store.compact(database.db, correlation.memoryLimit);
                err.printf("egresslog trace: compacted %s after the failed run: %,d -> %,d bytes%n", database.db, sizes[0], sizes[1]);
            } catch (SQLException e) {
                err.printf("egresslog trace: could not compact %s (%s); the database is complete, only larger%n",
                        database.db, Store.firstLine(e));
            }
            Store.removeEmptyTempDirectory(database.db);
        }
        return ExitCodes.OK;
    }

    private static void addPods(Store store, PodListing.Listing listing, PrintWriter err) throws SQLException {
        if (store.addPods(listing.file().toString(), listing.fingerprint(), listing.bytes(), listing.pods())) {
            err.printf("egresslog trace: %s: %,d pods with an IP%n", listing.file(), listing.pods().size());
        } else {
            err.printf("egresslog trace: %s is already in the database; skipped%n", listing.file());
        }
    }

    /** A --squid-proxy file must be an input of this run or one the database holds. */
    private void checkSquidProxyFiles(Store store) throws SQLException {
        for (String pair : squidProxies) {
            String file = pair.substring(0, pair.lastIndexOf('='));
            if (!Files.exists(Path.of(file)) && !store.hasSourcePath(file)) {
                throw new UserException("--squid-proxy names " + file + ", which is neither a file nor an input in " + database.db);
            }
        }
    }

    private static void addSources(List<Ingest.Source> sources, List<Inputs.Skipped> skipped, List<String> paths, String role,
                                   java.util.function.Predicate<Path> neverRead) {
        if (paths.isEmpty()) {
            return;
        }
        Inputs.Expansion expansion = Inputs.expand(paths, neverRead);
        for (Inputs.Input input : expansion.inputs()) {
            sources.add(new Ingest.Source(input, role));
        }
        skipped.addAll(expansion.skipped());
    }

    private void summary(PrintWriter out, Store store, Correlation.Result result, double seconds) throws SQLException {
        out.printf("Database: %s (%.1f s)%n%n", store.path(), seconds);
        out.println("Tunnels by status:");
        long total = 0;
        for (Map.Entry<String, Long> e : result.byStatus().entrySet()) {
            out.printf("  %-16s %,10d%n", e.getKey(), e.getValue());
            total += e.getValue();
        }
        out.printf("  %-16s %,10d%n%n", "total", total);
        out.println("Squid clock offsets (squid - mesh):");
        if (result.offsets().isEmpty()) {
            out.println("  none estimated (no unambiguous gateway/Squid pairs)");
        }
        result.offsets().forEach(o -> out.println("  " + o));
        out.println();
        try (Statement s = store.connection().createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT source_id) FROM rejects")) {
                rs.next();
                out.printf("Rejected lines: %,d in %d files (SELECT * FROM rejects)%n", rs.getLong(1), rs.getLong(2));
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FILTER (kind = 'skipped'), count(*) FILTER (error IS NOT NULL "
                    + "AND kind IS DISTINCT FROM 'skipped') FROM sources")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    out.printf("Not read: %,d entries of the input directories (SELECT path, error FROM sources WHERE kind = 'skipped')%n",
                            rs.getLong(1));
                }
                if (rs.getLong(2) > 0) {
                    out.printf("Read only in part: %,d inputs (SELECT path, lines, error FROM sources WHERE error IS NOT NULL)%n",
                            rs.getLong(2));
                }
            }
            out.println();
            List<dev.egresslog.cli.report.Advice.Item> advice = dev.egresslog.cli.report.Advice.of(store.connection());
            if (!advice.isEmpty()) {
                out.println("Advice (what would make the next trace exact or clearer):");
                for (var item : advice) {
                    out.println("  - " + item.text());
                }
                out.println();
            }
            table(out, s, "Top clients:", """
                    SELECT coalesce(pod, client_ip) AS client, count(*) AS tunnels, sum(bytes_down) AS bytes_down
                    FROM tunnels WHERE sidecar_line IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5""");
            table(out, s, "Top targets:", """
                    SELECT connect_host || ':' || connect_port AS target, count(*) AS tunnels, sum(bytes_down) AS bytes_down
                    FROM tunnels WHERE connect_host IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5""");
        }
        out.flush();
    }

    private static void table(PrintWriter out, Statement s, String title, String sql) throws SQLException {
        out.println(title);
        try (ResultSet rs = s.executeQuery(sql)) {
            boolean any = false;
            while (rs.next()) {
                any = true;
                out.printf("  %-48s %,8d tunnels %,16d bytes down%n", rs.getString(1), rs.getLong(2), rs.getLong(3));
            }
            if (!any) {
                out.println("  none");
            }
        }
        out.println();
    }
}
