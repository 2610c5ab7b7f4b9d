package dev.egresslog.correlator.engine;

import java.util.Set;

/** A set of longs without boxing: the addresses the learning collects from every line, asked by every line of the join. */
final class LongSet {
    private final LongIntMap members;

    LongSet() {
        this(new LongIntMap(64));
    }

    private LongSet(LongIntMap members) {
        this.members = members;
    }

    void add(long value) {
        members.put(value, 1);
    }

    boolean contains(long value) {
        return members.get(value, 0) != 0;
    }

    /** An independent copy. */
    LongSet copy() {
        return new LongSet(members.copy());
    }

    /** The members, boxed. */
    Set<Long> boxed() {
        return members.toMap().keySet();
    }
}
