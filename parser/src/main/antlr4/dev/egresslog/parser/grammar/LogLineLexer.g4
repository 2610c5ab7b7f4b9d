/*
 * Splits one access-log line (Envoy TEXT or Squid) into its fields.
 *
 *   [2022-04-20T06:40:24.541Z] "- - -" 0 - - - "-" 989 90274 18975 - "-" ... 10.131.1.250:38380 - - "-"
 *   1650436832.158  18967 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT en.wikipedia.org:443 - HIER_DIRECT/208.80.154.224 -
 *
 * The tokens ARE the fields, in order; there is no parser grammar. Each field token also
 * swallows the blanks that follow it, which halves the number of tokens (see shared/PERF.md).
 * Quoted fields are one token rather than a lexer mode for the same reason: three tokens per
 * quoted field would cost more than the whole rest of the line.
 *
 * Which template field a token fills, and whether the line is well-formed, is decided by
 * dev.egresslog.parser.LineTokenizer and the template matcher, never by ANTLR error recovery.
 */
lexer grammar LogLineLexer;

// "[...]": Envoy's start time, `kubectl logs --prefix`, Squid's [%tl] and log_mime_hdrs blocks.
// Listed before WORD so that "[2022-...Z]" is BRACKETED; "[v6]:port" is longer as a WORD.
BRACKETED
    : '[' ~[\]\r\n\u0000]* ']' BLANKS?
    ;

// "..." with backslash escapes (Envoy escapes nothing, Squid's %"xx escapes quotes).
QUOTED
    : '"' (~["\\\r\n\u0000] | '\\' ~[\r\n\u0000])* '"' BLANKS?
    ;

// Any other run of non-blank characters. May contain quotes and brackets after its first
// character ("[2001:db8::1]:80", W/"etag").
WORD
    : ~[ \t\r\n"\u0000] ~[ \t\r\n\u0000]* BLANKS?
    ;

// Blanks before the first field.
LEADING_BLANKS
    : BLANKS -> skip
    ;

// Whatever starts no field (an unterminated quote, a stray line break, a NUL byte, which no
// text log holds): reported as a reject with its column by the tokenizer.
ERROR_CHAR
    : .
    ;

fragment BLANKS
    : [ \t]+
    ;
