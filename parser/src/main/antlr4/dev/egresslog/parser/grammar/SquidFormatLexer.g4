/*
 * Squid's logformat language (the part after "logformat NAME").
 *
 *   %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
 *   %>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st "%{Referer}>h" "%{User-Agent}>h" %Ss:%Sh
 */
lexer grammar SquidFormatLexer;

PERCENT_LITERAL
    : '%%'
    ;

OPEN_DIRECTIVE
    : '%' -> pushMode(DIRECTIVE)
    ;

LITERAL
    : ~[%]+
    ;

mode DIRECTIVE;

// Output modifiers: " quoted, [ squid-quoted, # URL-encoded, ' raw, / shell-escaped.
QUOTING
    : ["['#/]
    ;

LEFT_ALIGN
    : '-'
    ;

// Width, with an optional leading zero: "03" in %03tu.
WIDTH
    : [0-9]+
    ;

PRECISION
    : '.' [0-9]+
    ;

BRACE_ARGUMENT
    : '{' ~[}]* '}'
    ;

// >a, <st, Ss, >Hs, ssl::>cert_subject ... A code ends at the first character that cannot
// belong to a code name, as in Squid's own table lookup for every real logformat.
CODE
    : [<>]? [a-zA-Z] [a-zA-Z_]* ('::' [<>]? [a-zA-Z_]+)? -> mode(AFTER_CODE)
    ;

// Squid also takes the argument after the code: %>h{User-Agent} is %{User-Agent}>h.
mode AFTER_CODE;

TRAILING_ARGUMENT
    : '{' ~[}]* '}' -> popMode
    ;

// anything else ends the directive: the same tokens as outside one
AFTER_PERCENT_LITERAL
    : '%%' -> type(PERCENT_LITERAL), popMode
    ;

AFTER_OPEN_DIRECTIVE
    : '%' -> type(OPEN_DIRECTIVE), mode(DIRECTIVE)
    ;

AFTER_LITERAL
    : ~[%{] ~[%]* -> type(LITERAL), popMode
    ;
