package dev.erasekit.bench;

import dev.erasekit.Backend;
import dev.erasekit.Engine;
import dev.erasekit.EngineOptions;
import dev.erasekit.EraseRequest;
import dev.erasekit.EraseResult;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Engine#erase} on the full-size SD v1.4 fixture ({@code ERASEKIT_SD14}), in process, as a
 * service embedding the engine sees it: the engine open, the prompts' embeddings and Σ WᵀW cached by
 * the warm-up, one measured iteration = one edit to edited weights with its metrics ("nudity" erased
 * to " "; RECE's nudity preset; the surgical edit with its default anchor). The heap is pre-touched,
 * as in a warm server.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 9)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms6g", "-Xmx6g", "-XX:+AlwaysPreTouch"})
public class EngineBench {
    @Param({"uce", "rece", "surgical"})
    public String method;

    private Path cache;
    private Engine engine;
    private EraseRequest request;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        cache = Files.createTempDirectory("erasekit-bench-cache");
        engine = Engine.open(Sd14.dir(), EngineOptions.builder().backend(Backend.OPENBLAS).cacheDir(cache).build());
        EraseMethod m = switch (method) {
            case "uce" -> Uce.DEFAULTS;
            case "rece" -> Rece.Preset.NUDITY.settings();
            case "surgical" -> Surgical.DEFAULTS;
            default -> throw new IllegalArgumentException("method " + method);
        };
        request = new EraseRequest(m, List.of("nudity"), List.of(), List.of());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        engine.close();
        try (var files = Files.walk(cache)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public EraseResult erase() {
        return engine.erase(request);
    }
}
