package dev.egresslog.parser.squid;

import dev.egresslog.parser.format.FieldException;
import dev.egresslog.parser.format.Slot;
import dev.egresslog.parser.format.TextCache;
import dev.egresslog.parser.format.Values;

import java.util.Locale;

/** The Squid logformat codes egresslog types; other codes are kept as extras. */
enum SquidField implements Slot<SquidBuilder> {
    END_SECONDS {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            b.endSeconds = Values.number(line, start, end, "epoch seconds");
            if (b.endSeconds < 0) {
                throw FieldException.expected("epoch seconds", line, start, end);
            }
            if (b.endSeconds > Values.LAST_MILLIS / 1000) {
                throw new FieldException("a time after the year 9999 cannot be stored, found "
                        + FieldException.quote(line, start, end), start + 1);
            }
        }
    },
    END_MILLIS {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            long millis = Values.number(line, start, end, "milliseconds (000-999)");
            if (millis < 0 || millis > 999) {
                throw FieldException.expected("milliseconds (000-999)", line, start, end);
            }
            b.endMillis = (int) millis;
        }
    },
    END_LOCAL_TIME {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            b.endTimeMillis = Values.clfMillis(line, start, end, "a time like 16/Nov/2015:11:44:17 -0600");
        }
    },
    START_TIME {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            b.startTimeMillis = Values.epochSecondsMillis(line, start, end, "epoch seconds with milliseconds");
        }
    },
    ELAPSED {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            b.elapsed = Values.number(line, start, end, "an elapsed time in milliseconds");
        }
    },
    CLIENT {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.client = b.text(line, start, end);
        }
    },
    CLIENT_PORT {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            long port = Values.number(line, start, end, "a port number");
            if (port > 65535) {
                throw FieldException.expected("a port number", line, start, end);
            }
            b.clientPort = (int) port;
        }
    },
    RESULT_CODE {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            requireTag(line, start, end, "a result code such as TCP_TUNNEL");
            b.resultCode = TextCache.text(b.texts, line, start, end);
        }
    },
    HTTP_STATUS {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            long status = Values.number(line, start, end, "an HTTP status code");
            if (status > 999) {
                throw FieldException.expected("an HTTP status code", line, start, end);
            }
            b.httpStatus = (int) status;
        }
    },
    BYTES {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            b.bytes = Values.number(line, start, end, "a byte count");
        }
    },
    REQUEST_BYTES {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            b.requestBytes = Values.number(line, start, end, "a byte count");
        }
    },
    METHOD {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.method = b.text(line, start, end);
        }
    },
    URL {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.url = Values.text(line, start, end);
        }
    },
    USER {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.user = b.text(line, start, end);
        }

        @Override
        public boolean elastic() {
            return true;
        }
    },
    HIERARCHY {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) throws FieldException {
            requireTag(line, start, end, "a hierarchy code such as HIER_DIRECT");
            b.hierarchy = TextCache.text(b.texts, line, start, end);
        }
    },
    SERVER_IP {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.serverIp = Values.text(line, start, end);
        }
    },
    CONTENT_TYPE {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.contentType = b.text(line, start, end);
        }
    },
    REFERER {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.referer = Values.text(line, start, end);
        }
    },
    USER_AGENT {
        @Override
        public void set(SquidBuilder b, String line, int start, int end) {
            b.userAgent = Values.text(line, start, end);
        }
    };

    /** The field a logformat code fills, or null; {@code argument} is the {...} text or null. */
    static SquidField forCode(String code, String argument) {
        return switch (code) {
            case "ts" -> END_SECONDS;
            case "tu" -> END_MILLIS;
            case "tl", "tg" -> END_LOCAL_TIME;
            case "tS" -> START_TIME;
            case "tr" -> ELAPSED;
            case ">a", ">A" -> CLIENT;
            case ">p" -> CLIENT_PORT;
            case "Ss" -> RESULT_CODE;
            case "Hs", ">Hs" -> HTTP_STATUS;
            case "<st" -> BYTES;
            case ">st" -> REQUEST_BYTES;
            case "rm", ">rm" -> METHOD;
            case "ru", ">ru" -> URL;
            case "un", "ul", "ue", "us" -> USER;
            case "Sh" -> HIERARCHY;
            case "<a", "<A" -> SERVER_IP;
            case "mt" -> CONTENT_TYPE;
            case ">h", "h" -> header(argument);
            default -> null;
        };
    }

    private static SquidField header(String argument) {
        if (argument == null) {
            return null;
        }
        return switch (argument.toLowerCase(Locale.ROOT)) {
            case "referer" -> REFERER;
            case "user-agent" -> USER_AGENT;
            default -> null;
        };
    }

    private static void requireTag(String line, int start, int end, String what) throws FieldException {
        if (start >= end) {
            throw FieldException.expected(what, line, start, end);
        }
        for (int i = start; i < end; i++) {
            char c = line.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9')) {
                throw FieldException.expected(what, line, start, end);
            }
        }
    }
}
