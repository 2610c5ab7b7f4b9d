package dev.egresslog.parser.format;

import dev.egresslog.parser.grammar.LogLineLexer;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenFactory;
import org.antlr.v4.runtime.TokenSource;
import org.antlr.v4.runtime.misc.Pair;

import java.util.Arrays;

/**
 * Splits a line into fields with {@link LogLineLexer}: bracketed, quoted or bare. Not thread
 * safe; one per thread. After {@link #tokenize(String)} the fields are read through the
 * accessors as spans of {@link #line()}; nothing is copied until a value is needed.
 *
 * <p>Tokens that touch with no blank between them form one field: {@code "a"b"} is one quoted
 * field whose value is {@code a"b} (Envoy does not escape quotes inside quoted fields).
 */
public final class LineTokenizer {
    public static final int BARE = 0;
    public static final int QUOTED = 1;
    public static final int BRACKETED = 2;

    private final ReusableCharStream stream = new ReusableCharStream();
    private final LogLineLexer lexer;
    private final SpanToken token = new SpanToken();

    private String line;
    private int count;
    private int[] kinds = new int[32];
    private int[] starts = new int[32];   // value start, delimiters excluded
    private int[] ends = new int[32];     // value end (exclusive), delimiters excluded
    private int[] rawStarts = new int[32];
    private int[] rawEnds = new int[32];  // end of the field text, blanks excluded
    private int errorColumn;
    private String errorMessage;

    public LineTokenizer() {
        lexer = new LogLineLexer(stream);
        lexer.removeErrorListeners();
        lexer.setTokenFactory(token);
        lexer.setInterpreter(new FieldLexerSimulator(lexer, lexer.getInterpreter(), stream));
    }

    /** Returns false, with {@link #errorColumn()} and {@link #errorMessage()}, when a character starts no field. */
    public boolean tokenize(String text) {
        line = text;
        count = 0;
        errorMessage = null;
        stream.reset(text);
        lexer.setInputStream(stream);
        char[] chars = stream.buffer();
        boolean glue = false;
        int length = text.length();
        // Stop before the lexer reaches the sentinel: lexing it would end on EOF, see ReusableCharStream.
        while (stream.index() < length) {
            lexer.nextToken();
            int type = token.type;
            int start = token.start;
            if (type == Token.EOF || start >= length) {
                return true;
            }
            int stop = token.stop + 1;
            int end = stop;
            while (end > start && (chars[end - 1] == ' ' || chars[end - 1] == '\t')) {
                end--;
            }
            if (type == LogLineLexer.ERROR_CHAR) {
                char c = chars[start];
                errorColumn = start + 1;
                errorMessage = c == '"' ? "unterminated quoted field"
                        : "unexpected character " + describe(c);
                return false;
            }
            if (glue) {
                rawEnds[count - 1] = end;
                classify(count - 1, chars);
            } else {
                ensureCapacity();
                rawStarts[count] = start;
                rawEnds[count] = end;
                kinds[count] = type == LogLineLexer.QUOTED ? QUOTED : type == LogLineLexer.BRACKETED ? BRACKETED : BARE;
                starts[count] = kinds[count] == BARE ? start : start + 1;
                ends[count] = kinds[count] == BARE ? end : end - 1;
                count++;
            }
            glue = end == stop;
        }
        return true;
    }

    private void classify(int field, char[] chars) {
        int start = rawStarts[field];
        int end = rawEnds[field];
        char first = chars[start];
        char last = chars[end - 1];
        if (end - start >= 2 && first == '"' && last == '"') {
            kinds[field] = QUOTED;
        } else if (end - start >= 2 && first == '[' && last == ']') {
            kinds[field] = BRACKETED;
        } else {
            kinds[field] = BARE;
        }
        starts[field] = kinds[field] == BARE ? start : start + 1;
        ends[field] = kinds[field] == BARE ? end : end - 1;
    }

    private void ensureCapacity() {
        if (count == kinds.length) {
            int n = count * 2;
            kinds = Arrays.copyOf(kinds, n);
            starts = Arrays.copyOf(starts, n);
            ends = Arrays.copyOf(ends, n);
            rawStarts = Arrays.copyOf(rawStarts, n);
            rawEnds = Arrays.copyOf(rawEnds, n);
        }
    }

    static String describe(char c) {
        if (c < 0x20 || c == 0x7f) {
            return String.format("U+%04X (a control character)", (int) c);
        }
        return "'" + c + "'";
    }

    public String line() {
        return line;
    }

    public int count() {
        return count;
    }

    public int kind(int field) {
        return kinds[field];
    }

    public int start(int field) {
        return starts[field];
    }

    public int end(int field) {
        return ends[field];
    }

    public int rawStart(int field) {
        return rawStarts[field];
    }

    public int rawEnd(int field) {
        return rawEnds[field];
    }

    public String value(int field) {
        return line.substring(starts[field], ends[field]);
    }

    public int errorColumn() {
        return errorColumn;
    }

    public String errorMessage() {
        return errorMessage;
    }

    /** The single token object the lexer fills for every token: lexing allocates no tokens. */
    private static final class SpanToken implements Token, TokenFactory<Token> {
        int type;
        int start;
        int stop;

        @Override
        public Token create(Pair<TokenSource, CharStream> source, int type, String text, int channel,
                            int start, int stop, int line, int charPositionInLine) {
            this.type = type;
            this.start = start;
            this.stop = stop;
            return this;
        }

        @Override
        public Token create(int type, String text) {
            this.type = type;
            return this;
        }

        @Override public String getText() { return null; }
        @Override public int getType() { return type; }
        @Override public int getLine() { return 1; }
        @Override public int getCharPositionInLine() { return start; }
        @Override public int getChannel() { return Token.DEFAULT_CHANNEL; }
        @Override public int getTokenIndex() { return -1; }
        @Override public int getStartIndex() { return start; }
        @Override public int getStopIndex() { return stop; }
        @Override public TokenSource getTokenSource() { return null; }
        @Override public CharStream getInputStream() { return null; }
    }
}
