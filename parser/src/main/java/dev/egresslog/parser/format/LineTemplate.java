package dev.egresslog.parser.format;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A compiled access-log format: the fields of a line in order. Immutable.
 */
public final class LineTemplate<B> {
    private final String name;
    private final List<FieldTemplate<B>> fields;
    private final int optionalTrailing;
    private final int elasticIndex;
    // the matcher's view, as arrays: read for every field of every line
    final int[] kinds;
    final Slot<B>[] onlySlots;

    /**
     * @param name             the format's name as shown to users ("istio-1.9+", "squid", "custom")
     * @param fields           the fields in order
     * @param optionalTrailing how many of the last fields a line may lack (Squid's native %mt is
     *                         missing from some real lines)
     */
    public LineTemplate(String name, List<FieldTemplate<B>> fields, int optionalTrailing) {
        this.name = requireNonNull(name, "name is null");
        this.fields = List.copyOf(fields);
        if (optionalTrailing < 0 || optionalTrailing >= Math.max(1, this.fields.size())) {
            throw new IllegalArgumentException("optionalTrailing out of range: " + optionalTrailing);
        }
        this.optionalTrailing = optionalTrailing;
        int elastic = -1;
        for (int i = 0; i < this.fields.size() && elastic < 0; i++) {
            elastic = this.fields.get(i).elastic() ? i : -1;
        }
        this.elasticIndex = elastic;
        this.kinds = new int[this.fields.size()];
        @SuppressWarnings("unchecked")
        Slot<B>[] slots = new Slot[this.fields.size()];
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = this.fields.get(i).kind();
            slots[i] = this.fields.get(i).onlySlot();
        }
        this.onlySlots = slots;
    }

    public String name() {
        return name;
    }

    public List<FieldTemplate<B>> fields() {
        return fields;
    }

    public int optionalTrailing() {
        return optionalTrailing;
    }

    public int size() {
        return fields.size();
    }

    public int minFields() {
        return fields.size() - optionalTrailing;
    }

    /** The field that may span several tokens (a Squid user name), or -1; only the first counts. */
    public int elasticIndex() {
        return elasticIndex;
    }

    public LineTemplate<B> withOptionalTrailing(int count) {
        return new LineTemplate<>(name, fields, count);
    }

    @Override
    public String toString() {
        return name;
    }
}
