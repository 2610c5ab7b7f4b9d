package dev.egresslog.parser.format;

import static java.util.Objects.requireNonNull;

/** A directive egresslog has no typed place for: its value is kept as an extra under the directive's text. */
public record ExtraSlot<B extends RecordBuilder>(String name) implements Slot<B> {
    public ExtraSlot {
        requireNonNull(name, "name is null");
    }

    @Override
    public void set(B builder, String line, int start, int end) {
        String value = Values.text(line, start, end);
        if (value != null) {
            builder.extra(name, value);
        }
    }
}
