package dev.egresslog.parser.format;

import java.util.List;

/**
 * Fills a record builder from a tokenized line and a compiled format. Fields are matched by
 * position and kind; a directive's value runs up to the literal that follows it.
 */
public final class TemplateMatcher {
    private TemplateMatcher() {
    }

    /** Whether the line's fields have the count and kinds the template asks for, values aside. */
    public static boolean fits(LineTemplate<?> template, LineTokenizer tokens) {
        int spare = tokens.count() - template.size();
        if (spare < 0) {
            return -spare <= template.optionalTrailing() && kindsAgree(template, tokens, -1, 0);
        }
        int elastic = template.elasticIndex();
        if (elastic < 0) {
            return kindsAgree(template, tokens, -1, 0);
        }
        for (int taken = spare; taken >= 0; taken--) {
            if (kindsAgree(template, tokens, elastic, taken)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fills the builder from a line whose shape {@link #fits} the template (a field of the wrong
     * kind is not detected here). When an elastic field (a Squid user name) may span several tokens, the
     * widest span whose values all convert wins; the fields left over become extras.
     *
     * @throws FieldException for the first value that does not convert, or when the shape does not fit
     */
    public static <B extends RecordBuilder> void match(LineTemplate<B> template, LineTokenizer tokens, B builder)
            throws FieldException {
        int spare = tokens.count() - template.size();
        int elastic = template.elasticIndex();
        if (spare <= 0 || elastic < 0) {
            if (spare < -template.optionalTrailing()) {
                throw shapeError(template, tokens);
            }
            builder.reset();
            fill(template, tokens, builder, -1, 0);
            return;
        }
        FieldException first = null;
        for (int taken = spare; taken >= 0; taken--) {
            if (!kindsAgree(template, tokens, elastic, taken)) {
                continue;
            }
            builder.reset();
            try {
                fill(template, tokens, builder, elastic, taken);
                return;
            } catch (FieldException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw first != null ? first : shapeError(template, tokens);
    }

    static FieldException shapeError(LineTemplate<?> template, LineTokenizer tokens) {
        int n = tokens.count();
        int limit = Math.min(n, template.size());
        for (int i = 0; i < limit; i++) {
            int want = template.fields().get(i).kind();
            if (tokens.kind(i) != want) {
                return new FieldException("field " + (i + 1) + " should be " + describeKind(want)
                        + " (" + template.fields().get(i).text() + " in format " + template.name() + ")",
                        tokens.rawStart(i) + 1);
            }
        }
        return new FieldException("the line has " + n + " fields; the nearest format, " + template.name() + ", has "
                + (template.optionalTrailing() > 0 ? template.minFields() + " to " : "") + template.size(),
                n == 0 ? 0 : tokens.rawEnd(n - 1) + 1);
    }

    static String describeKind(int kind) {
        return switch (kind) {
            case LineTokenizer.QUOTED -> "in double quotes";
            case LineTokenizer.BRACKETED -> "in [brackets]";
            default -> "a bare value, without quotes or brackets";
        };
    }

    private static boolean kindsAgree(LineTemplate<?> template, LineTokenizer tokens, int elastic, int taken) {
        int[] kinds = template.kinds;
        int n = Math.min(kinds.length, tokens.count());
        for (int i = 0; i < n; i++) {
            int want = kinds[i];
            if (i == elastic) {
                for (int t = i; t <= i + taken; t++) {
                    if (tokens.kind(t) != want) {
                        return false;
                    }
                }
            } else if (tokens.kind(elastic >= 0 && i > elastic ? i + taken : i) != want) {
                return false;
            }
        }
        return true;
    }

    private static <B extends RecordBuilder> void fill(LineTemplate<B> template, LineTokenizer tokens, B builder,
                                                       int elastic, int taken) throws FieldException {
        Slot<B>[] only = template.onlySlots;
        String line = tokens.line();
        int size = Math.min(only.length, tokens.count());
        for (int i = 0; i < size; i++) {
            int token = elastic >= 0 && i > elastic ? i + taken : i;
            int start = tokens.start(token);
            int end = i == elastic ? tokens.end(token + taken) : tokens.end(token);
            if (only[i] != null) {
                only[i].set(builder, line, start, end);
            } else {
                fillField(template.fields().get(i), line, start, end, builder);
            }
        }
        int used = size + (elastic >= 0 ? taken : 0);
        for (int t = used; t < tokens.count(); t++) {
            builder.extra(extraName(t + 1), tokens.value(t));
        }
    }

    private static final String[] EXTRA_NAMES = new String[64];

    static {
        for (int i = 0; i < EXTRA_NAMES.length; i++) {
            EXTRA_NAMES[i] = "field_" + i;
        }
    }

    /** "field_N": the name of an extra field at 1-based position N. */
    static String extraName(int position) {
        return position < EXTRA_NAMES.length ? EXTRA_NAMES[position] : "field_" + position;
    }

    static <B> void fillField(FieldTemplate<B> field, String line, int start, int end, B builder)
            throws FieldException {
        List<Segment<B>> segments = field.segments();
        int n = segments.size();
        int pos = start;
        for (int i = 0; i < n; i++) {
            Segment<B> segment = segments.get(i);
            if (segment.isLiteral()) {
                String literal = segment.literal();
                if (pos + literal.length() > end || !line.startsWith(literal, pos)) {
                    throw FieldException.expected("'" + literal + "'", line, pos, end);
                }
                pos += literal.length();
                continue;
            }
            int valueEnd = end;
            if (i + 1 < n) {
                String next = segments.get(i + 1).literal();
                int found;
                if (i + 2 == n) {
                    // the literal ends the field
                    found = end - next.length() >= pos && line.startsWith(next, end - next.length())
                            ? end - next.length() : -1;
                } else if (i + 3 == n && !segments.get(i + 2).isLiteral()) {
                    // "%rm %ru HTTP/%rv": the last separator is searched from the right, so the
                    // middle value (a path, a URL) may itself contain the separator
                    found = next.length() == 1 ? line.lastIndexOf(next.charAt(0), end - 1)
                            : line.lastIndexOf(next, end - next.length());
                    found = found >= pos ? found : -1;
                } else {
                    found = next.length() == 1 ? line.indexOf(next.charAt(0), pos) : line.indexOf(next, pos);
                    found = found >= 0 && found + next.length() <= end ? found : -1;
                }
                if (found < 0) {
                    throw FieldException.expected("'" + next + "' after " + segment.directive(), line, pos, end);
                }
                valueEnd = found;
            }
            segment.slot().set(builder, line, pos, valueEnd);
            pos = valueEnd;
        }
        if (pos != end) {
            throw new FieldException("unexpected text " + FieldException.quote(line, pos, end)
                    + " at the end of field " + field.text(), pos + 1);
        }
    }
}
