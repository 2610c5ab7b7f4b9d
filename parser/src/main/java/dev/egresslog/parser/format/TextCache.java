package dev.egresslog.parser.format;

import java.util.function.Function;

/**
 * Remembers recent values made from line text, so that text repeated on many lines (a cluster
 * name, the proxy's address, TCP_TUNNEL) is looked up in place instead of copied and parsed
 * again. A direct-mapped table: a colliding entry simply replaces the old one. Not thread safe.
 */
public final class TextCache<T> {
    private final String[] keys;
    private final Object[] values;
    private final int mask;

    /** @param size a power of two */
    public TextCache(int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size must be a power of two: " + size);
        }
        keys = new String[size];
        values = new Object[size];
        mask = size - 1;
    }

    /** The value for {@code line[start, end)}, made by {@code make} from the text on a miss. */
    @SuppressWarnings("unchecked")
    public T get(String line, int start, int end, Function<String, T> make) {
        int length = end - start;
        if (length == 0) {
            return make.apply("");
        }
        // A few characters pick the slot (the ends differ most: ports, last octets); the full
        // comparison below decides. Hashing every character cost more than copying the text.
        int hash = length * 31 + line.charAt(start);
        hash = hash * 31 + line.charAt(start + length / 2);
        hash = hash * 31 + line.charAt(end - 1);
        hash = hash * 31 + line.charAt(end - 1 - (length > 2 ? 2 : 0));
        hash = hash * 31 + line.charAt(end - 1 - (length > 4 ? 4 : 0));
        int slot = (hash ^ (hash >>> 11)) & mask;
        String key = keys[slot];
        if (key != null && key.length() == length && line.regionMatches(start, key, 0, length)) {
            return (T) values[slot];
        }
        String text = line.substring(start, end);
        T value = make.apply(text);
        keys[slot] = text;
        values[slot] = value;
        return value;
    }

    /** The text itself, shared with earlier lines that had the same text. */
    public static String text(TextCache<String> cache, String line, int start, int end) {
        return cache.get(line, start, end, Function.identity());
    }
}
