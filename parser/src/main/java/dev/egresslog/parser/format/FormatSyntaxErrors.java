package dev.egresslog.parser.format;

import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;

/**
 * Turns ANTLR syntax errors in a user's format string into one IllegalArgumentException that
 * names the column, instead of console output and a silently repaired tree.
 */
public final class FormatSyntaxErrors extends BaseErrorListener {
    private final String what;

    public FormatSyntaxErrors(String what) {
        this.what = what;
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int column,
                            String msg, RecognitionException e) {
        throw new IllegalArgumentException(what + ", column " + (column + 1) + ": " + msg);
    }
}
