package dev.egresslog.parser.squid;

import dev.egresslog.parser.Origin;
import dev.egresslog.parser.SquidRecord;
import dev.egresslog.parser.format.FieldException;
import dev.egresslog.parser.format.LineTemplate;
import dev.egresslog.parser.format.LineTokenizer;
import dev.egresslog.parser.format.TemplateMatcher;
import dev.egresslog.parser.format.TemplateSet;

import java.util.ArrayList;
import java.util.List;

/** Reads Squid access-log lines: the built-in formats and the user's logformats. Not thread safe. */
public final class SquidParser {
    private final TemplateSet<SquidBuilder> templates;
    private final SquidBuilder builder = new SquidBuilder();

    private SquidParser(TemplateSet<SquidBuilder> templates) {
        this.templates = templates;
    }

    /**
     * @param customFormats logformat definitions, tried before the built-ins
     * @throws IllegalArgumentException when one does not compile
     */
    public static SquidParser create(List<String> customFormats) {
        List<LineTemplate<SquidBuilder>> all = new ArrayList<>();
        for (int i = 0; i < customFormats.size(); i++) {
            all.add(SquidFormat.compile(customFormats.size() == 1 ? "custom" : "custom-" + (i + 1), customFormats.get(i)));
        }
        all.addAll(SquidFormats.builtIn());
        return new SquidParser(new TemplateSet<>(all));
    }

    public boolean fits(LineTokenizer tokens) {
        return !templates.candidates(tokens).isEmpty();
    }

    /** Why no format of this parser has the line's shape. */
    public FieldException explainShape(LineTokenizer tokens) {
        return templates.explain(tokens);
    }

    /**
     * @return null when no format has the line's shape
     * @throws FieldException from the most preferred fitting format when none converts
     */
    public SquidRecord parse(LineTokenizer tokens, Origin origin) throws FieldException {
        FieldException first = null;
        for (LineTemplate<SquidBuilder> template : templates.candidates(tokens)) {
            try {
                TemplateMatcher.match(template, tokens, builder);
                int n = tokens.count();
                if (n > template.size() && n >= 2 && tokens.kind(n - 1) == LineTokenizer.BRACKETED
                        && tokens.kind(n - 2) == LineTokenizer.BRACKETED) {
                    builder.nameMimeHeaders(n - 1);
                }
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
}
