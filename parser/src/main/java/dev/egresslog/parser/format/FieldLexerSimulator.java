package dev.egresslog.parser.format;

import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.IntStream;
import org.antlr.v4.runtime.Lexer;
import org.antlr.v4.runtime.atn.LexerATNSimulator;
import org.antlr.v4.runtime.dfa.DFAState;

/**
 * ANTLR's lexer simulator with its DFA walk reading our char buffer directly. The DFA, the ATN
 * fallback on an uncached edge, and token acceptance are ANTLR's own; only the per-character
 * loop is tighter: no stream calls, and no line or column tracking (fields are located by index).
 * The states and edges are the shared, thread-safe DFA of the grammar.
 */
final class FieldLexerSimulator extends LexerATNSimulator {
    private final ReusableCharStream stream;

    FieldLexerSimulator(Lexer lexer, LexerATNSimulator shared, ReusableCharStream stream) {
        super(lexer, lexer.getATN(), shared.decisionToDFA, shared.getSharedContextCache());
        this.stream = stream;
    }

    @Override
    protected int execATN(CharStream input, DFAState ds0) {
        if (input != stream) {
            return super.execATN(input, ds0);
        }
        char[] buffer = stream.buffer();
        int size = stream.size();
        int pos = stream.index();
        DFAState lastAccept = ds0.isAcceptState ? ds0 : null;
        int lastAcceptPos = pos;
        DFAState s = ds0;
        int t = pos < size ? buffer[pos] : IntStream.EOF;
        while (true) {
            DFAState[] edges = s.edges;
            DFAState target = edges != null && t >= MIN_DFA_EDGE && t <= MAX_DFA_EDGE ? edges[t - MIN_DFA_EDGE] : null;
            if (target == null) {
                stream.seek(pos);
                target = computeTargetState(stream, s, t);
            }
            if (target == ERROR) {
                break;
            }
            if (t != IntStream.EOF) {
                pos++;
            }
            if (target.isAcceptState) {
                lastAccept = target;
                lastAcceptPos = pos;
                if (t == IntStream.EOF) {
                    break;
                }
            }
            t = pos < size ? buffer[pos] : IntStream.EOF;
            s = target;
        }
        if (lastAccept != null) {
            stream.seek(lastAcceptPos);
            captureSimState(prevAccept, stream, lastAccept);
        }
        stream.seek(pos);
        return failOrAccept(prevAccept, stream, s.configs, t);
    }

    @Override
    public void consume(CharStream input) {
        input.consume();
    }
}
