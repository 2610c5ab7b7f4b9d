package dev.egresslog.cli.output;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** How a value is written as text, CSV or JSON, the same in `parse` and `query` output. */
public final class OutputValues {
    private OutputValues() {
    }

    /** Plain text: empty for null, lists comma-separated, empty maps empty. */
    public static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        if (value instanceof Map<?, ?> map && map.isEmpty()) {
            return "";
        }
        return value.toString();
    }

    /** A CSV field (RFC 4180 quoting). */
    public static String csv(Object value) {
        String text = text(value);
        if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }

    /** A JSON value: numbers, booleans, lists and maps keep their type; anything else is a string. */
    public static void json(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Double || value instanceof Float) {
            json.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            json.writeNumber(((Number) value).longValue());
        } else if (value instanceof java.math.BigInteger big) {
            json.writeNumber(big);
        } else if (value instanceof Boolean bool) {
            json.writeBoolean(bool);
        } else if (value instanceof List<?> list) {
            json.writeStartArray();
            for (Object item : list) {
                json.writeString(String.valueOf(item));
            }
            json.writeEndArray();
        } else if (value instanceof Map<?, ?> map) {
            json.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                json.writeStringField(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
            json.writeEndObject();
        } else {
            json.writeString(value.toString());
        }
    }
}
