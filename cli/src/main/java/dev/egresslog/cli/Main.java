package dev.egresslog.cli;

import picocli.CommandLine;

/** Entry point of the egresslog command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(createCommandLine().execute(args));
    }

    /** The command line used by {@link #main} and by the tests. */
    public static CommandLine createCommandLine() {
        CommandLine cli = new CommandLine(new EgressLog());
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine where = e.getCommandLine();
            where.getErr().println(where.getCommandSpec().qualifiedName() + ": " + e.getMessage()
                    + " (see '" + where.getCommandSpec().qualifiedName() + " --help')");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // one line, no stack trace: bad input and missing files are the user's to fix
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message(e));
            return e instanceof UserException ue ? ue.exitCode() : ExitCodes.FAILURE;
        });
        return cli;
    }

    private static String message(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
