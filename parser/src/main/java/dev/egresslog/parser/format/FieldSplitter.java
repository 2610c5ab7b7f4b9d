package dev.egresslog.parser.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a format's elements (literal text and directives, in order) into blank-separated
 * field templates, the way the line tokenizer will split the lines that format writes: a
 * blank outside quotes and brackets ends a field.
 */
public final class FieldSplitter<B> {
    private final List<FieldTemplate<B>> fields = new ArrayList<>();
    private final List<Segment<B>> current = new ArrayList<>();
    private final StringBuilder literal = new StringBuilder();
    private final StringBuilder text = new StringBuilder();
    private boolean inQuotes;
    private int bracketDepth;

    public void literal(String chunk) {
        for (int i = 0; i < chunk.length(); i++) {
            char c = chunk.charAt(i);
            if ((c == ' ' || c == '\t') && !inQuotes && bracketDepth == 0) {
                endField();
                continue;
            }
            if (c == '"') {
                inQuotes = !inQuotes;
            } else if (!inQuotes && c == '[') {
                bracketDepth++;
            } else if (!inQuotes && c == ']' && bracketDepth > 0) {
                bracketDepth--;
            }
            literal.append(c);
            text.append(c);
        }
    }

    public void directive(String directiveText, Slot<B> slot) {
        flushLiteral();
        if (!current.isEmpty() && !current.get(current.size() - 1).isLiteral()) {
            throw new IllegalArgumentException("directives " + current.get(current.size() - 1).directive()
                    + " and " + directiveText + " touch with no text between them: their values cannot be told apart");
        }
        current.add(Segment.directive(directiveText, slot));
        text.append(directiveText);
    }

    public List<FieldTemplate<B>> finish() {
        if (inQuotes) {
            throw new IllegalArgumentException("a double quote is not closed");
        }
        endField();
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("the format is empty");
        }
        return List.copyOf(fields);
    }

    private void flushLiteral() {
        if (literal.length() > 0) {
            current.add(Segment.literal(literal.toString()));
            literal.setLength(0);
        }
    }

    private void endField() {
        flushLiteral();
        if (current.isEmpty()) {
            return;
        }
        String fieldText = text.toString();
        int kind = LineTokenizer.BARE;
        List<Segment<B>> segments = new ArrayList<>(current);
        if (fieldText.length() >= 2 && fieldText.startsWith("\"") && fieldText.endsWith("\"")) {
            kind = LineTokenizer.QUOTED;
        } else if (fieldText.length() >= 2 && fieldText.startsWith("[") && fieldText.endsWith("]")) {
            kind = LineTokenizer.BRACKETED;
        }
        if (kind != LineTokenizer.BARE) {
            segments = stripDelimiters(segments);
        }
        fields.add(new FieldTemplate<>(kind, segments, fieldText));
        current.clear();
        text.setLength(0);
    }

    private static <B> List<Segment<B>> stripDelimiters(List<Segment<B>> segments) {
        List<Segment<B>> out = new ArrayList<>(segments);
        String head = out.get(0).literal();
        out.set(0, Segment.literal(head.substring(1)));
        int last = out.size() - 1;
        String tail = out.get(last).literal();
        out.set(last, Segment.literal(tail.substring(0, tail.length() - 1)));
        out.removeIf(s -> s.isLiteral() && s.literal().isEmpty());
        return out;
    }
}
