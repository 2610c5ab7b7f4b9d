package dev.egresslog.parser;

import static java.util.Objects.requireNonNull;

/**
 * An address as logged: {@code 10.0.0.15:8080}, {@code [2001:db8::1]:443}, a bare IP (Squid's
 * client), a host name, or an Envoy internal address ({@code envoy://internal_client_address/}).
 *
 * @param raw  the text as logged
 * @param host the IP (IPv6 without brackets) or host name; null for Envoy internal addresses
 * @param port the port, or -1 when there is none
 */
public record Endpoint(String raw, String host, int port) {
    public Endpoint {
        requireNonNull(raw, "raw is null");
    }

    /** Parses an address; returns null for "-" and empty text. Never throws. */
    public static Endpoint parse(String text) {
        if (text == null || text.isEmpty() || text.equals("-")) {
            return null;
        }
        if (text.startsWith("envoy://")) {
            return new Endpoint(text, null, -1);
        }
        if (text.charAt(0) == '[') {
            int close = text.indexOf(']');
            if (close > 0) {
                String host = text.substring(1, close);
                int port = close + 1 < text.length() && text.charAt(close + 1) == ':'
                        ? parsePort(text, close + 2, text.length()) : -1;
                return new Endpoint(text, host, port);
            }
            return new Endpoint(text, text, -1);
        }
        int colon = text.lastIndexOf(':');
        if (colon > 0 && text.indexOf(':') == colon) {
            int port = parsePort(text, colon + 1, text.length());
            if (port >= 0) {
                return new Endpoint(text, text.substring(0, colon), port);
            }
        }
        // a bare IPv4, a bare IPv6 (several colons, Squid's client field) or a host name
        return new Endpoint(text, text, -1);
    }

    private static int parsePort(String text, int start, int end) {
        if (start >= end || end - start > 5) {
            return -1;
        }
        int port = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }

    @Override
    public String toString() {
        return raw;
    }
}
