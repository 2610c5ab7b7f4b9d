package dev.egresslog.parser.format;

import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.IntStream;
import org.antlr.v4.runtime.misc.Interval;

/**
 * An ANTLR {@link CharStream} over a reusable char buffer: one instance serves every line a
 * lexer reads, so lexing a line allocates no stream and copies the line once.
 *
 * <p>The line is followed by a '\n' sentinel that no field token accepts: the last field then
 * ends on a character the lexer's DFA has cached, instead of on EOF, which ANTLR never caches
 * and would simulate on the ATN once per line (a third of the lexing time, measured).
 * Characters outside the BMP arrive as surrogate pairs; none of our grammars matches them
 * specially, so that is harmless.
 */
final class ReusableCharStream implements CharStream {
    private char[] buffer = new char[512];
    private int size;
    private int position;

    void reset(String text) {
        int length = text.length();
        if (length + 1 > buffer.length) {
            buffer = new char[Math.max(length + 1, buffer.length * 2)];
        }
        text.getChars(0, length, buffer, 0);
        buffer[length] = '\n';
        size = length + 1;
        position = 0;
    }

    char[] buffer() {
        return buffer;
    }

    @Override
    public String getText(Interval interval) {
        int start = Math.max(0, interval.a);
        int stop = Math.min(size - 1, interval.b);
        return stop < start ? "" : new String(buffer, start, stop - start + 1);
    }

    @Override
    public void consume() {
        if (position >= size) {
            throw new IllegalStateException("cannot consume EOF");
        }
        position++;
    }

    @Override
    public int LA(int i) {
        if (i == 1) {
            // the lexer's only call on the hot path
            return position < size ? buffer[position] : IntStream.EOF;
        }
        if (i == 0) {
            return 0;
        }
        int index = i > 0 ? position + i - 1 : position + i;
        if (index < 0 || index >= size) {
            return IntStream.EOF;
        }
        return buffer[index];
    }

    @Override
    public int mark() {
        return -1;
    }

    @Override
    public void release(int marker) {
    }

    @Override
    public int index() {
        return position;
    }

    @Override
    public void seek(int index) {
        position = Math.min(index, size);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String getSourceName() {
        return IntStream.UNKNOWN_SOURCE_NAME;
    }
}
