package dev.egresslog.parser;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One Squid access-log line. Numbers are -1 when absent; strings are null for "-".
 *
 * @param format       "squid", "common", "combined" or a custom name
 * @param endTime      epoch ms when the line was written (end of the transaction)
 * @param elapsed      ms the transaction took, -1 when the format has no %tr
 * @param client       client address (%>a; with the port when the format has %>p)
 * @param resultCode   %Ss: TCP_TUNNEL, TCP_DENIED, NONE_NONE, TCP_TUNNEL_ABORTED, ...
 * @param httpStatus   %>Hs, 0 for "000"
 * @param bytes        %<st: bytes sent to the client, headers included
 * @param requestBytes %>st: bytes received from the client, -1 when not logged
 * @param connectHost  for CONNECT, the target host; null otherwise
 * @param connectPort  for CONNECT, the target port; -1 otherwise
 * @param hierarchy    %Sh: HIER_DIRECT, HIER_NONE, FIRSTUP_PARENT, TIMEOUT_..., DIRECT, NONE
 * @param serverIp     %<a: the server's address, null for "-" and empty
 * @param extras       values with no typed place (custom directives, log_mime_hdrs blocks as
 *                     request_headers and reply_headers, extra fields as field_N)
 */
public record SquidRecord(
        Origin origin,
        String format,
        long endTime,
        long elapsed,
        Endpoint client,
        String resultCode,
        int httpStatus,
        long bytes,
        long requestBytes,
        String method,
        String url,
        String connectHost,
        int connectPort,
        String user,
        String hierarchy,
        String serverIp,
        String contentType,
        String referer,
        String userAgent,
        Map<String, String> extras) implements ParsedLine {

    public SquidRecord {
        requireNonNull(origin, "origin is null");
        requireNonNull(format, "format is null");
        extras = extras == null ? Map.of() : extras;
    }

    @Override
    public String kind() {
        return "squid";
    }

    /** end − elapsed: when Squid parsed the request (0–30 ms after the TCP accept). */
    public long startTime() {
        return elapsed < 0 ? endTime : endTime - elapsed;
    }

    public boolean isConnect() {
        return "CONNECT".equals(method);
    }

    /** The client aborted (TCP_TUNNEL_ABORTED, TCP_MISS_ABORTED, ...). */
    public boolean aborted() {
        return resultCode != null && resultCode.endsWith("_ABORTED");
    }

    /** Squid refused the request (TCP_DENIED, TCP_DENIED_REPLY, ...). */
    public boolean denied() {
        return resultCode != null && resultCode.startsWith("TCP_DENIED");
    }
}
