package dev.egresslog.parser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.egresslog.parser.EnvoyTextFormatTest.SEED_SIDECAR;
import static dev.egresslog.parser.Parsing.envoy;
import static dev.egresslog.parser.Parsing.reject;
import static dev.egresslog.parser.SquidFormatTest.SEED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad lines become rejects with the column and a reason a person understands; pasted lines are mended. */
class RejectTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            bytes not a number  | 1650436832.158  18967 10.0.0.98 TCP_TUNNEL/200 abc CONNECT a.example:443 - HIER_DIRECT/1.2.3.4 -     | abc   | expected a byte count, found 'abc'
            elapsed not a number| 1650436832.158  x1896 10.0.0.98 TCP_TUNNEL/200 90 CONNECT a.example:443 - HIER_DIRECT/1.2.3.4 -      | x1896 | expected an elapsed time in milliseconds, found 'x1896'
            result code         | 1650436832.158  18967 10.0.0.98 tunnel/200 90 CONNECT a.example:443 - HIER_DIRECT/1.2.3.4 -          | tunnel| expected a result code such as TCP_TUNNEL, found 'tunnel'
            envoy duration      | `[2022-04-20T06:40:24.541Z] "- - -" 0 - - - "-" 989 90274 1x - "-" "-" "-" "-" "10.0.0.1:7777" c 10.0.0.2:1 10.0.0.3:2 10.0.0.4:3 - - "-"` | 1x | expected a duration in milliseconds, found '1x'
            envoy bad time      | `[2022-04-20 06:40:24] "- - -" 0 - - - "-" 989 90274 18 - "-" "-" "-" "-" "10.0.0.1:7777" c 10.0.0.2:1 10.0.0.3:2 10.0.0.4:3 - - "-"` | 2022 | expected a timestamp like 2022-04-20T06:40:24.541Z, found '2022-04-20 06:40:24'
            unterminated quote  | `[2022-04-20T06:40:24.541Z] "- - - 0 - - -`                                                                | `"`   | unterminated quoted field
            envoy before 1970   | `[1969-12-31T23:59:59.999Z] "- - -" 0 - - - "-" 989 90274 18 - "-" "-" "-" "-" "10.0.0.1:7777" c 10.0.0.2:1 10.0.0.3:2 10.0.0.4:3 - - "-"` | 1969 | a time before 1970 cannot be stored, found '1969-12-31T23:59:59.999Z'
            squid after 9999    | 9999999999999.158  18967 10.0.0.98 TCP_TUNNEL/200 90 CONNECT a.example:443 - HIER_DIRECT/1.2.3.4 -   | 9999999999999 | a time after the year 9999 cannot be stored, found '9999999999999'
            """)
    void reasonsAndColumns(String name, String line, String at, String reason) {
        Reject r = reject(line);
        int column = line.indexOf(at) + 1;
        assertEquals(reason, r.reason());
        assertEquals(column, r.column(), "column of '" + at + "'");
        assertEquals("test.log:1:" + column + ": " + reason, r.message());
    }

    @Test
    void aLineNoFormatFitsNamesTheNearestFormat() {
        Reject cut = reject("1650436832.158  18967 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT");
        assertEquals("no known format fits: the line has 6 fields; the nearest format, squid, has 9 to 10 "
                + "(a custom format can be given with --envoy-format or --squid-logformat)", cut.reason());
        Reject envoyish = reject("[2022-04-20T06:40:24.541Z] \"- - -\" 0 -");
        assertEquals("no known format fits: field 2 should be a bare value, without quotes or brackets "
                + "(%RESPONSE_FLAGS% in format istio-1.0-tcp) (a custom format can be given with --envoy-format or --squid-logformat)",
                envoyish.reason());
    }

    @Test
    void emptyAndBlankLines() {
        assertEquals("empty line", reject("").reason());
        assertEquals("empty line", reject("   \t ").reason());
    }

    @Test
    void binaryGarbage() {
        assertEquals("binary data: the line holds a NUL byte", reject("\u0000\u0001\u0002abc\u0000").reason());
        Reject noisy = reject("\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000b\u000c\u000e\u000f\u0010 ok");
        assertTrue(noisy.reason().startsWith("binary data: 13 of 16 characters"), noisy.reason());
    }

    @Test
    void curlyQuotesArePairedBack() {
        EnvoyRecord r = envoy(SEED_SIDECAR.replaceFirst("\"- - -\"", "\u201C- - -\u201D").replace("\"-\" 989", "\u201C-\u201D 989"));
        assertTrue(r.origin().repaired());
        assertEquals(90274, r.bytesSent());
        assertFalse(envoy(SEED_SIDECAR).origin().repaired());
    }

    @Test
    void aLostBracketIsPutBack() {
        EnvoyRecord noOpen = envoy(SEED_SIDECAR.substring(1));
        assertTrue(noOpen.origin().repaired());
        assertEquals("istio-1.9+", noOpen.format());
        EnvoyRecord noClose = envoy(SEED_SIDECAR.replaceFirst("Z\\]", "Z"));
        assertTrue(noClose.origin().repaired());
        assertEquals(18975, noClose.duration());
    }

    @Test
    void aRejectKeepsTheLineButNotAllOfAHugeOne() {
        String huge = SEED + " " + "x".repeat(10_000);
        Reject r = reject(huge.replace("TCP_TUNNEL", "tunnel"));
        assertEquals(Reject.MAX_TEXT, r.text().length());
    }
}
