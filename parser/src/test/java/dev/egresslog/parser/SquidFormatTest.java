package dev.egresslog.parser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static dev.egresslog.parser.Parsing.millis;
import static dev.egresslog.parser.Parsing.squid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Squid's native, common and combined formats and custom logformats (shared/DOMAIN.md §3). */
class SquidFormatTest {
    static final String SEED = "1650436832.158  18967 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT en.wikipedia.org:443 - "
            + "HIER_DIRECT/208.80.154.224 -";

    @Test
    void seedLineHasEveryField() {
        SquidRecord r = squid(SEED);
        assertEquals("squid", r.format());
        assertEquals(1650436832158L, r.endTime());
        assertEquals(18967, r.elapsed());
        assertEquals(1650436832158L - 18967, r.startTime());
        assertEquals(new Endpoint("10.0.0.98", "10.0.0.98", -1), r.client());
        assertEquals("TCP_TUNNEL", r.resultCode());
        assertEquals(200, r.httpStatus());
        assertEquals(90274, r.bytes());
        assertEquals(-1, r.requestBytes());
        assertEquals("CONNECT", r.method());
        assertEquals("en.wikipedia.org:443", r.url());
        assertEquals("en.wikipedia.org", r.connectHost());
        assertEquals(443, r.connectPort());
        assertNull(r.user());
        assertEquals("HIER_DIRECT", r.hierarchy());
        assertEquals("208.80.154.224", r.serverIp());
        assertNull(r.contentType());
        assertEquals(Map.of(), r.extras());
        assertTrue(r.isConnect());
        assertFalse(r.aborted());
        assertFalse(r.denied());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            denied CONNECT        | 1650436900.001      0 10.0.0.98 TCP_DENIED/403 3428 CONNECT blocked.example:443 - HIER_NONE/- text/html | TCP_DENIED | 403 | 3428 | HIER_NONE | | text/html
            target refused        | 1650436900.002     12 10.0.0.98 NONE_NONE/503 0 CONNECT down.example:443 - HIER_DIRECT/192.0.2.10 - | NONE_NONE | 503 | 0 | HIER_DIRECT | 192.0.2.10 |
            squid 6 refused       | 1700000000.100     30 10.0.0.98 TCP_TUNNEL/503 0 CONNECT down.example:443 - HIER_DIRECT/192.0.2.10 - | TCP_TUNNEL | 503 | 0 | HIER_DIRECT | 192.0.2.10 |
            status 000            | 1650436900.003  43001 10.0.0.98 TCP_MISS/000 0 GET http://slow.example/ - HIER_DIRECT/192.0.2.11 - | TCP_MISS | 0 | 0 | HIER_DIRECT | 192.0.2.11 |
            NONE/000              | 1612345678.900      0 10.0.0.98 NONE/000 0 CONNECT https:443 - HIER_NONE/- - | NONE | 0 | 0 | HIER_NONE | |
            TAG_NONE              | 1605000000.500      1 10.0.0.98 TAG_NONE/200 0 CONNECT www.example.com:443 - HIER_NONE/- - | TAG_NONE | 200 | 0 | HIER_NONE | |
            aborted tunnel        | 1613000000.250 120000 10.0.0.98 TCP_TUNNEL_ABORTED/200 51234 CONNECT cdn.example:443 - HIER_DIRECT/192.0.2.12 - | TCP_TUNNEL_ABORTED | 200 | 51234 | HIER_DIRECT | 192.0.2.12 |
            timeout hierarchy     | 1034000000.123    250 10.0.0.98 TCP_MISS/200 1024 GET http://a.example/ - TIMEOUT_FIRST_PARENT_MISS/parent.example text/html | TCP_MISS | 200 | 1024 | TIMEOUT_FIRST_PARENT_MISS | parent.example | text/html
            end before headers    | 1674053145.294      0 127.0.0.1 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- - | NONE_NONE | 0 | 0 | HIER_NONE | |
            first parent          | 1504000000.001   5000 10.0.0.98 TCP_TUNNEL/200 7000 CONNECT b.example:443 - FIRSTUP_PARENT/192.0.2.13 - | TCP_TUNNEL | 200 | 7000 | FIRSTUP_PARENT | 192.0.2.13 |
            """)
    void resultTagsStatusesAndHierarchies(String name, String line, String result, int status, long bytes,
                                          String hierarchy, String server, String contentType) {
        SquidRecord r = squid(line);
        assertEquals(result, r.resultCode());
        assertEquals(status, r.httpStatus());
        assertEquals(bytes, r.bytes());
        assertEquals(hierarchy, r.hierarchy());
        assertEquals(server, r.serverIp());
        assertEquals(contentType, r.contentType());
    }

    @Test
    void paddingOfAnyWidthAndUnpaddedElapsed() {
        assertEquals(5, squid("1650436832.158      5 10.0.0.98 TCP_TUNNEL/200 39 CONNECT a.example:443 - HIER_DIRECT/192.0.2.1 -").elapsed());
        assertEquals(1234567, squid("1650436832.158 1234567 10.0.0.98 TCP_TUNNEL/200 39 CONNECT a.example:443 - HIER_DIRECT/192.0.2.1 -").elapsed());
        assertEquals(207, squid("1737983758.627 207 1.2.3.4 TCP_TUNNEL/200 4047 CONNECT t.example:443 - HIER_DIRECT/5.6.7.8 - ").elapsed());
    }

    @Test
    void clientsIpv6DashAndHostName() {
        SquidRecord v6 = squid("1445268314.711    196 ::1 TCP_MISS/200 4502 CONNECT a.example:443 - DIRECT/192.0.2.1 -");
        assertEquals(new Endpoint("::1", "::1", -1), v6.client());
        SquidRecord full = squid("1445268314.711    196 2001:db8::7 TCP_TUNNEL/200 4502 CONNECT [2001:db8::99]:443 - HIER_DIRECT/2001:db8::99 -");
        assertEquals("2001:db8::7", full.client().host());
        assertEquals("2001:db8::99", full.connectHost());
        assertEquals(443, full.connectPort());
        assertEquals("2001:db8::99", full.serverIp());
        assertNull(squid("1445268314.711    196 - TCP_MISS/200 4502 GET http://a.example/ - DIRECT/192.0.2.1 -").client());
        assertEquals("rd1.domain.lan",
                squid("1550000000.000     10 rd1.domain.lan TCP_MISS/200 10 GET http://a.example/ - ORIGINAL_DST/192.0.2.1 -").client().host());
    }

    @Test
    void userNamesMayHoldSpaces() {
        SquidRecord r = squid("1650436832.158    100 10.0.0.98 TCP_TUNNEL/200 5000 CONNECT a.example:443 John Q Public "
                + "HIER_DIRECT/192.0.2.1 -");
        assertEquals("John Q Public", r.user());
        assertEquals("HIER_DIRECT", r.hierarchy());
        assertEquals("user01@EXAMPLE.ORG", squid("1746103931.825     54 172.20.2.3 TCP_DENIED/200 0 CONNECT www.example.com:443 "
                + "user01@EXAMPLE.ORG HIER_NONE/- -").user());
    }

    @Test
    void urlsWithOddCharacters() {
        SquidRecord r = squid("1349000000.000    100 10.0.0.1 TCP_MISS/200 3000 GET http://a.example/x,y;z?q=a%20b&c=~d - "
                + "DIRECT/192.0.2.1 text/html");
        assertEquals("http://a.example/x,y;z?q=a%20b&c=~d", r.url());
        assertNull(r.connectHost(), "only CONNECT has a target host");
    }

    @Test
    void logMimeHeadersBlocksAreKept() {
        SquidRecord r = squid(SEED + " [Host: en.wikipedia.org:443\\r\\nUser-Agent: curl/7.82.0-DEV\\r\\n] "
                + "[HTTP/1.1 200 Connection established\\r\\n]");
        assertEquals(90274, r.bytes());
        assertEquals("Host: en.wikipedia.org:443\\r\\nUser-Agent: curl/7.82.0-DEV\\r\\n", r.extras().get("request_headers"));
        assertEquals("HTTP/1.1 200 Connection established\\r\\n", r.extras().get("reply_headers"));
    }

    @Test
    void missingContentTypeIsRead() {
        SquidRecord r = squid("872739961.631   1152 10.0.0.21 TCP_MISS/200 1540 GET http://www.example.com/ - DEFAULT_PARENT/localhost");
        assertEquals(872739961631L, r.endTime());
        assertNull(r.contentType());
        assertEquals("DEFAULT_PARENT", r.hierarchy());
        assertEquals("localhost", r.serverIp());
    }

    @Test
    void appendedFieldsAreExtras() {
        SquidRecord r = squid("1642667037.129      0 10.0.4.4 TCP_DENIED/403 3868 CONNECT 1.2.3.4:80 - HIER_NONE/- text/html \"-\" \"curl/8\"");
        assertEquals("text/html", r.contentType());
        assertEquals(Map.of("field_11", "-", "field_12", "curl/8"), r.extras());
    }

    @Test
    void commonFormat() {
        SquidRecord r = squid("192.168.178.21 - - [23/Dec/2024:18:35:56 +0100] \"CONNECT www.merkur.de:443 HTTP/1.1\" 200 1105 TCP_TUNNEL:HIER_DIRECT");
        assertEquals("common", r.format());
        assertEquals(millis("2024-12-23T17:35:56Z"), r.endTime());
        assertEquals(-1, r.elapsed());
        assertEquals("CONNECT", r.method());
        assertEquals("www.merkur.de", r.connectHost());
        assertEquals(200, r.httpStatus());
        assertEquals(1105, r.bytes());
        assertEquals("TCP_TUNNEL", r.resultCode());
        assertEquals("HIER_DIRECT", r.hierarchy());
        assertEquals("1.1", r.extras().get("rv"));
    }

    @Test
    void combinedFormat() {
        SquidRecord r = squid("10.0.0.5 - alice [16/Nov/2015:11:44:17 -0600] \"GET http://a.example/p q HTTP/1.1\" 200 2357 "
                + "\"http://ref.example/\" \"Mozilla/5.0 (X11)\" TCP_MISS:HIER_DIRECT");
        assertEquals("combined", r.format());
        assertEquals("alice", r.user());
        assertEquals("http://a.example/p q", r.url(), "the URL runs to the last ' HTTP/'");
        assertEquals("http://ref.example/", r.referer());
        assertEquals("Mozilla/5.0 (X11)", r.userAgent());
        assertEquals(millis("2015-11-16T17:44:17Z"), r.endTime());
    }

    @Test
    void customLogformatWithClientPortAndRequestBytes() {
        LogParser parser = new LogParser(new ParserOptions(List.of(), List.of(
                "logformat egress %ts.%03tu %6tr %>a:%>p %Ss/%03>Hs %>st %<st %rm %ru %[un %Sh/%<a %mt")));
        SquidRecord r = squid(parser, "1650436832.158  18967 10.0.0.98:39040 TCP_TUNNEL/200 1024 90274 CONNECT "
                + "en.wikipedia.org:443 - HIER_DIRECT/208.80.154.224 -");
        assertEquals("egress", r.format());
        assertEquals(new Endpoint("10.0.0.98:39040", "10.0.0.98", 39040), r.client());
        assertEquals(1024, r.requestBytes());
        assertEquals(90274, r.bytes());
        // a native line still parses with the built-in format
        assertEquals("squid", squid(parser, SEED).format());
    }

    @Test
    void customLogformatWithUnknownCodesKeepsThemAsExtras() {
        LogParser parser = new LogParser(new ParserOptions(List.of(), List.of(
                "%ts.%03tu %>a %Ss/%>Hs %<st %rm %ru %{X-Forwarded-For}>h %note")));
        SquidRecord r = squid(parser, "1650436832.158 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT a.example:443 10.9.9.9 tag=1");
        assertEquals("custom", r.format());
        assertEquals(Map.of("{X-Forwarded-For}>h", "10.9.9.9", "note", "tag=1"), r.extras());
    }

    /** Squid reads a code's argument on either side of it: %>h{User-Agent} is %{User-Agent}>h. */
    @Test
    void argumentAfterTheCodeIsTheSameAsBefore() {
        String line = "1650436832.158 10.0.0.98 TCP_TUNNEL/200 90274 CONNECT a.example:443 \"curl/8.0\" \"10.9.9.9\" {x}";
        for (String format : List.of("%ts.%03tu %>a %Ss/%>Hs %<st %rm %ru \"%>h{User-Agent}\" \"%>h{X-Forwarded-For}\" {x}",
                "%ts.%03tu %>a %Ss/%>Hs %<st %rm %ru \"%{User-Agent}>h\" \"%{X-Forwarded-For}>h\" {x}")) {
            SquidRecord r = squid(new LogParser(new ParserOptions(List.of(), List.of(format))), line);
            assertEquals("curl/8.0", r.userAgent(), format);
            assertEquals(Map.of("{X-Forwarded-For}>h", "10.9.9.9"), r.extras(), format);
        }
    }

    @Test
    void badLogformatIsRefusedWithItsColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LogParser(new ParserOptions(List.of(), List.of("%ts %{oops"))));
        assertTrue(e.getMessage().startsWith("squid logformat 'custom', column "), e.getMessage());
        IllegalArgumentException touching = assertThrows(IllegalArgumentException.class,
                () -> new LogParser(new ParserOptions(List.of(), List.of("%ts%tr %>a"))));
        assertTrue(touching.getMessage().contains("touch with no text between them"), touching.getMessage());
    }
}
