package dev.egresslog.parser.format;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A compiled access-log format: the fields of a line in order.
 *
 * @param name              the format's name as shown to users ("istio-1.9+", "squid", "custom-envoy-1")
 * @param fields            the fields in order
 * @param optionalTrailing  how many of the last fields a line may lack (Squid's native %mt is
 *                          missing from some real lines)
 */
public record LineTemplate<B>(String name, List<FieldTemplate<B>> fields, int optionalTrailing) {
    public LineTemplate {
        requireNonNull(name, "name is null");
        fields = List.copyOf(fields);
        if (optionalTrailing < 0 || optionalTrailing >= Math.max(1, fields.size())) {
            throw new IllegalArgumentException("optionalTrailing out of range: " + optionalTrailing);
        }
    }

    public int size() {
        return fields.size();
    }

    public int minFields() {
        return fields.size() - optionalTrailing;
    }

    public int elasticIndex() {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).elastic()) {
                return i;
            }
        }
        return -1;
    }

    public LineTemplate<B> withName(String newName) {
        return new LineTemplate<>(newName, fields, optionalTrailing);
    }

    public LineTemplate<B> withOptionalTrailing(int count) {
        return new LineTemplate<>(name, fields, count);
    }
}
