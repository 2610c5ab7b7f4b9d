package dev.egresslog.parser;

import static java.util.Objects.requireNonNull;

/**
 * A line that could not be parsed, and why.
 *
 * @param origin where it came from
 * @param column 1-based column of the problem in the line as read (after any wrapper), 0 when unknown
 * @param reason a sentence a person understands: "expected a byte count, found 'abc'"
 * @param text   the line as read, cut to {@link #MAX_TEXT} characters
 */
public record Reject(Origin origin, int column, String reason, String text) implements ParsedLine {
    public static final int MAX_TEXT = 4096;

    public Reject {
        requireNonNull(origin, "origin is null");
        requireNonNull(reason, "reason is null");
        text = text == null ? "" : text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
    }

    @Override
    public String kind() {
        return "reject";
    }

    /** access.log:1042:57: expected a byte count, found 'abc' */
    public String message() {
        return origin.source() + ":" + origin.line() + (column > 0 ? ":" + column : "") + ": " + reason;
    }
}
