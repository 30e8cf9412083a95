package dev.erasekit;

/** The linear-algebra backend erases run on (README, "Linear-algebra backends"). Immutable; thread-safe. */
public enum Backend {
    /** cuda, else openblas, else java. */
    AUTO,
    /** cuBLAS and cuSOLVER through FFM (needs an NVIDIA GPU and the CUDA libraries). */
    CUDA,
    /** OpenBLAS/LAPACK through FFM (Debian's libopenblas0). */
    OPENBLAS,
    /** Plain single-threaded float64 Java: the reference, always available. */
    JAVA;

    /**
     * The backend's name on the command line and in edit files.
     *
     * @return "auto", "cuda", "openblas" or "java"
     */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
