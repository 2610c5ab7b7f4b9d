package dev.egresslog.parser.format;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Conversions of field text to values, straight from the line without copying where possible. */
public final class Values {
    private static final DateTimeFormatter CLF_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

    private Values() {
    }

    public static boolean isDash(String line, int start, int end) {
        return end - start == 1 && line.charAt(start) == '-';
    }

    /** The text, or null for "-" and empty text. */
    public static String text(String line, int start, int end) {
        return start >= end || isDash(line, start, end) ? null : line.substring(start, end);
    }

    /** A non-negative decimal number; -1 for "-" and empty text. */
    public static long number(String line, int start, int end, String what) throws FieldException {
        if (start >= end || isDash(line, start, end)) {
            return -1;
        }
        if (end - start > 18) {
            throw FieldException.expected(what, line, start, end);
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw FieldException.expected(what, line, start, end);
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** 9999-12-31T23:59:59.999Z: the last time a log line may carry. */
    public static final long LAST_MILLIS = 253_402_300_799_999L;

    /**
     * A line's end (start + duration, or epoch seconds) past {@link #LAST_MILLIS} cannot be
     * stored: the record is refused with this, never stored with an overflowed time.
     */
    public static void checkEnd(long startMillis, long durationMillis, String what) throws FieldException {
        if (startMillis >= 0 && durationMillis >= 0 && durationMillis > LAST_MILLIS - startMillis) {
            throw new FieldException(what + " " + durationMillis + " ms ends after the year 9999; the line cannot be stored");
        }
    }

    /**
     * {@code millis} when it is a time the database can hold as a line's time (1970 to 9999): -1
     * stands for "absent" in the records, so an earlier time must be a reject, never a silent NULL.
     */
    static long representable(long millis, String line, int start, int end) throws FieldException {
        if (millis < 0) {
            return outOfRange("before 1970", line, start, end);
        }
        if (millis > LAST_MILLIS) {
            return outOfRange("after the year 9999", line, start, end);
        }
        return millis;
    }

    private static long outOfRange(String why, String line, int start, int end) throws FieldException {
        throw new FieldException("a time " + why + " cannot be stored, found " + FieldException.quote(line, start, end), start + 1);
    }

    /**
     * Epoch ms of an ISO-8601 time: the fast path reads Envoy's {@code 2022-04-20T06:40:24.541Z}
     * in place; other ISO forms (offsets, more or fewer fraction digits) go through java.time.
     */
    public static long isoMillis(String line, int start, int end, String what) throws FieldException {
        // UTC with 1-9 fraction digits: Envoy's ms, and the ns of CRI, kubectl --timestamps and Fluent Bit
        int fraction = end - start - 21;
        if (fraction >= 1 && fraction <= 9 && line.charAt(end - 1) == 'Z' && line.charAt(start + 19) == '.'
                && line.charAt(start + 10) == 'T') {
            long fast = fastIso(line, start, fraction);
            if (fast >= 0) {
                return representable(fast, line, start, end);
            }
        }
        String text = line.substring(start, end);
        long millis;
        try {
            millis = OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            try {
                millis = Instant.parse(text).toEpochMilli();
            } catch (DateTimeException | ArithmeticException e2) {
                throw FieldException.expected(what, line, start, end);
            }
        }
        return representable(millis, line, start, end);
    }

    /** Epoch ms of "yyyy-MM-ddTHH:mm:ss." + {@code fraction} digits + "Z" at p (truncated to ms, as java.time does), or -1. */
    private static long fastIso(String s, int p, int fraction) {
        int year = digits(s, p, 4);
        int month = digits(s, p + 5, 2);
        int day = digits(s, p + 8, 2);
        int hour = digits(s, p + 11, 2);
        int minute = digits(s, p + 14, 2);
        int second = digits(s, p + 17, 2);
        int millis = digits(s, p + 20, Math.min(3, fraction));
        for (int i = fraction; i < 3; i++) {
            millis *= 10;
        }
        if (fraction > 3 && digits(s, p + 23, fraction - 3) < 0) {
            return -1;
        }
        if ((year | month | day | hour | minute | second | millis) < 0 || s.charAt(p + 4) != '-'
                || s.charAt(p + 7) != '-' || s.charAt(p + 13) != ':' || s.charAt(p + 16) != ':'
                || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
            return -1;
        }
        long days = daysFromCivil(year, month, day);
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    private static int digits(String s, int p, int n) {
        int v = 0;
        for (int i = p; i < p + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    static long daysFromCivil(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int mp = (month + 9) % 12;
        int doy = (153 * mp + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097L + doe - 719468L;
    }

    /**
     * Epoch ms of a time given as epoch seconds with an optional fraction ("1650436832.158"),
     * as Squid's %ts.%03tu and Envoy's %START_TIME(%s.%3f)% write it.
     */
    public static long epochSecondsMillis(String line, int start, int end, String what) throws FieldException {
        int dot = line.indexOf('.', start);
        int intEnd = dot >= 0 && dot < end ? dot : end;
        long seconds = number(line, start, intEnd, what);
        if (seconds < 0) {
            throw FieldException.expected(what, line, start, end);
        }
        if (seconds > LAST_MILLIS / 1000) {
            return outOfRange("after the year 9999", line, start, end);
        }
        long millis = 0;
        if (intEnd < end) {
            int scale = 100;
            for (int i = intEnd + 1; i < end; i++) {
                char c = line.charAt(i);
                if (c < '0' || c > '9') {
                    throw FieldException.expected(what, line, start, end);
                }
                millis += (c - '0') * scale;
                scale /= 10;
            }
        }
        return seconds * 1000 + millis;
    }

    /** Epoch ms of Common Log Format time: {@code 16/Nov/2015:11:44:17 -0600}. */
    public static long clfMillis(String line, int start, int end, String what) throws FieldException {
        long millis;
        try {
            millis = ZonedDateTime.parse(line.substring(start, end), CLF_TIME).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException e) {
            throw FieldException.expected(what, line, start, end);
        }
        return representable(millis, line, start, end);
    }
}
