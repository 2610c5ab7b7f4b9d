package dev.egresslog.parser.format;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Formats tried in order of preference, with the ones that fit a line's shape (field count and
 * kinds) remembered per shape: a file holds few shapes, so choosing costs one map look-up.
 * Not thread safe (one per parser).
 */
public final class TemplateSet<B extends RecordBuilder> {
    private static final int MAX_CACHED_SHAPES = 4096;

    private final List<LineTemplate<B>> templates;
    private final Map<Shape, List<LineTemplate<B>>> byShape = new HashMap<>();
    private final Shape probe = new Shape();
    private Shape lastShape;
    private List<LineTemplate<B>> lastCandidates;

    public TemplateSet(List<LineTemplate<B>> templates) {
        this.templates = List.copyOf(templates);
    }

    /** The templates whose shape fits the line, most preferred first. */
    public List<LineTemplate<B>> candidates(LineTokenizer tokens) {
        if (tokens.count() > 64) {
            return compute(tokens);
        }
        probe.set(tokens);
        if (probe.equals(lastShape)) {
            return lastCandidates;
        }
        List<LineTemplate<B>> found = byShape.get(probe);
        if (found == null) {
            found = compute(tokens);
            if (byShape.size() >= MAX_CACHED_SHAPES) {
                byShape.clear();
            }
            byShape.put(probe.copy(), found);
        }
        lastShape = probe.copy();
        lastCandidates = found;
        return found;
    }

    /**
     * Why no template fits: the mismatch against the nearest template (most fields of the right
     * kind, least difference in count; the first in preference order among equals).
     */
    public FieldException explain(LineTokenizer tokens) {
        LineTemplate<B> nearest = null;
        int best = Integer.MIN_VALUE;
        for (LineTemplate<B> template : templates) {
            int n = Math.min(template.size(), tokens.count());
            int score = -Math.abs(template.size() - tokens.count());
            for (int i = 0; i < n; i++) {
                score += template.fields().get(i).kind() == tokens.kind(i) ? 1 : 0;
            }
            if (score > best) {
                best = score;
                nearest = template;
            }
        }
        return nearest == null ? new FieldException("no formats") : TemplateMatcher.shapeError(nearest, tokens);
    }

    private List<LineTemplate<B>> compute(LineTokenizer tokens) {
        List<LineTemplate<B>> fitting = new ArrayList<>();
        for (LineTemplate<B> template : templates) {
            if (TemplateMatcher.fits(template, tokens)) {
                fitting.add(template);
            }
        }
        return List.copyOf(fitting);
    }

    /** Field count and which fields are quoted or bracketed (first 64). */
    private static final class Shape {
        int count;
        long quoted;
        long bracketed;

        void set(LineTokenizer tokens) {
            count = tokens.count();
            quoted = 0;
            bracketed = 0;
            for (int i = 0; i < count; i++) {
                int kind = tokens.kind(i);
                if (kind == LineTokenizer.QUOTED) {
                    quoted |= 1L << i;
                } else if (kind == LineTokenizer.BRACKETED) {
                    bracketed |= 1L << i;
                }
            }
        }

        Shape copy() {
            Shape s = new Shape();
            s.count = count;
            s.quoted = quoted;
            s.bracketed = bracketed;
            return s;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && s.count == count && s.quoted == quoted && s.bracketed == bracketed;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(quoted * 31 + bracketed) * 31 + count;
        }
    }
}
