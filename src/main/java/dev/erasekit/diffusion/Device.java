package dev.erasekit.diffusion;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.erasekit.NativeFailureException;
import dev.erasekit.OrtRuntime;

/**
 * Where ONNX Runtime runs the UNet and VAE. CUDA needs ONNX Runtime's GPU build, a separate Maven
 * artifact: build with {@code mvn -Pcuda ...} (README); the default build is CPU only and says so.
 */
public enum Device {
    CPU, CUDA;

    /** Session options for this device, intra-op threads = cores. */
    public OrtSession.SessionOptions options() {
        OrtRuntime.prepare();
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        try {
            o.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            if (this == CUDA) o.addCUDA(0);
            return o;
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            o.close();
            throw new NativeFailureException("--device cuda needs ONNX Runtime's GPU build and a CUDA GPU: rebuild with"
                    + " 'mvn -Pcuda -DskipTests install' (artifact onnxruntime_gpu); this build cannot use CUDA ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")", e);
        }
    }
}
