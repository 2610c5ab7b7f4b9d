package dev.egresslog.cli;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes a test starts: registered with {@code @RegisterExtension}, it ends each of them
 * after the test, whether the test passed or failed.
 */
final class TestProcesses implements AfterEachCallback {
    private final List<Process> started = new ArrayList<>();

    Process add(Process p) {
        started.add(p);
        return p;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        started.clear();
    }
}
