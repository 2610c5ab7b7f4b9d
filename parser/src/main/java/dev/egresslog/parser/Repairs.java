package dev.egresslog.parser;

/**
 * Mends what pasting does to log lines, when only one reading is possible: curly quotes from
 * word processors and chat tools (seed 001), and a lost bracket around Envoy's start time.
 */
final class Repairs {
    private Repairs() {
    }

    /** The mended line, or null when nothing could be mended. */
    static String repair(String line) {
        String text = line;
        boolean changed = false;
        if (text.indexOf('\u201C') >= 0 || text.indexOf('\u201D') >= 0 || text.indexOf('\u201E') >= 0) {
            text = text.replace('\u201C', '"').replace('\u201D', '"').replace('\u201E', '"');
            changed = true;
        }
        int stamp = isoLength(text, text.startsWith("[") ? 1 : 0);
        if (stamp > 0) {
            boolean open = text.startsWith("[");
            int after = (open ? 1 : 0) + stamp;
            boolean close = after < text.length() && text.charAt(after) == ']';
            if (open && !close && after < text.length() && text.charAt(after) == ' ') {
                text = text.substring(0, after) + "]" + text.substring(after);
                changed = true;
            } else if (!open && close) {
                text = "[" + text;
                changed = true;
            }
        }
        return changed ? text : null;
    }

    /** Length of an ISO-8601 UTC time ("2022-04-20T06:40:24.541Z") at {@code start}, or 0. */
    private static int isoLength(String s, int start) {
        if (s.length() < start + 20 || s.charAt(start + 4) != '-' || s.charAt(start + 10) != 'T') {
            return 0;
        }
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 'Z') {
                return i - start + 1;
            }
            if (!(c >= '0' && c <= '9' || c == '-' || c == ':' || c == '.' || c == 'T')) {
                return 0;
            }
        }
        return 0;
    }
}
