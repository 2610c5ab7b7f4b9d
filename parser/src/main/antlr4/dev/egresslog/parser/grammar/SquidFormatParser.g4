/*
 * Squid logformat definitions, e.g. the built-in native format:
 *
 *   %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
 */
parser grammar SquidFormatParser;

options { tokenVocab = SquidFormatLexer; }

format
    : element* EOF
    ;

element
    : LITERAL                                                   # literal
    | PERCENT_LITERAL                                           # percent
    | OPEN_DIRECTIVE QUOTING? LEFT_ALIGN? WIDTH? PRECISION? BRACE_ARGUMENT? CODE TRAILING_ARGUMENT?  # directive
    ;
