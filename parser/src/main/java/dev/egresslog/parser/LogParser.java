package dev.egresslog.parser;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.egresslog.parser.envoy.EnvoyParser;
import dev.egresslog.parser.format.FieldException;
import dev.egresslog.parser.format.LineTokenizer;
import dev.egresslog.parser.squid.SquidParser;

/**
 * The one entry point for access-log lines: any Envoy or Squid line, bare or wrapped, becomes
 * an {@link EnvoyRecord}, a {@link SquidRecord} or a {@link Reject}. Never throws for bad input.
 *
 * <p>Not thread safe: use one per thread (they share the compiled formats and ANTLR's DFA cache).
 */
public final class LogParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_WRAPPERS = 4;

    private final LineTokenizer tokens = new LineTokenizer();
    private final EnvoyParser envoy;
    private final SquidParser squid;
    private final Unwrapper unwrapper = new Unwrapper();

    public LogParser() {
        this(ParserOptions.DEFAULT);
    }

    /** @throws IllegalArgumentException when a custom format does not compile (the message names it and the column) */
    public LogParser(ParserOptions options) {
        envoy = EnvoyParser.create(options.envoyFormats());
        squid = SquidParser.create(options.squidFormats());
    }

    public ParsedLine parse(String line, String source, long lineNumber) {
        return parse(line, Origin.of(source, lineNumber));
    }

    /**
     * Parses one line; {@code origin} gives source and line number, the wrapper fields are filled here.
     * A line this parser fails on (a bug) is a reject too, with the failure as its reason, so that
     * one line never ends a run; the fuzz tests require that no line meets this.
     */
    public ParsedLine parse(String line, Origin origin) {
        try {
            return parseOrFail(line, origin);
        } catch (RuntimeException | StackOverflowError e) {
            return new Reject(origin, 0, INTERNAL_ERROR + e, line);
        }
    }

    /** The reason of a reject for a line the parser failed on: a bug to report, never the line's fault alone. */
    public static final String INTERNAL_ERROR = "internal error (please report it with this line): ";

    private ParsedLine parseOrFail(String line, Origin origin) {
        unwrapper.reset();
        String text = stripLineEnd(line);
        if (text.isBlank()) {
            return new Reject(origin, 0, "empty line", text);
        }
        String before = text;
        boolean ambiguous = false;
        for (int i = 0; i < MAX_WRAPPERS; i++) {
            String inner;
            if (text.startsWith("{")) {
                JsonNode object;
                try {
                    object = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    return new Reject(withWrapper(origin, false), jsonColumn(e), "invalid JSON: " + e.getOriginalMessage(), text);
                }
                if (object == null || !object.isObject()) {
                    return new Reject(withWrapper(origin, false), 1, "a JSON value that is not an object", text);
                }
                inner = unwrapper.envelope(object);
                if (inner == null) {
                    return parseJson(object, text, origin);
                }
            } else {
                inner = unwrapper.prefix(text);
                if (inner == text) {
                    break;
                }
                ambiguous |= unwrapper.bareTimestamp;
            }
            if (inner.isBlank()) {
                return new Reject(withWrapper(origin, false), 0, "empty line inside its wrapper", text);
            }
            before = ambiguous ? before : inner;
            text = inner;
        }
        ParsedLine parsed = parseText(text, origin, false);
        if (parsed instanceof Reject && ambiguous) {
            // "2022-...Z rest" may be kubectl --timestamps or a custom format starting with %START_TIME%
            unwrapper.wrapperTime = -1;
            ParsedLine whole = parseText(before, origin, false);
            if (!(whole instanceof Reject)) {
                return whole;
            }
        }
        if (parsed instanceof Reject reject) {
            String binary = binaryReason(text);
            if (binary != null) {
                return new Reject(reject.origin(), 0, binary, text);
            }
            String repaired = Repairs.repair(text);
            if (repaired != null) {
                ParsedLine again = parseText(repaired, origin, true);
                if (!(again instanceof Reject)) {
                    return again;
                }
            }
            return reject;
        }
        return parsed;
    }

    private ParsedLine parseJson(JsonNode object, String text, Origin origin) {
        Origin o = withWrapper(origin, false);
        try {
            EnvoyRecord record = envoy.parseJson(object, o);
            if (record == null) {
                return new Reject(o, 1, "a JSON object with no Envoy access-log key and no 'log' or 'message' field", text);
            }
            return record;
        } catch (FieldException e) {
            return new Reject(o, 0, e.getMessage(), text);
        }
    }

    private ParsedLine parseText(String text, Origin origin, boolean repaired) {
        Origin o = withWrapper(origin, repaired);
        if (!tokens.tokenize(text)) {
            return new Reject(o, tokens.errorColumn(), tokens.errorMessage(), text);
        }
        boolean envoyFirst = tokens.count() > 0 && tokens.kind(0) == LineTokenizer.BRACKETED;
        FieldException firstError = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                ParsedLine record = (attempt == 0) == envoyFirst ? envoy.parse(tokens, o) : squid.parse(tokens, o);
                if (record != null) {
                    return record;
                }
            } catch (FieldException e) {
                if (firstError == null) {
                    firstError = e;
                }
            }
        }
        if (firstError != null) {
            return new Reject(o, firstError.column(), firstError.getMessage(), text);
        }
        FieldException why = envoyFirst ? envoy.explainShape(tokens) : squid.explainShape(tokens);
        return new Reject(o, why.column(), "no known format fits: " + why.getMessage()
                + " (a custom format can be given with --envoy-format or --squid-logformat)", text);
    }

    private Origin withWrapper(Origin origin, boolean repaired) {
        Unwrapper u = unwrapper;
        if (u.pod == null && u.namespace == null && u.container == null && u.wrapperTime < 0 && !repaired) {
            return origin;
        }
        return new Origin(origin.source(), origin.line(), u.pod != null ? u.pod : origin.pod(),
                u.namespace != null ? u.namespace : origin.namespace(),
                u.container != null ? u.container : origin.container(),
                u.wrapperTime >= 0 ? u.wrapperTime : origin.wrapperTime(), repaired || origin.repaired());
    }

    private static String stripLineEnd(String line) {
        int start = line.startsWith("\uFEFF") ? 1 : 0;
        int end = line.length();
        while (end > start && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        return start == 0 && end == line.length() ? line : line.substring(start, end);
    }

    /** Why a line is binary data rather than text, or null. */
    static String binaryReason(String text) {
        int suspicious = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return "binary data: the line holds a NUL byte";
            }
            if (c < 0x20 && c != '\t' || c == '\uFFFD') {
                suspicious++;
            }
        }
        if (suspicious > 8 && suspicious * 10 > text.length()) {
            return "binary data: " + suspicious + " of " + text.length()
                    + " characters are control characters or invalid UTF-8";
        }
        return null;
    }

    private static int jsonColumn(JsonProcessingException e) {
        return e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getColumnNr());
    }
}
