package dev.erasekit;

/**
 * Where ONNX Runtime runs the UNet and VAE decoder. {@link #CUDA} needs ONNX Runtime's GPU build, a
 * separate Maven artifact ({@code mvn -Pcuda}, README); the default build is CPU only and says so.
 * Immutable; thread-safe.
 */
public enum Device {
    /** ONNX Runtime's CPU execution provider. */
    CPU,
    /** ONNX Runtime's CUDA execution provider on GPU 0. */
    CUDA
}
