package dev.egresslog.cli;

/** A problem the user can fix (bad argument, missing file): printed as one line, no stack trace. */
public final class UserException extends RuntimeException {
    private final int exitCode;

    public UserException(String message) {
        this(message, ExitCodes.USAGE);
    }

    public UserException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
