package dev.erasekit.bench;

import dev.erasekit.edit.ReceEpochs;
import dev.erasekit.edit.UceEquations;
import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.linalg.SyntheticProblems;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.Tokens;
import java.util.ArrayList;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole erase edits at Stable Diffusion v1.4 shapes (32 K/V matrices, d = 768) with embeddings
 * already computed (as the embedding cache serves them): {@code uce} erases N concepts of 75
 * aligned rows each in one solve and folds into every layer; {@code rece} runs RECE's UCE stage
 * plus 3 epochs in d×d algebra and folds (Σ WᵀW precomputed, as it is cached per base model).
 * Synthetic Gaussian embeddings; one measured iteration = one edit; read medians from the JSON.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx12g"})
public class EraseBench {
    @Param({"java", "openblas", "cuda"})
    public String backend;

    @Param({"1", "100", "1000"})
    public int concepts;

    private LinalgBackend linalg;
    private List<LayerWeights> layers;
    private List<PromptEmbedding> erase, guides, retain;
    private double[] gram;

    @Setup(Level.Trial)
    public void setup() {
        linalg = Backends.open(backend);
        SplittableRandom r = new SplittableRandom(42);
        int d = SyntheticProblems.SD14_WIDTH;
        layers = SyntheticProblems.layers(r, SyntheticProblems.SD14_OUT_ROWS, d);
        erase = new ArrayList<>();
        guides = new ArrayList<>();
        PromptEmbedding guide = embedding(r, "guide", 0, d);
        for (int i = 0; i < concepts; i++) {
            erase.add(embedding(r, "concept " + i, 2, d)); // two word tokens: rows 2..76 pair with the guide's 0..74
            guides.add(guide);
        }
        retain = List.of(embedding(r, "", 0, d));
        gram = ReceEpochs.layerGram(layers, linalg);
    }

    private static PromptEmbedding embedding(SplittableRandom r, String prompt, int words, int d) {
        int[] ids = new int[77];
        return new PromptEmbedding(new Tokens(prompt, ids, List.of(), words, 0), SyntheticProblems.gaussian(r, 77, d, 1.0));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        linalg.close();
    }

    @Benchmark
    public List<LayerWeights> uce() {
        NormalEquationSolver solver = new NormalEquationSolver(linalg);
        StageTimes t = new StageTimes();
        double[] m = solver.sharedFactor(UceEquations.problem(layers, erase, guides, retain, Uce.DEFAULTS), t);
        return solver.fold(layers, m, t);
    }

    @Benchmark
    public List<LayerWeights> rece() {
        Rece s = new Rece(3, 0.1, Rece.Derivation.REGZERO, Rece.UCE_STAGE,
                Rece.EPOCH_STAGE, List.of(" "));
        ReceEpochs.Result res = ReceEpochs.factor(erase, guides, retain, retain, gram, s, linalg);
        return new NormalEquationSolver(linalg).fold(layers, res.factor(), new StageTimes());
    }
}
