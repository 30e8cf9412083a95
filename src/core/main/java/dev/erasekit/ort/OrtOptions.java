package dev.erasekit.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.erasekit.error.NativeFailureException;

/**
 * Default session options: extended graph optimisations (fusions, constant folding), one intra-op thread
 * per core, CPU arena on, memory pattern off. Not ALL_OPT: its extra step, the NCHWc layout transform,
 * took 12–18 s of session creation for the full-size SD v1.4 UNet (23.5 s instead of 5.4 s) and no
 * measurable speed in return (CFG step 3.0–3.4 s at 256² either way, 20.5 s vs 22 s at 512², 2-core
 * AVX2 EPYC); without the arena a 512² step took twice as long. The memory pattern (one planned block per
 * input shape, on top of the arena) raised that UNet's peak from 6.9 to 10.3 GB at 512² and from 3.83 to
 * 4.06 GB at 256², and its second call waited for the plan (22 s instead of 16.5 s at 512²); the calls after
 * took the same time either way (16.2–17.0 s against 16.5–16.9 s at 512², 3.0–3.6 s at 256²).
 * Stateless; thread-safe.
 */
public final class OrtOptions {
    private OrtOptions() {
    }

    /**
     * New options that run on the first CUDA GPU (the caller owns them). Needs ONNX Runtime's GPU build,
     * a separate Maven artifact ({@code mvn -Pcuda}); the default build says so in one line.
     */
    public static OrtSession.SessionOptions cuda() {
        OrtSession.SessionOptions o = cpu();
        try {
            o.addCUDA(0);
            return o;
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            o.close();
            throw new NativeFailureException("the cuda device needs ONNX Runtime's GPU build and a CUDA GPU: rebuild with"
                    + " 'mvn -Pcuda -DskipTests install' (artifact onnxruntime_gpu); this build cannot use CUDA ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")", e);
        }
    }

    /**
     * New CPU options for a text encoder (the caller owns them): {@link #cpu()} without weight prepacking. Prepacking
     * keeps a second, repacked copy of every MatMul weight; for the 492 MB SD v1.4 encoder, run a few times per
     * process, it raised the peak RSS by 75–185 MB and the session creation from 1.3–1.5 s to 1.4–2.0 s for no
     * measurable speed (0.23–0.27 s per two-prompt batch either way; 2-core AVX2 EPYC).
     */
    public static OrtSession.SessionOptions textEncoder() {
        OrtSession.SessionOptions o = cpu();
        try {
            o.addConfigEntry("session.disable_prepacking", "1");
            return o;
        } catch (OrtException e) {
            o.close();
            throw new NativeFailureException("cannot configure ONNX Runtime: " + e.getMessage(), e);
        }
    }

    /** New CPU options (the caller owns them). */
    public static OrtSession.SessionOptions cpu() {
        OrtRuntime.prepare();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            o.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            o.setMemoryPatternOptimization(false);
            o.setCPUArenaAllocator(true);
            return o;
        } catch (OrtException e) {
            o.close();
            throw new NativeFailureException("cannot configure ONNX Runtime: " + e.getMessage(), e);
        }
    }
}
