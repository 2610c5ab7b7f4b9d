package dev.egresslog.cli.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egresslog.cli.UserException;
import dev.egresslog.cli.store.Store.PodAddress;
import dev.egresslog.parser.InputParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pod listing as operators save it: {@code kubectl get pods -A -o json} (a List of Pods, or one
 * Pod) or {@code kubectl get pods -A -o wide} (text). Each pod with an IP becomes an entry: which
 * pod held that IP from when. Text listings give an AGE, not a start time: the start is the file's
 * modification time (when it was saved) less the age.
 */
public final class PodListing {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern AGE_PART = Pattern.compile("(\\d+)([ydhms])");

    private PodListing() {
    }

    /** A listing's file, its pods, and what it is known by (its content's hash, as logs are known) and its size. */
    public record Listing(Path file, List<PodAddress> pods, String fingerprint, long bytes) {
    }

    /** @throws UserException when the file is neither a JSON pod listing nor kubectl's wide table */
    public static Listing read(Path file) {
        byte[] content;
        long savedAt;
        try {
            content = Files.readAllBytes(file);
            savedAt = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new UserException("cannot read pods file " + file + ": " + InputParser.describe(e));
        }
        String text = new String(content, StandardCharsets.UTF_8);
        String trimmed = text.stripLeading();
        try {
            List<PodAddress> pods = trimmed.startsWith("{") ? json(JSON.readTree(trimmed)) : wide(text, savedAt);
            return new Listing(file, pods, "pods:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 16),
                    content.length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException | RuntimeException e) {
            throw new UserException("cannot read pods file " + file + ": not the output of 'kubectl get pods -o json' or '-o wide' ("
                    + e.getMessage() + ")");
        }
    }

    private static List<PodAddress> json(JsonNode root) {
        List<PodAddress> out = new ArrayList<>();
        JsonNode items = root.has("items") ? root.get("items") : JSON.createArrayNode().add(root);
        for (JsonNode item : items) {
            JsonNode meta = item.path("metadata");
            JsonNode status = item.path("status");
            long started = time(status.path("startTime").asText(meta.path("creationTimestamp").asText("")));
            List<String> ips = new ArrayList<>();
            for (JsonNode ip : status.path("podIPs")) {
                ips.add(ip.path("ip").asText());
            }
            if (ips.isEmpty() && status.hasNonNull("podIP")) {
                ips.add(status.get("podIP").asText());
            }
            JsonNode labels = meta.path("labels");
            String app = labels.hasNonNull("app") ? labels.get("app").asText()
                    : labels.hasNonNull("app.kubernetes.io/name") ? labels.get("app.kubernetes.io/name").asText() : null;
            for (String ip : ips) {
                if (!ip.isEmpty() && started >= 0) {
                    out.add(new PodAddress(text(meta, "namespace"), text(meta, "name"), text(meta, "uid"),
                            text(item.path("spec"), "nodeName"), app, ip, started));
                }
            }
        }
        return out;
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static long time(String iso) {
        try {
            return iso.isEmpty() ? -1 : Instant.parse(iso).toEpochMilli();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }

    /** kubectl's wide table: values start where their header does. */
    private static List<PodAddress> wide(String text, long savedAt) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty() || !lines.get(0).contains("NAME") || !lines.get(0).contains(" IP ")) {
            throw new IllegalArgumentException("no NAME ... IP header");
        }
        String header = lines.get(0);
        int namespace = start(header, "NAMESPACE");
        int name = start(header, "NAME");
        int ipAt = start(header, "IP");
        int ageAt = start(header, "AGE");
        int node = start(header, "NODE");
        List<PodAddress> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String ip = column(line, ipAt);
            String age = column(line, ageAt);
            if (ip == null || ip.equals("<none>") || age == null) {
                continue;
            }
            out.add(new PodAddress(column(line, namespace), column(line, name), null, column(line, node), null, ip,
                    savedAt - ageMillis(age)));
        }
        return out;
    }

    /** Where the column {@code name} starts in kubectl's header line, or -1. */
    private static int start(String header, String name) {
        Matcher m = Pattern.compile("(?<=^|\\s)" + Pattern.quote(name) + "(?=\\s|$)").matcher(header);
        return m.find() ? m.start() : -1;
    }

    /** The value that starts at {@code start} in a line of a table whose columns start where their headers do. */
    private static String column(String line, int start) {
        if (start < 0 || start >= line.length()) {
            return null;
        }
        int end = line.indexOf(' ', start);
        String value = line.substring(start, end < 0 ? line.length() : end).strip();
        return value.isEmpty() ? null : value;
    }

    /** "3d4h", "25m", "10s", "2y" in ms. */
    static long ageMillis(String age) {
        Matcher m = AGE_PART.matcher(age);
        long ms = 0;
        boolean any = false;
        while (m.find()) {
            any = true;
            long n = Long.parseLong(m.group(1));
            ms += n * switch (m.group(2)) {
                case "y" -> 365L * 86_400_000;
                case "d" -> 86_400_000L;
                case "h" -> 3_600_000L;
                case "m" -> 60_000L;
                default -> 1_000L;
            };
        }
        if (!any) {
            throw new IllegalArgumentException("an AGE like 3d4h, found '" + age + "'");
        }
        return ms;
    }
}
