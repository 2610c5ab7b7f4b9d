package dev.egresslog.parser.format;

import static java.util.Objects.requireNonNull;

/** One piece of a field template: literal text, or a directive that fills a slot. */
public record Segment<B>(String literal, Slot<B> slot, String directive) {
    public Segment {
        if ((literal == null) == (slot == null)) {
            throw new IllegalArgumentException("a segment is either a literal or a directive");
        }
    }

    public static <B> Segment<B> literal(String text) {
        return new Segment<>(requireNonNull(text, "text is null"), null, null);
    }

    public static <B> Segment<B> directive(String directive, Slot<B> slot) {
        return new Segment<>(null, requireNonNull(slot, "slot is null"), requireNonNull(directive, "directive is null"));
    }

    public boolean isLiteral() {
        return literal != null;
    }
}
