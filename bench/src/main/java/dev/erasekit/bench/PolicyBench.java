package dev.erasekit.bench;

import dev.erasekit.edit.UceEquations;
import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.linalg.SyntheticProblems;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.EmbeddingTransform;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.Tokens;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-request policies at SD v1.4 shapes (d = 768), embeddings cached: {@code create} makes a UCE
 * policy of one concept (its d×d M, as {@code POST /v1/policies} does after encoding; openblas), and
 * {@code apply} is what a policy adds to a request: M·c for the 2 × 77 rows of the prompt and the
 * negative prompt, once per image (every UNet step then runs on the transformed rows at no extra
 * cost). Compare {@code apply} with {@link UnetStepBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class PolicyBench {
    private LinalgBackend linalg;
    private List<PromptEmbedding> concept, guide, retain;
    private EmbeddingTransform policy;
    private float[] rows;

    @Setup(Level.Trial)
    public void setup() {
        linalg = Backends.open("openblas");
        SplittableRandom r = new SplittableRandom(42);
        int d = SyntheticProblems.SD14_WIDTH;
        concept = List.of(new PromptEmbedding(new Tokens("concept", new int[77], List.of(), 2, 0), SyntheticProblems.gaussian(r, 77, d, 1)));
        guide = List.of(new PromptEmbedding(new Tokens("guide", new int[77], List.of(), 0, 0), SyntheticProblems.gaussian(r, 77, d, 1)));
        retain = List.of(new PromptEmbedding(new Tokens("", new int[77], List.of(), 0, 0), SyntheticProblems.gaussian(r, 77, d, 1)));
        policy = create();
        rows = SyntheticProblems.gaussian(r, 2 * 77, d, 1).data();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        linalg.close();
    }

    @Benchmark
    public EmbeddingTransform create() {
        NormalEquationSolver s = new NormalEquationSolver(linalg);
        return EmbeddingTransform.of(SyntheticProblems.SD14_WIDTH, UceEquations.factor(concept, guide, retain, Uce.DEFAULTS, s,
                new StageTimes()).m(linalg));
    }

    @Benchmark
    public float[] apply() {
        return policy.apply(rows);
    }
}
