package dev.egresslog.parser.format;

/** What every record builder offers the template matcher. */
public interface RecordBuilder {
    /** Forgets every value: the builder is reused for each line and each candidate format. */
    void reset();

    /** A value with no typed place: an unknown directive or a field after the format's last. */
    void extra(String name, String value);
}
