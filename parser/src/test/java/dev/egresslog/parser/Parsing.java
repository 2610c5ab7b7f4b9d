package dev.egresslog.parser;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers: parse one line and insist on the kind of result. */
final class Parsing {
    private static final LogParser PARSER = new LogParser();

    private Parsing() {
    }

    static ParsedLine parse(String line) {
        return PARSER.parse(line, "test.log", 1);
    }

    static EnvoyRecord envoy(String line) {
        return envoy(PARSER, line);
    }

    static EnvoyRecord envoy(LogParser parser, String line) {
        return parsed(parser, line, EnvoyRecord.class);
    }

    static SquidRecord squid(String line) {
        return squid(PARSER, line);
    }

    static SquidRecord squid(LogParser parser, String line) {
        return parsed(parser, line, SquidRecord.class);
    }

    private static <T extends ParsedLine> T parsed(LogParser parser, String line, Class<T> kind) {
        ParsedLine parsed = parser.parse(line, "test.log", 1);
        if (parsed instanceof Reject r) {
            fail("rejected: " + r.message() + "\n  " + line);
        }
        return assertInstanceOf(kind, parsed);
    }

    static Reject reject(String line) {
        ParsedLine parsed = PARSER.parse(line, "test.log", 1);
        return assertInstanceOf(Reject.class, parsed, () -> "parsed, but should be rejected: " + line);
    }

    static long millis(String iso) {
        return java.time.Instant.parse(iso).toEpochMilli();
    }
}
