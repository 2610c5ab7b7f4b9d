package dev.egresslog.cli;

/** Exit codes of every egresslog command. */
public final class ExitCodes {
    /** Done; for parse, every line was parsed. */
    public static final int OK = 0;
    /** Done, but some lines were rejected (parse). */
    public static final int REJECTS = 1;
    /** explain: the tunnel asked for is not in the database. */
    public static final int NOT_FOUND = 1;
    /** Bad arguments, a missing file, a format that does not compile. */
    public static final int USAGE = 2;
    /** Something failed while running (an I/O error on output, a bug). */
    public static final int FAILURE = 3;

    private ExitCodes() {
    }
}
