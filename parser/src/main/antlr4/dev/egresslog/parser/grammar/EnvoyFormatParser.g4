/*
 * Envoy access-log format strings, e.g. Istio 1.9+'s default:
 *
 *   [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE%
 *   %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ...
 */
parser grammar EnvoyFormatParser;

options { tokenVocab = EnvoyFormatLexer; }

format
    : element* EOF
    ;

element
    : LITERAL                                                       # literal
    | OPEN_COMMAND COMMAND_NAME argument? maxLength? CLOSE_COMMAND  # command
    ;

argument
    : OPEN_ARGUMENT ARGUMENT_TEXT? CLOSE_ARGUMENT
    ;

maxLength
    : COLON MAX_LENGTH
    ;
