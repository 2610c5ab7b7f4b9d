package dev.egresslog.parser.squid;

import dev.egresslog.parser.format.ExtraSlot;
import dev.egresslog.parser.format.FieldSplitter;
import dev.egresslog.parser.format.FormatSyntaxErrors;
import dev.egresslog.parser.format.LineTemplate;
import dev.egresslog.parser.format.Slot;
import dev.egresslog.parser.grammar.SquidFormatLexer;
import dev.egresslog.parser.grammar.SquidFormatParser;
import dev.egresslog.parser.grammar.SquidFormatParserBaseVisitor;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Compiles a Squid logformat definition into a line template. */
public final class SquidFormat {
    private static final Pattern LOGFORMAT_LINE = Pattern.compile("^\\s*logformat\\s+(\\S+)\\s+(.*)$");

    private SquidFormat() {
    }

    /**
     * Compiles a logformat: either the whole squid.conf line ({@code logformat NAME FORMAT},
     * whose NAME then names the format) or just the FORMAT part.
     *
     * @throws IllegalArgumentException naming the column of a syntax error
     */
    public static LineTemplate<SquidBuilder> compile(String name, String definition) {
        String format = definition.strip();
        Matcher m = LOGFORMAT_LINE.matcher(format);
        if (m.matches()) {
            name = m.group(1);
            format = m.group(2).strip();
        }
        String what = "squid logformat '" + name + "'";
        SquidFormatLexer lexer = new SquidFormatLexer(CharStreams.fromString(format));
        lexer.removeErrorListeners();
        lexer.addErrorListener(new FormatSyntaxErrors(what));
        SquidFormatParser parser = new SquidFormatParser(new CommonTokenStream(lexer));
        parser.removeErrorListeners();
        parser.addErrorListener(new FormatSyntaxErrors(what));
        FieldSplitter<SquidBuilder> splitter = new FieldSplitter<>();
        new SquidFormatParserBaseVisitor<Void>() {
            @Override
            public Void visitLiteral(SquidFormatParser.LiteralContext ctx) {
                splitter.literal(ctx.LITERAL().getText());
                return null;
            }

            @Override
            public Void visitPercent(SquidFormatParser.PercentContext ctx) {
                splitter.literal("%");
                return null;
            }

            @Override
            public Void visitDirective(SquidFormatParser.DirectiveContext ctx) {
                String code = ctx.CODE().getText();
                // the argument may stand before the code or after it (%{User-Agent}>h, %>h{User-Agent})
                var brace = ctx.BRACE_ARGUMENT() != null ? ctx.BRACE_ARGUMENT() : ctx.TRAILING_ARGUMENT();
                String argument = brace == null ? null : brace.getText().substring(1, brace.getText().length() - 1);
                Slot<SquidBuilder> slot = SquidField.forCode(code, argument);
                String display = argument == null ? code : "{" + argument + "}" + code;
                splitter.directive("%" + display, slot != null ? slot : new ExtraSlot<>(display));
                return null;
            }
        }.visit(parser.format());
        try {
            return new LineTemplate<>(name, splitter.finish(), 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }
}
