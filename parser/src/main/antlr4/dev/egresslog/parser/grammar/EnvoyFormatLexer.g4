/*
 * Envoy's access-log format-string language (TEXT format, command operators).
 *
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 *   "%REQ(USER-AGENT):64%" "%DYNAMIC_METADATA(istio.mixer:status)%" %START_TIME(%s.%3f)%
 */
lexer grammar EnvoyFormatLexer;

OPEN_COMMAND
    : '%' -> pushMode(COMMAND)
    ;

LITERAL
    : ~[%]+
    ;

mode COMMAND;

COMMAND_NAME
    : [A-Z_] [A-Z0-9_]*
    ;

OPEN_ARGUMENT
    : '(' -> pushMode(ARGUMENT)
    ;

COLON
    : ':'
    ;

MAX_LENGTH
    : [0-9]+
    ;

CLOSE_COMMAND
    : '%' -> popMode
    ;

mode ARGUMENT;

// START_TIME's strftime argument contains '%', so the argument is its own mode.
ARGUMENT_TEXT
    : ~[)]+
    ;

CLOSE_ARGUMENT
    : ')' -> popMode
    ;
