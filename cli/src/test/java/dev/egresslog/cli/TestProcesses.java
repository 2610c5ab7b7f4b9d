package dev.egresslog.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The processes a test started: ended by the test's end, whether it passed or failed. */
final class TestProcesses {
    private final List<Process> started = new ArrayList<>();

    Process add(Process p) {
        started.add(p);
        return p;
    }

    /** Kills every process still running and waits for it; call from {@code @AfterEach}. */
    void endAll() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        started.clear();
    }
}
