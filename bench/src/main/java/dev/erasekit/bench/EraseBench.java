package dev.erasekit.bench;

import dev.erasekit.edit.ReceEpochs;
import dev.erasekit.edit.UceEquations;
import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.linalg.SyntheticProblems;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.FloatMatrix;
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
 * Whole erase edits at Stable Diffusion v1.4 shapes (32 K/V matrices, d = 768; {@code -p family=sd21|sdxl} for SD 2.1's
 * d = 1024 or SDXL's 140 matrices at d = 2048) with embeddings
 * already computed (as the embedding cache serves them): {@code uceFactor} is UCE's shared factor
 * alone for N concepts of 75 aligned rows each (low-rank up to 384 rows, from second moments beyond:
 * what a policy or a LoRA export needs); {@code uce} adds the fold into every layer's weights;
 * {@code rece} runs RECE's UCE stage plus 3 epochs in d×d algebra and folds (Σ WᵀW precomputed, as it
 * is cached per base model). Synthetic Gaussian embeddings: the concepts near a shared template, itself
 * near the guide (unrelated random ones make RECE diverge, and are refused); one measured iteration =
 * one edit; read medians from the JSON.
 * {@code bench/peers/uce_torch.py} times the same shapes in PyTorch. The heap is pre-touched (as in a
 * warm server): otherwise the first touch of fresh heap pages by the 78 MB of edited weights per edit
 * adds 20–40 ms of page faults to an edit that takes 60.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms12g", "-Xmx12g", "-XX:+AlwaysPreTouch"})
public class EraseBench {
    @Param({"java", "openblas", "cuda"})
    public String backend;

    @Param({"1", "100", "1000"})
    public int concepts;

    /** The model family's K/V shapes ({@link SyntheticProblems.Shapes#of}): sd15, sd21, sdxl (140 matrices, d = 2048). */
    @Param({"sd15", "sd21", "sdxl"})
    public String family;

    private LinalgBackend linalg;
    private List<LayerWeights> layers;
    private List<PromptEmbedding> erase, guides, retain;
    private double[] gram;

    @Setup(Level.Trial)
    public void setup() {
        linalg = Backends.open(backend);
        SplittableRandom r = new SplittableRandom(42);
        SyntheticProblems.Shapes shapes = SyntheticProblems.Shapes.of(family);
        int d = shapes.width();
        layers = SyntheticProblems.layers(r, shapes.outRows(), d);
        erase = new ArrayList<>();
        guides = new ArrayList<>();
        PromptEmbedding guide = embedding(r, "guide", 0, d);
        FloatMatrix family = near(r, guide.rows(), 0.3); // the concepts share a template, as "painting by X" does
        for (int i = 0; i < concepts; i++) {
            // two word tokens: rows 2..76 pair with the guide's 0..74
            erase.add(new PromptEmbedding(new Tokens("concept " + i, new int[77], List.of(), 2, 0), near(r, family, 0.03)));
            guides.add(guide);
        }
        retain = List.of(embedding(r, "", 0, d));
        gram = ReceEpochs.layerGram(layers, linalg);
    }

    private static PromptEmbedding embedding(SplittableRandom r, String prompt, int words, int d) {
        int[] ids = new int[77];
        return new PromptEmbedding(new Tokens(prompt, ids, List.of(), words, 0), SyntheticProblems.gaussian(r, 77, d, 1.0));
    }

    private static FloatMatrix near(SplittableRandom r, FloatMatrix base, double noise) {
        float[] v = SyntheticProblems.gaussian(r, base.rows(), base.cols(), noise).data();
        for (int i = 0; i < v.length; i++) v[i] += base.data()[i];
        return new FloatMatrix(base.rows(), base.cols(), v);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        linalg.close();
    }

    @Benchmark
    public SharedFactor uceFactor() {
        return UceEquations.factor(erase, guides, retain, Uce.DEFAULTS, new NormalEquationSolver(linalg), new StageTimes());
    }

    @Benchmark
    public List<LayerWeights> uce() {
        NormalEquationSolver solver = new NormalEquationSolver(linalg);
        StageTimes t = new StageTimes();
        return solver.fold(layers, UceEquations.factor(erase, guides, retain, Uce.DEFAULTS, solver, t), t);
    }

    @Benchmark
    public List<LayerWeights> rece() {
        Rece s = new Rece(3, 0.1, Rece.Derivation.REGZERO, Rece.UCE_STAGE, Rece.EPOCH_STAGE, List.of(" "));
        ReceEpochs.Result res = ReceEpochs.factor(erase, guides, retain, retain, gram, s, false, linalg);
        return new NormalEquationSolver(linalg).fold(layers, res.factor(), new StageTimes());
    }
}
