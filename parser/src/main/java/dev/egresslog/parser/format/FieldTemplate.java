package dev.egresslog.parser.format;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * One blank-separated field of a format: its kind ({@link LineTokenizer#BARE}, QUOTED or
 * BRACKETED) and the segments of its value, delimiters excluded.
 */
public record FieldTemplate<B>(int kind, List<Segment<B>> segments, String text) {
    public FieldTemplate {
        segments = List.copyOf(segments);
        requireNonNull(text, "text is null");
    }

    /** The slot when the field is exactly one directive (the common case), else null. */
    Slot<B> onlySlot() {
        return segments.size() == 1 && !segments.get(0).isLiteral() ? segments.get(0).slot() : null;
    }

    /** A field made of one directive whose value may contain blanks. */
    public boolean elastic() {
        return segments.size() == 1 && !segments.get(0).isLiteral() && segments.get(0).slot().elastic();
    }
}
