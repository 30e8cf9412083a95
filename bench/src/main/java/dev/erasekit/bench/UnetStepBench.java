package dev.erasekit.bench;

import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.tensor.EmbeddingTransform;
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
 * One classifier-free-guidance UNet call of the full-size SD v1.4 UNet (the model from
 * {@code ERASEKIT_SD14}) on ONNX Runtime's CPU provider, as {@code generate} makes it: sample
 * [2, 4, size/8, size/8], one timestep, text [2, 77, 768]. The same shapes as the fixture's PyTorch
 * {@code timing.py} (unet256, unet512), to compare in one run. {@code -p size=256|512}; {@code -p policy=none|uce}:
 * with {@code uce} the call also applies a per-request policy (a 768×768 M) to its 2 × 77 text rows — what
 * a policy costs a request, charged in full to one step (a real request pays it once for all its steps).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class UnetStepBench {
    @Param({"256", "512"})
    public int size;

    @Param({"none", "uce"})
    public String policy;

    private EmbeddingTransform transform;

    private UnetSession unet;
    private float[] sample, text;
    private long[] sampleShape, textShape;

    @Setup(Level.Trial)
    public void setup() {
        unet = UnetSession.open(Sd14.dir().resolve("unet").resolve("model.onnx"));
        SplittableRandom r = new SplittableRandom(42);
        int side = size / 8;
        sampleShape = new long[] {2, 4, side, side};
        textShape = new long[] {2, 77, 768};
        sample = new float[2 * 4 * side * side];
        text = new float[2 * 77 * 768];
        for (int i = 0; i < sample.length; i++) sample[i] = (float) (r.nextDouble() * 2 - 1);
        for (int i = 0; i < text.length; i++) text[i] = (float) (r.nextDouble() * 2 - 1);
        if (policy.equals("uce")) {
            double[] m = new double[768 * 768];
            for (int i = 0; i < m.length; i++) m[i] = (i % 769 == 0 ? 1 : 0) + 1e-3 * (r.nextDouble() - 0.5); // I + a dense ΔM
            transform = EmbeddingTransform.of(768, m);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        unet.close();
    }

    @Benchmark
    public float[] cfgStep() {
        float[] rows = transform == null ? text : transform.apply(text);
        return unet.predict(sample, sampleShape, new float[] {500f, 500f}, rows, textShape);
    }
}
