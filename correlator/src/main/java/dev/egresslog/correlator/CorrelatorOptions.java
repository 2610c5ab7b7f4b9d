package dev.egresslog.correlator;

import java.util.List;

/**
 * Tolerances of the joins and the user's overrides.
 *
 * @param maxSkewMs        largest Squid clock offset searched for (either sign)
 * @param proxyWindowMs    largest start-time difference of an upstream hop and its Squid line, once the offset is
 *                         removed (a Squid source whose certain pairs agree better gets a narrower window)
 * @param meshWindowMs     largest start-time difference of a sidecar line and its gateway line (node clocks)
 * @param proxyAddresses   proxy addresses given by the user, added to the learned ones
 * @param squidProxyMap    "SOURCE_PATH=ADDRESS" pairs: which proxy address a Squid file serves, overriding what is learned
 */
public record CorrelatorOptions(long maxSkewMs, long proxyWindowMs, long meshWindowMs, List<String> proxyAddresses,
                                List<String> squidProxyMap) {
    public static final CorrelatorOptions DEFAULT = new CorrelatorOptions(15 * 60_000, 1_500, 2_000, List.of(), List.of());

    public CorrelatorOptions {
        proxyAddresses = List.copyOf(proxyAddresses);
        squidProxyMap = List.copyOf(squidProxyMap);
        for (String address : proxyAddresses) {
            checkAddress(address, "--proxy");
        }
        for (String pair : squidProxyMap) {
            if (pair.lastIndexOf('=') <= 0 || pair.endsWith("=")) {
                throw new IllegalArgumentException("expected SQUID_FILE=PROXY_ADDRESS, found '" + pair + "'");
            }
            checkAddress(pair.substring(pair.lastIndexOf('=') + 1), "--squid-proxy");
        }
        if (maxSkewMs <= 0 || proxyWindowMs <= 0 || meshWindowMs <= 0) {
            throw new IllegalArgumentException("tolerances must be positive");
        }
    }

    /** A proxy address as Envoy writes it: HOST:PORT, [IPv6]:PORT, port 1 to 65535. */
    private static void checkAddress(String address, String option) {
        int colon = address.lastIndexOf(':');
        String host = colon > 0 ? address.substring(0, colon) : "";
        String port = colon > 0 ? address.substring(colon + 1) : "";
        boolean ok = !host.isEmpty() && port.matches("[0-9]{1,5}") && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535
                && (host.startsWith("[") ? host.endsWith("]") && host.length() > 2 : host.matches("[A-Za-z0-9._-]+"));
        if (!ok) {
            throw new IllegalArgumentException(option + " expects HOST:PORT (such as 10.0.0.5:3128 or [fd00::5]:3128), found '"
                    + address + "'");
        }
    }
}
