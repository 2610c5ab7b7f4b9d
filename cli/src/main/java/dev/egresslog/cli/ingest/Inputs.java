package dev.egresslog.cli.ingest;

import dev.egresslog.cli.UserException;
import dev.egresslog.parser.InputParser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * The inputs named on a command line: files, directories (every regular file below, in name
 * order), globs the shell did not expand, "-" for standard input, and pipes and devices named
 * on the command line ({@code <(kubectl logs ...)}, FIFOs), read as streams. Each input keeps
 * the name the user gave, which is what records and rejects show as their source.
 *
 * <p>Never read: the files {@code excluded} names (the database a command writes and its side
 * files, the file standard output goes to) and DuckDB databases. What a directory holds that
 * cannot be read as a log (pipes, sockets, devices, broken or looping links, unreadable
 * entries, the excluded files) is skipped and listed with the reason, never silently.
 */
public final class Inputs {
    /** One input. {@code path} is null for standard input; {@code stream} inputs are pipes or devices, read once. */
    public record Input(String name, Path path, boolean stream) {
        boolean isStdin() {
            return path == null;
        }

        public InputStream open(InputStream stdin) throws IOException {
            // a FileInputStream asks a pipe how much it holds without seeking (Files.newInputStream
            // would, and fail with "Illegal seek")
            return path == null ? stdin : stream ? new java.io.FileInputStream(path.toFile()) : Files.newInputStream(path);
        }
    }

    /** Something inside a directory (or matched by a glob) that is not read, and why. */
    public record Skipped(String name, String reason) {
    }

    /** The inputs to read, and what was skipped. */
    public record Expansion(List<Input> inputs, List<Skipped> skipped) {
    }

    private Inputs() {
    }

    /**
     * @param excluded files never to read: naming one on the command line is an error, finding one
     *                 in a directory skips it
     * @throws UserException naming the first argument that names nothing, or cannot be read
     */
    public static Expansion expand(List<String> arguments, Predicate<Path> excluded) {
        List<Input> inputs = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        for (String argument : arguments) {
            if (argument.equals("-")) {
                inputs.add(new Input("-", null, true));
                continue;
            }
            Path path = Path.of(argument);
            if (Files.isDirectory(path)) {
                if (!Files.isReadable(path)) {
                    throw new UserException("cannot read directory " + argument + ": permission denied");
                }
                walk(path, p -> true, excluded, inputs, skipped);
            } else if (Files.exists(path)) {
                if (excluded.test(path)) {
                    throw new UserException(argument + " is the database or output of this command; it is never read as a log");
                }
                if (!Files.isReadable(path)) {
                    throw new UserException("cannot read " + argument + ": permission denied");
                }
                String notLog = Files.isRegularFile(path) ? databaseFile(path) : null;
                if (notLog != null) {
                    throw new UserException("cannot read " + argument + ": " + notLog);
                }
                inputs.add(new Input(argument, path, !Files.isRegularFile(path)));
            } else if (argument.contains("*") || argument.contains("?")) {
                int before = inputs.size();
                glob(argument, excluded, inputs, skipped);
                if (inputs.size() == before) {
                    throw new UserException("no file matches " + argument);
                }
            } else if (Files.isSymbolicLink(path)) {
                throw new UserException("cannot read " + argument + ": a symbolic link to nothing");
            } else {
                throw new UserException("no such file or directory: " + argument);
            }
        }
        return new Expansion(inputs, skipped);
    }

    /** Every regular file below {@code root} that {@code matches}, in name order; the rest that cannot be read goes to {@code skipped}. */
    private static void walk(Path root, Predicate<Path> matches, Predicate<Path> excluded, List<Input> inputs, List<Skipped> skipped) {
        List<Input> found = new ArrayList<>();
        List<Skipped> notRead = new ArrayList<>();
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(root) && !Files.isReadable(dir)) {
                        notRead.add(new Skipped(dir.toString(), "a directory that cannot be read (permission denied)"));
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (!matches.test(file)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String why = whyNotRead(file, attrs, excluded);
                    if (why == null) {
                        found.add(new Input(file.toString(), file, false));
                    } else {
                        notRead.add(new Skipped(file.toString(), why));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    if (matches.test(file)) {
                        String why = Files.isSymbolicLink(file) && !Files.exists(file)
                                ? "a symbolic link to nothing" : InputParser.describe(e);
                        notRead.add(new Skipped(file.toString(), why));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UserException("cannot list directory " + root + ": " + InputParser.describe(e));
        }
        found.sort(java.util.Comparator.comparing(Input::path));
        notRead.sort(java.util.Comparator.comparing(Skipped::name));
        inputs.addAll(found);
        skipped.addAll(notRead);
    }

    private static String whyNotRead(Path file, BasicFileAttributes attrs, Predicate<Path> excluded) {
        if (excluded.test(file)) {
            return "the database or output of this command";
        }
        if (attrs.isDirectory()) {
            return null;
        }
        if (attrs.isSymbolicLink()) {
            return "a symbolic link to nothing";
        }
        if (!attrs.isRegularFile()) {
            String type = attrs.isOther() ? "a pipe, socket or device" : "not a regular file";
            return type + " inside a directory (name it on the command line to read it)";
        }
        if (!Files.isReadable(file)) {
            return "permission denied";
        }
        return databaseFile(file);
    }

    /** Why the file is a database rather than a log, or null. */
    private static String databaseFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(12);
            if (head.length == 12 && head[8] == 'D' && head[9] == 'U' && head[10] == 'C' && head[11] == 'K') {
                return "a DuckDB database, not a log";
            }
        } catch (IOException e) {
            return InputParser.describe(e);
        }
        return null;
    }

    private static void glob(String pattern, Predicate<Path> excluded, List<Input> inputs, List<Skipped> skipped) {
        Path base = Path.of(".");
        String rest = pattern;
        int firstWild = indexOfWildcard(pattern);
        int slash = pattern.lastIndexOf('/', firstWild);
        if (slash >= 0) {
            base = Path.of(pattern.substring(0, slash + 1));
            rest = pattern.substring(slash + 1);
        }
        if (!Files.isDirectory(base)) {
            return;
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + rest);
        Path root = base;
        walk(root, p -> matcher.matches(root.relativize(p)), excluded, inputs, skipped);
    }

    private static int indexOfWildcard(String s) {
        int star = s.indexOf('*');
        int question = s.indexOf('?');
        return star < 0 ? question : question < 0 ? star : Math.min(star, question);
    }

    /**
     * Files a command must never read: {@code files} (with their side files: DuckDB's write-ahead
     * log, temporary directory, work database, query socket, spooled inputs, the copy a compaction
     * writes) and whatever standard
     * output is redirected to. Compared as real paths, so any name for them is caught.
     */
    public static Predicate<Path> neverRead(Collection<Path> files) {
        List<Path> real = new ArrayList<>();
        for (Path f : files) {
            Path abs = f.toAbsolutePath().normalize();
            for (String suffix : List.of("", ".wal", ".tmp", ".work", ".work.wal", ".sock", ".stdin", ".compact", ".compact.wal")) {
                real.add(realOrSelf(Path.of(abs + suffix)));
            }
        }
        Path stdout = standardOutput();
        if (stdout != null) {
            real.add(stdout);
        }
        return p -> {
            Path candidate = realOrSelf(p.toAbsolutePath().normalize());
            for (Path r : real) {
                if (candidate.equals(r) || candidate.startsWith(r) && Files.isDirectory(r, LinkOption.NOFOLLOW_LINKS)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static Path realOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    /** The regular file standard output is redirected to (Linux: /proc/self/fd/1), or null. */
    private static Path standardOutput() {
        try {
            Path out = Path.of("/proc/self/fd/1").toRealPath();
            return Files.isRegularFile(out) ? out : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
