package dev.egresslog.parser.squid;

import dev.egresslog.parser.Endpoint;
import dev.egresslog.parser.Origin;
import dev.egresslog.parser.SquidRecord;
import dev.egresslog.parser.format.FieldException;
import dev.egresslog.parser.format.RecordBuilder;
import dev.egresslog.parser.format.TextCache;
import dev.egresslog.parser.format.Values;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The mutable side of {@link SquidRecord}: reused for every line by one parser. */
final class SquidBuilder implements RecordBuilder {
    long endSeconds;
    int endMillis;
    long endTimeMillis;
    long startTimeMillis;
    long elapsed;
    String client;
    int clientPort;
    String resultCode;
    int httpStatus;
    long bytes;
    long requestBytes;
    String method;
    String url;
    String user;
    String hierarchy;
    String serverIp;
    String contentType;
    String referer;
    String userAgent;
    Map<String, String> extras;

    // result codes, methods, hierarchy codes, client and server addresses repeat across lines
    final TextCache<String> texts = new TextCache<>(1024);
    final TextCache<Endpoint> endpoints = new TextCache<>(1024);

    SquidBuilder() {
        reset();
    }

    @Override
    public void reset() {
        endSeconds = -1;
        endMillis = 0;
        endTimeMillis = -1;
        startTimeMillis = -1;
        elapsed = -1;
        client = null;
        clientPort = -1;
        resultCode = null;
        httpStatus = -1;
        bytes = -1;
        requestBytes = -1;
        method = null;
        url = null;
        user = null;
        hierarchy = null;
        serverIp = null;
        contentType = null;
        referer = null;
        userAgent = null;
        extras = null;
    }

    String text(String line, int start, int end) {
        return start >= end || end - start == 1 && line.charAt(start) == '-' ? null : TextCache.text(texts, line, start, end);
    }

    @Override
    public void extra(String name, String value) {
        if (extras == null) {
            extras = new LinkedHashMap<>(8);
        }
        extras.put(name, value);
    }

    /** Renames the extras a native line gets from log_mime_hdrs. */
    void nameMimeHeaders(int firstExtraField) {
        if (extras == null) {
            return;
        }
        String request = extras.remove("field_" + firstExtraField);
        String reply = extras.remove("field_" + (firstExtraField + 1));
        if (request != null) {
            extras.put("request_headers", request);
        }
        if (reply != null) {
            extras.put("reply_headers", reply);
        }
    }

    SquidRecord build(Origin origin, String format) throws FieldException {
        long end = endSeconds >= 0 ? endSeconds * 1000 + endMillis : endTimeMillis;
        long took = elapsed;
        Values.checkEnd(startTimeMillis, took, "an elapsed time of");
        if (end >= 0 && took > end) {
            throw new FieldException("an elapsed time of " + took + " ms would start before 1970; the line cannot be stored");
        }
        if (end < 0 && startTimeMillis >= 0 && took >= 0) {
            end = startTimeMillis + took;
        } else if (took < 0 && startTimeMillis >= 0 && end >= 0) {
            took = end - startTimeMillis;
        }
        String connectHost = null;
        int connectPort = -1;
        if ("CONNECT".equals(method) && url != null) {
            Endpoint target = endpoints.get(url, 0, url.length(), Endpoint::parse);
            if (target != null) {
                connectHost = target.host();
                connectPort = target.port();
            }
        }
        Endpoint clientAddress = null;
        if (client != null) {
            clientAddress = clientPort < 0 ? endpoints.get(client, 0, client.length(), Endpoint::parse)
                    : new Endpoint(client.indexOf(':') >= 0 ? "[" + client + "]:" + clientPort : client + ":" + clientPort,
                    client, clientPort);
        }
        return new SquidRecord(origin, format, end, took, clientAddress, resultCode, httpStatus, bytes, requestBytes,
                method, url, connectHost, connectPort, user, hierarchy, serverIp, contentType, referer, userAgent,
                extras == null ? null : Collections.unmodifiableMap(extras));
    }
}
