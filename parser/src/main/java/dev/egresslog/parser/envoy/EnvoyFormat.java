package dev.egresslog.parser.envoy;

import dev.egresslog.parser.format.ExtraSlot;
import dev.egresslog.parser.format.FieldSplitter;
import dev.egresslog.parser.format.FormatSyntaxErrors;
import dev.egresslog.parser.format.LineTemplate;
import dev.egresslog.parser.format.Slot;
import dev.egresslog.parser.grammar.EnvoyFormatLexer;
import dev.egresslog.parser.grammar.EnvoyFormatParser;
import dev.egresslog.parser.grammar.EnvoyFormatParserBaseVisitor;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;

/** Compiles an Envoy access-log format string into a line template. */
public final class EnvoyFormat {
    private EnvoyFormat() {
    }

    /**
     * Compiles {@code format} (as in meshConfig.accessLogFormat; a trailing newline, real or
     * written as the two characters {@code \n}, is ignored).
     *
     * @throws IllegalArgumentException naming the column of a syntax error
     */
    public static LineTemplate<EnvoyBuilder> compile(String name, String format) {
        String text = format.strip();
        while (text.endsWith("\\n")) {
            text = text.substring(0, text.length() - 2).strip();
        }
        String what = "envoy format '" + name + "'";
        EnvoyFormatLexer lexer = new EnvoyFormatLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        lexer.addErrorListener(new FormatSyntaxErrors(what));
        EnvoyFormatParser parser = new EnvoyFormatParser(new CommonTokenStream(lexer));
        parser.removeErrorListeners();
        parser.addErrorListener(new FormatSyntaxErrors(what));
        var splitter = new FieldSplitter<EnvoyBuilder>();
        new EnvoyFormatParserBaseVisitor<Void>() {
            @Override
            public Void visitLiteral(EnvoyFormatParser.LiteralContext ctx) {
                splitter.literal(ctx.LITERAL().getText());
                return null;
            }

            @Override
            public Void visitCommand(EnvoyFormatParser.CommandContext ctx) {
                String operator = ctx.COMMAND_NAME().getText();
                String argument = ctx.argument() == null || ctx.argument().ARGUMENT_TEXT() == null
                        ? null : ctx.argument().ARGUMENT_TEXT().getText();
                String display = argument == null ? operator : operator + "(" + argument + ")";
                Slot<EnvoyBuilder> slot = EnvoyField.forOperator(operator, argument);
                splitter.directive("%" + display + "%", slot != null ? slot : new ExtraSlot<>(display));
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
