package dev.egresslog.parser.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.egresslog.parser.EnvoyRecord;
import dev.egresslog.parser.Origin;
import dev.egresslog.parser.format.FieldException;
import dev.egresslog.parser.format.LineTemplate;
import dev.egresslog.parser.format.LineTokenizer;
import dev.egresslog.parser.format.TemplateMatcher;
import dev.egresslog.parser.format.TemplateSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads Envoy TEXT lines (built-in Istio formats and the user's own) and Istio JSON objects.
 * Not thread safe: one per thread; the compiled formats are shared.
 */
public final class EnvoyParser {
    private final TemplateSet<EnvoyBuilder> templates;
    private final EnvoyBuilder builder = new EnvoyBuilder();

    private EnvoyParser(TemplateSet<EnvoyBuilder> templates) {
        this.templates = templates;
    }

    /**
     * @param customFormats the user's format strings (meshConfig.accessLogFormat), tried before the built-ins
     * @throws IllegalArgumentException when a custom format does not compile
     */
    public static EnvoyParser create(List<String> customFormats) {
        List<LineTemplate<EnvoyBuilder>> all = new ArrayList<>();
        for (int i = 0; i < customFormats.size(); i++) {
            all.add(EnvoyFormat.compile(customFormats.size() == 1 ? "custom" : "custom-" + (i + 1), customFormats.get(i)));
        }
        all.addAll(EnvoyFormats.builtIn());
        return new EnvoyParser(new TemplateSet<>(all));
    }

    /** Whether any Envoy format has the shape of this line. */
    public boolean fits(LineTokenizer tokens) {
        return !templates.candidates(tokens).isEmpty();
    }

    /** Why no format of this parser has the line's shape. */
    public FieldException explainShape(LineTokenizer tokens) {
        return templates.explain(tokens);
    }

    /**
     * Reads a tokenized TEXT line with the first fitting format whose values all convert.
     *
     * @return null when no format has the line's shape
     * @throws FieldException from the most preferred fitting format when none converts
     */
    public EnvoyRecord parse(LineTokenizer tokens, Origin origin) throws FieldException {
        List<LineTemplate<EnvoyBuilder>> candidates = templates.candidates(tokens);
        FieldException first = null;
        for (LineTemplate<EnvoyBuilder> template : candidates) {
            try {
                TemplateMatcher.match(template, tokens, builder);
                return builder.build(origin, template.name());
            } catch (FieldException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return null;
    }

    /**
     * Reads an Istio JSON access-log object (accessLogEncoding: JSON): string-typed values with
     * "-" (Istio ≤ 1.7) or typed values with null (1.8+), any key order, unknown keys kept.
     *
     * @return null when the object has no Envoy key at all
     */
    public EnvoyRecord parseJson(JsonNode object, Origin origin) throws FieldException {
        builder.reset();
        int known = 0;
        boolean typed = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode value = entry.getValue();
            EnvoyField field = EnvoyField.forJsonKey(entry.getKey());
            if (value.isNull()) {
                typed = true;
                if (field != null) {
                    known++;
                }
                continue;
            }
            String text = value.isValueNode() ? value.asText() : value.toString();
            if (field == null) {
                builder.extra(entry.getKey(), text);
                continue;
            }
            known++;
            typed |= value.isNumber();
            try {
                field.set(builder, text, 0, text.length());
            } catch (FieldException e) {
                throw new FieldException("\"" + entry.getKey() + "\": " + e.getMessage());
            }
        }
        return known == 0 ? null : builder.build(origin, typed ? "istio-json" : "istio-json-strings");
    }
}
