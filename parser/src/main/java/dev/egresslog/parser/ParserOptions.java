package dev.egresslog.parser;

import java.util.List;

/**
 * The user's own formats, tried before the built-in ones.
 *
 * @param envoyFormats Envoy format strings (meshConfig.accessLogFormat)
 * @param squidFormats Squid logformat definitions ("logformat NAME ..." or just the format)
 */
public record ParserOptions(List<String> envoyFormats, List<String> squidFormats) {
    public static final ParserOptions DEFAULT = new ParserOptions(List.of(), List.of());

    public ParserOptions {
        envoyFormats = List.copyOf(envoyFormats);
        squidFormats = List.copyOf(squidFormats);
    }
}
