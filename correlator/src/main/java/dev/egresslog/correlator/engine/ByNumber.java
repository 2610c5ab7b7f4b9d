package dev.egresslog.correlator.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * Values by number (an emitter's, a source's): kept in a map, found through an array for the
 * small non-negative numbers the engine gives, without boxing (every line asks).
 */
final class ByNumber<T> {
    private final Map<Integer, T> values = new HashMap<>();
    private Object[] byNumber = new Object[0];

    /** The value of {@code number}, made by {@code create} when it has none. */
    @SuppressWarnings("unchecked")
    T get(int number, IntFunction<T> create) {
        if (number < 0 || number >= 1 << 16) {
            return values.computeIfAbsent(number, create::apply);
        }
        if (number >= byNumber.length) {
            byNumber = java.util.Arrays.copyOf(byNumber, Math.max(number + 1, 2 * byNumber.length));
        }
        T value = (T) byNumber[number];
        if (value == null) {
            value = values.computeIfAbsent(number, create::apply);
            byNumber[number] = value;
        }
        return value;
    }

    void put(int number, T value) {
        values.put(number, value);
        if (number >= 0 && number < byNumber.length) {
            byNumber[number] = value;
        }
    }

    void forEach(BiConsumer<Integer, T> visit) {
        values.forEach(visit);
    }
}
