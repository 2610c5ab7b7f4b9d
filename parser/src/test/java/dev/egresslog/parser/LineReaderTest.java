package dev.egresslog.parser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static dev.egresslog.parser.EnvoyTextFormatTest.SEED_GATEWAY;
import static dev.egresslog.parser.EnvoyTextFormatTest.SEED_SIDECAR;
import static dev.egresslog.parser.SquidFormatTest.SEED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole inputs: every line read gives one result, whatever the bytes. */
class LineReaderTest {
    private static List<ParsedLine> parseAll(byte[] bytes, int maxLine) throws IOException {
        List<ParsedLine> out = new ArrayList<>();
        try (LineReader reader = new LineReader(new ByteArrayInputStream(bytes), maxLine)) {
            InputParser.Outcome outcome = InputParser.parse(reader, "input.log", new LogParser(), out::add);
            assertEquals(outcome.lines(), out.size(), "one result per line read");
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void emptyInputGivesNothing() throws IOException {
        assertEquals(List.of(), parseAll(new byte[0], 1024));
    }

    @Test
    void lastLineWithoutNewlineAndCrLf() throws IOException {
        List<ParsedLine> out = parseAll(utf8(SEED_SIDECAR + "\r\n" + SEED_GATEWAY + "\r\n" + SEED), 65536);
        assertEquals(3, out.size());
        assertInstanceOf(EnvoyRecord.class, out.get(0));
        assertInstanceOf(EnvoyRecord.class, out.get(1));
        assertEquals(3, assertInstanceOf(SquidRecord.class, out.get(2)).origin().line());
    }

    @Test
    void aTruncatedLastLineIsARejectNotACrash() throws IOException {
        List<ParsedLine> out = parseAll(utf8(SEED + "\n" + SEED.substring(0, 40)), 65536);
        assertEquals(2, out.size());
        Reject r = assertInstanceOf(Reject.class, out.get(1));
        assertEquals(2, r.origin().line());
    }

    @Test
    void theLastLineSaysWhetherItHadALineEnd() throws IOException {
        for (String text : List.of(SEED + "\n" + SEED, SEED + "\n" + SEED + "\n")) {
            try (LineReader reader = new LineReader(new ByteArrayInputStream(utf8(text)), 65536)) {
                InputParser.Outcome outcome = InputParser.parse(reader, "x", new LogParser(), p -> { });
                assertEquals(2, outcome.lines());
                assertEquals(!text.endsWith("\n"), outcome.lastLineOpen());
            }
        }
    }

    @Test
    void aTenMegabyteLineIsRejectedWithBoundedMemory() throws IOException {
        byte[] big = new byte[10 * 1024 * 1024];
        Arrays.fill(big, (byte) 'a');
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(utf8(SEED + "\n"));
        bytes.write(big);
        bytes.write(utf8("\n" + SEED + "\n"));
        List<ParsedLine> out = parseAll(bytes.toByteArray(), 65536);
        assertEquals(3, out.size());
        Reject r = assertInstanceOf(Reject.class, out.get(1));
        assertEquals("line is 10485760 bytes long, over the 65536-byte limit; not parsed", r.reason());
        assertEquals(2, r.origin().line());
        assertEquals(3, assertInstanceOf(SquidRecord.class, out.get(2)).origin().line());
    }

    @Test
    void invalidUtf8NeverThrows() throws IOException {
        byte[] line = utf8(SEED);
        line[60] = (byte) 0xC3; // a lone lead byte inside the user field
        List<ParsedLine> out = parseAll(line, 65536);
        assertEquals(1, out.size());
    }

    @Test
    void gzipIsDetectedByItsMagicBytes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("access.log.1"); // no .gz name: the bytes decide
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(file))) {
            gz.write(utf8(SEED_SIDECAR + "\n" + SEED + "\n"));
        }
        List<ParsedLine> out = new ArrayList<>();
        try (LineReader reader = LineReader.open(file)) {
            assertEquals(2, InputParser.parse(reader, file.toString(), new LogParser(), out::add).lines());
        }
        assertInstanceOf(EnvoyRecord.class, out.get(0));
        assertInstanceOf(SquidRecord.class, out.get(1));
    }

    /** The line the break cut short is the reject: every line keeps its number, and none is invented past the last. */
    @Test
    void aTruncatedGzipEndsWithAReject() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < 2000; i++) {
                gz.write(utf8(SEED + "\n"));
            }
        }
        byte[] whole = bytes.toByteArray();
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);
        List<ParsedLine> out = new ArrayList<>();
        InputParser.Outcome outcome;
        try (InputStream in = new ByteArrayInputStream(cut); LineReader reader = new LineReader(in, 65536)) {
            outcome = InputParser.parse(reader, "cut.gz", new LogParser(), out::add);
        }
        Reject last = assertInstanceOf(Reject.class, out.get(out.size() - 1));
        assertEquals("the input breaks off in this line: the compressed stream ends early (truncated .gz file)", last.reason());
        assertEquals(outcome.lines(), last.origin().line());
        assertEquals(outcome.lines(), out.size());
        assertEquals(null, outcome.error());
        assertTrue(out.size() > 10, "lines before the cut are kept");
    }

    @Test
    void aGzipHeaderAloneIsAnInputThatBreaksOffBeforeItsFirstLine() throws IOException {
        try (LineReader reader = new LineReader(new ByteArrayInputStream(new byte[] {0x1f, (byte) 0x8b}), 65536)) {
            InputParser.Outcome outcome = InputParser.parse(reader, "x.gz", new LogParser(), p -> { throw new AssertionError(p); });
            assertEquals(0, outcome.lines());
            assertEquals("the compressed stream ends early (truncated .gz file)", outcome.error());
        }
    }
}
