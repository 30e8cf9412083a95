package dev.erasekit.examples.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The example against the installed erasekit-core: the edit changes the image, and closing releases everything. */
class EraseRedTest {
    static final Path MODEL = Path.of(System.getProperty("erasekit.example.model", "../../models/tiny-shapes"));

    /**
     * Native threads not started by the JVM, and open files, of this process. ONNX Runtime's session thread
     * pools are such threads: the JVM names the threads it starts (GC, compiler, Java threads), while a
     * thread started by native code keeps the process's name, "java" (as does the main thread, whose count
     * does not change).
     */
    static long[] nativeResources() throws IOException {
        long threads = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (Files.readString(t.resolve("comm")).strip().equals("java")) threads++;
                } catch (IOException e) {
                    // the thread ended while we looked
                }
            }
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return new long[] {threads, fds.count()};
        }
    }

    @Test
    void theEditTurnsTheRedCircleBlue() {
        EraseRed.Images images = EraseRed.run(MODEL);
        float[] base = images.base().rgb(), edited = images.edited().rgb();
        int plane = base.length / 3;
        double redBase = 0, redEdited = 0, blueBase = 0, blueEdited = 0;
        for (int i = 0; i < plane; i++) {
            redBase += base[i] - base[2 * plane + i];
            redEdited += edited[i] - edited[2 * plane + i];
        }
        assertTrue(redBase > 0, "the base image is redder than blue: " + redBase);
        assertTrue(redEdited < redBase, "the edited image is less red: " + redEdited + " vs " + redBase);
        assertTrue(images.edited().parameters().contains("Edit: uce [red]"), images.edited().parameters());
    }

    @Test
    void closingReleasesEverything() throws IOException {
        EraseRed.run(MODEL); // warm: class loading, ONNX Runtime's environment and libraries (process-wide, loaded once)
        System.gc();
        long[] before = nativeResources();
        Engine engine = Engine.open(MODEL);
        engine.erase(EraseRequest.builder().concept("red").target("blue").build());
        engine.generate(dev.erasekit.GenerateRequest.builder("a red circle").steps(2).build());
        long[] open = nativeResources();
        engine.close();
        engine.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> engine.erase(EraseRequest.builder().concept("red").build()));
        long[] after = nativeResources();
        assertTrue(open[0] > before[0], "the sessions' thread pools were running: " + open[0] + " vs " + before[0]);
        assertEquals(before[0], after[0], "threads after close (the sessions' pools are gone)");
        assertEquals(before[1], after[1], "open files after close");
    }
}
