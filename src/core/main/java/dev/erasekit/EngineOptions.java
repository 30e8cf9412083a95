package dev.erasekit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.CacheRoot;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How an {@link Engine} runs. Immutable and thread-safe; build with {@link #builder()}.
 *
 * @param backend          the linear-algebra backend of erases ({@link Backend#AUTO})
 * @param device           where ONNX Runtime runs the UNet and VAE ({@link Device#CPU})
 * @param cacheDir         the cache for embeddings and Σ WᵀW, or empty for none (default: {@code $ERASEKIT_CACHE},
 *                         {@code $XDG_CACHE_HOME/erasekit} or {@code ~/.cache/erasekit})
 * @param eraseConcurrency erases that may run at once (each holds one backend instance; default 2)
 * @param warnings         where recoverable problems are reported ({@link Warnings#DEBUG_LOG})
 * @param sessionOptions   the ONNX Runtime options of each session, or empty for erasekit's defaults
 * @param retention        how long sessions stay open ({@link SessionRetention#KEEP})
 * @param checkpoint       a checkpoint whose K/V weights erases start from instead of the ONNX UNet's ({@link Builder#checkpoint}), or empty
 */
public record EngineOptions(Backend backend, Device device, Optional<Path> cacheDir, int eraseConcurrency, Warnings warnings,
                            Optional<SessionOptionsFactory> sessionOptions, SessionRetention retention,
                            Optional<Path> checkpoint) {
    /** Validates: no nulls, concurrency between 1 and 64. */
    public EngineOptions {
        if (backend == null || device == null || cacheDir == null || warnings == null || sessionOptions == null
                || retention == null || checkpoint == null) {
            throw new InvalidInputException("engine options must not be null");
        }
        if (eraseConcurrency < 1 || eraseConcurrency > 64) {
            throw new InvalidInputException("erase concurrency must be between 1 and 64, got " + eraseConcurrency);
        }
    }

    /**
     * The defaults: auto backend, CPU, the default cache, 2 concurrent erases, warnings at DEBUG.
     *
     * @return the default options
     */
    public static EngineOptions defaults() {
        return builder().build();
    }

    /**
     * A builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link EngineOptions}; not thread-safe. */
    public static final class Builder {
        private Backend backend = Backend.AUTO;
        private Device device = Device.CPU;
        private Optional<Path> cacheDir = Optional.of(CacheRoot.defaultRoot());
        private int eraseConcurrency = 2;
        private Warnings warnings = Warnings.DEBUG_LOG;
        private SessionOptionsFactory sessionOptions;
        private SessionRetention retention = SessionRetention.KEEP;
        private Path checkpoint;

        private Builder() {
        }

        /**
         * The linear-algebra backend.
         *
         * @param b the backend
         * @return this builder
         */
        public Builder backend(Backend b) {
            backend = b;
            return this;
        }

        /**
         * Where the UNet and VAE run.
         *
         * @param d the device
         * @return this builder
         */
        public Builder device(Device d) {
            device = d;
            return this;
        }

        /**
         * The cache folder (embeddings, Σ WᵀW).
         *
         * @param dir the cache folder
         * @return this builder
         */
        public Builder cacheDir(Path dir) {
            cacheDir = Optional.of(dir);
            return this;
        }

        /**
         * No on-disk cache.
         *
         * @return this builder
         */
        public Builder noCache() {
            cacheDir = Optional.empty();
            return this;
        }

        /**
         * How many erases may run at once.
         *
         * @param n erases at once (1 to 64)
         * @return this builder
         */
        public Builder eraseConcurrency(int n) {
            eraseConcurrency = n;
            return this;
        }

        /**
         * Where recoverable problems are reported.
         *
         * @param w the warnings sink
         * @return this builder
         */
        public Builder warnings(Warnings w) {
            warnings = w;
            return this;
        }

        /**
         * The ONNX Runtime options of every session the engine opens.
         *
         * @param f the factory
         * @return this builder
         */
        public Builder sessionOptions(SessionOptionsFactory f) {
            sessionOptions = f;
            return this;
        }

        /**
         * How long the sessions stay open.
         *
         * @param r keep them, or release each after use
         * @return this builder
         */
        public Builder retention(SessionRetention r) {
            retention = r;
            return this;
        }

        /**
         * Erase on a PyTorch-side checkpoint's K/V weights (a single-file {@code .safetensors} or a diffusers
         * folder) instead of the ONNX UNet's; the model folder still gives the text encoder and tokenizer, and
         * its layers must be the checkpoint's. A checkpoint that carries text-encoder weights must carry the
         * ONNX text encoder's. Such an engine erases, makes policies and exports; it does not generate or
         * apply to the ONNX model (the weights it edits are not the ONNX UNet's).
         *
         * @param file the checkpoint
         * @return this builder
         */
        public Builder checkpoint(Path file) {
            checkpoint = file;
            return this;
        }

        /**
         * The options.
         *
         * @return the options
         */
        public EngineOptions build() {
            return new EngineOptions(backend, device, cacheDir, eraseConcurrency, warnings, Optional.ofNullable(sessionOptions),
                    retention, Optional.ofNullable(checkpoint));
        }
    }
}
