package dev.egresslog.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The inputs named on a command line: files, directories (every regular file below, in name
 * order), globs the shell did not expand, and "-" for standard input. Each input keeps the
 * name the user gave, which is what records and rejects show as their source.
 */
final class Inputs {
    record Input(String name, Path path) {
        boolean isStdin() {
            return path == null;
        }

        InputStream open(InputStream stdin) throws IOException {
            return path == null ? stdin : Files.newInputStream(path);
        }
    }

    private Inputs() {
    }

    /** @throws UserException naming the first argument that names nothing */
    static List<Input> expand(List<String> arguments) {
        List<Input> inputs = new ArrayList<>();
        for (String argument : arguments) {
            if (argument.equals("-")) {
                inputs.add(new Input("-", null));
                continue;
            }
            Path path = Path.of(argument);
            if (Files.isDirectory(path)) {
                try (Stream<Path> walk = Files.walk(path)) {
                    walk.filter(Files::isRegularFile).sorted()
                            .forEach(p -> inputs.add(new Input(p.toString(), p)));
                } catch (IOException e) {
                    throw new UserException("cannot list directory " + argument + ": " + e.getMessage());
                }
            } else if (Files.isRegularFile(path)) {
                inputs.add(new Input(argument, path));
            } else if (argument.contains("*") || argument.contains("?")) {
                List<Input> matched = glob(argument);
                if (matched.isEmpty()) {
                    throw new UserException("no file matches " + argument);
                }
                inputs.addAll(matched);
            } else if (Files.exists(path)) {
                throw new UserException("not a regular file or directory: " + argument);
            } else {
                throw new UserException("no such file or directory: " + argument);
            }
        }
        return inputs;
    }

    private static List<Input> glob(String pattern) {
        Path base = Path.of(".");
        String rest = pattern;
        int firstWild = indexOfWildcard(pattern);
        int slash = pattern.lastIndexOf('/', firstWild);
        if (slash >= 0) {
            base = Path.of(pattern.substring(0, slash + 1));
            rest = pattern.substring(slash + 1);
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + rest);
        List<Input> found = new ArrayList<>();
        if (!Files.isDirectory(base)) {
            return found;
        }
        Path root = base;
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile).filter(p -> matcher.matches(root.relativize(p))).sorted()
                    .forEach(p -> found.add(new Input(p.toString(), p)));
        } catch (IOException e) {
            throw new UserException("cannot expand " + pattern + ": " + e.getMessage());
        }
        return found;
    }

    private static int indexOfWildcard(String s) {
        int star = s.indexOf('*');
        int question = s.indexOf('?');
        return star < 0 ? question : question < 0 ? star : Math.min(star, question);
    }
}
