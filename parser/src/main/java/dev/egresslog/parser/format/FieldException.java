package dev.egresslog.parser.format;

/**
 * A field value that does not fit its place in a format ("expected a byte count, found 'abc'").
 * Thrown on the reject path only, so it carries no stack trace.
 */
public final class FieldException extends Exception {
    private final int column;

    public FieldException(String message) {
        this(message, 0);
    }

    public FieldException(String message, int column) {
        super(message, null, false, false);
        this.column = column;
    }

    /** 1-based column in the line, 0 when unknown. */
    public int column() {
        return column;
    }

    /** "expected a byte count, found 'abc'" with the found text shortened for display. */
    public static FieldException expected(String what, String line, int start, int end) {
        return new FieldException("expected " + what + ", found " + quote(line, start, end), start + 1);
    }

    public static String quote(String line, int start, int end) {
        if (start >= end) {
            return "nothing";
        }
        int shown = Math.min(end, start + 40);
        return "'" + line.substring(start, shown) + (shown < end ? "...'" : "'");
    }
}
