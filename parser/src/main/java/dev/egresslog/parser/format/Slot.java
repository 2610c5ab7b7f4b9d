package dev.egresslog.parser.format;

/**
 * Where one format directive's value goes in a record builder, and how it is converted.
 *
 * @param <B> the builder the value is stored in
 */
public interface Slot<B> {
    /**
     * Converts {@code line[start, end)} and stores it in the builder.
     *
     * @throws FieldException when the text is not a value of this slot's type
     */
    void set(B builder, String line, int start, int end) throws FieldException;

    /** True when the value may contain blanks (Squid user names): such a field can span several tokens. */
    default boolean elastic() {
        return false;
    }
}
