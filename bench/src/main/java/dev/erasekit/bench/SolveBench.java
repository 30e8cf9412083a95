package dev.erasekit.bench;

import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.NormalEquations;
import dev.erasekit.linalg.SolveResult;
import dev.erasekit.linalg.SyntheticProblems;
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
 * One full UCE solve + fold at Stable Diffusion v1.4 shapes: 32 K/V matrices (10×320, 10×640,
 * 12×1280 rows, d = 768), 80 erase rows with guide targets, λ = 0.5, and 77, 10,000 or 133,441
 * preserve rows (the last is 1,733 artists × 77 rows), s_p = 0.3 ({@link SyntheticProblems#sd14}); {@code -p family=sd21|sdxl}
 * takes those families' shapes instead (SDXL: 140 matrices, 166,400 rows × 2048). {@code shared}: one d×d system, one
 * Cholesky, one fold GEMM; {@code general}: one system per layer. Each op is long (milliseconds to
 * seconds), so each measurement iteration times one op; read the median from the JSON output.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx12g"})
public class SolveBench {
    @Param({"java", "openblas", "cuda"})
    public String backend;

    @Param({"77", "10000", "133441"})
    public int preserveRows;

    /** The model family's K/V shapes ({@link SyntheticProblems.Shapes#of}): sd15, sd21, sdxl. */
    @Param({"sd15", "sd21", "sdxl"})
    public String family;

    private LinalgBackend linalg;
    private NormalEquationSolver solver;
    private NormalEquations problem;

    @Setup(Level.Trial)
    public void setup() {
        linalg = Backends.open(backend); // BenchMain drops unavailable backends before JMH starts
        solver = new NormalEquationSolver(linalg);
        SyntheticProblems.Shapes s = SyntheticProblems.Shapes.of(family);
        problem = SyntheticProblems.uce(42, s.outRows(), s.width(), 80, preserveRows, 0.5);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        linalg.close();
    }

    @Benchmark
    public SolveResult shared() {
        return solver.solveShared(problem);
    }

    @Benchmark
    public SolveResult general() {
        return solver.solveGeneral(problem);
    }
}
