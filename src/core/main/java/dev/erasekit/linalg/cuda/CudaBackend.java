package dev.erasekit.linalg.cuda;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import dev.erasekit.bindings.Cublas;
import dev.erasekit.bindings.Cudart;
import dev.erasekit.bindings.Cusolver;
import dev.erasekit.bindings.Nvtx;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NotPositiveDefiniteException;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.SymmetricEigen;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * cuBLAS/cuSOLVER backend. Row-major host matrices are column-major transposes on the device, so
 * each call is mapped with the usual identity (A·B)ᵀ = Bᵀ·Aᵀ. Float64 throughout, except the fold
 * (fp32 sgemm in pedantic mode: the weights are fp32). NVTX ranges name each stage. One instance
 * owns one stream and its handles: confine it to one thread at a time (the engine's backend pool
 * does); {@link #close()} is idempotent, and use after it throws {@link IllegalStateException}.
 */
public final class CudaBackend implements LinalgBackend {
    /** Rows staged per dsyrk: 16384 × 768 × 8 B = 96 MiB of device memory. */
    static final int GRAM_CHUNK_ROWS = 16384;

    private final CudaContext ctx;
    private final Nvtx nvtx;

    private CudaBackend(CudaContext ctx, Nvtx nvtx) {
        this.ctx = ctx;
        this.nvtx = nvtx;
    }

    /** Opens a stream and handles on device 0; throws when no CUDA library or device is found. */
    public static CudaBackend open() {
        Cudart rt = Cudart.get();
        int devices = rt.deviceCount();
        if (devices < 1) throw new IllegalStateException("no CUDA device");
        return new CudaBackend(new CudaContext(rt, Cublas.get(), Cusolver.get()), Nvtx.get());
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String describe() {
        int v = ctx.rt.runtimeVersion();
        return "CUDA runtime " + v / 1000 + "." + (v % 1000) / 10 + ", cuBLAS " + ctx.blas.version(ctx.blasHandle)
                + " (" + ctx.rt.library().origin() + "; " + ctx.blas.library().origin() + "; "
                + ctx.solver.library().origin() + ")";
    }

    @Override
    public void gramAccumulate(double[] g, int d, float[] x, int n, double alpha) {
        ctx.requireOpen();
        try (var range = nvtx.range("erasekit.gram");
             DeviceBuffer c = DeviceBuffer.ofDoubles(ctx.rt, (long) d * d);
             DeviceBuffer chunk = DeviceBuffer.ofDoubles(ctx.rt, (long) Math.min(n, GRAM_CHUNK_ROWS) * d);
             Arena arena = Arena.ofConfined()) {
            c.upload(g);
            MemorySegment staging = arena.allocate(JAVA_DOUBLE, (long) Math.min(n, GRAM_CHUNK_ROWS) * d);
            for (int r = 0; r < n; r += GRAM_CHUNK_ROWS) {
                int rows = Math.min(GRAM_CHUNK_ROWS, n - r);
                MemorySegment part = staging.asSlice(0, (long) rows * d * Double.BYTES);
                Dense.rowsToDouble(x, d, r, rows, part);
                ctx.rt.memcpyAsync(chunk.ptr(), part, part.byteSize(), Cudart.HOST_TO_DEVICE, ctx.stream);
                // The row-major chunk (rows×d) is column-major A = chunkᵀ (d×rows): C += alpha·A·Aᵀ.
                ctx.blas.dsyrk(ctx.blasHandle, Cublas.FILL_LOWER, Cublas.OP_N, d, rows, alpha, chunk.ptr(), d, 1.0,
                        c.ptr(), d);
                ctx.synchronize(); // the staging buffer is reused by the next chunk
            }
            double[] out = c.downloadDoubles(d * d);
            System.arraycopy(out, 0, g, 0, g.length);
        }
        // Column-major lower triangle = row-major upper triangle.
        Dense.mirrorUpper(g, d);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, double[] b,
                     double beta, double[] c) {
        ctx.requireOpen();
        try (var range = nvtx.range("erasekit.gemm");
             DeviceBuffer da = DeviceBuffer.ofDoubles(ctx.rt, a.length);
             DeviceBuffer db = DeviceBuffer.ofDoubles(ctx.rt, b.length);
             DeviceBuffer dc = DeviceBuffer.ofDoubles(ctx.rt, c.length)) {
            da.upload(a);
            db.upload(b);
            dc.upload(c);
            // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ.
            ctx.blas.dgemm(ctx.blasHandle, transB ? Cublas.OP_T : Cublas.OP_N, transA ? Cublas.OP_T : Cublas.OP_N,
                    n, m, k, alpha, db.ptr(), transB ? k : n, da.ptr(), transA ? m : k, beta, dc.ptr(), n);
            System.arraycopy(dc.downloadDoubles(c.length), 0, c, 0, c.length);
        }
    }

    @Override
    public void solveRightSpd(double[] s, int n, double[] rhs, int m) {
        ctx.requireOpen();
        try (var range = nvtx.range("erasekit.cholesky");
             DeviceBuffer factor = DeviceBuffer.ofDoubles(ctx.rt, (long) n * n);
             DeviceBuffer b = DeviceBuffer.ofDoubles(ctx.rt, rhs.length);
             DeviceBuffer info = DeviceBuffer.ofInts(ctx.rt, 1)) {
            factor.upload(s);
            int lwork = ctx.solver.dpotrfBufferSize(ctx.solverHandle, Cublas.FILL_LOWER, n, factor.ptr(), n);
            try (DeviceBuffer work = DeviceBuffer.ofDoubles(ctx.rt, Math.max(1, lwork))) {
                ctx.solver.dpotrf(ctx.solverHandle, Cublas.FILL_LOWER, n, factor.ptr(), n, work.ptr(), lwork,
                        info.ptr());
            }
            int status = info.downloadInt();
            if (status > 0) throw new NotPositiveDefiniteException(n, status);
            double[] l = factor.downloadDoubles(n * n);
            double[] diag = new double[n];
            for (int i = 0; i < n; i++) diag[i] = l[i * n + i];
            Dense.checkPivots(diag, Dense.maxDiagonal(s, n));
            // Row-major rhs (m×n) is column-major rhsᵀ (n×m): potrs solves S·Xᵀ = rhsᵀ.
            b.upload(rhs);
            ctx.solver.dpotrs(ctx.solverHandle, Cublas.FILL_LOWER, n, m, factor.ptr(), n, b.ptr(), n, info.ptr());
            if (info.downloadInt() != 0) throw new IllegalStateException("cusolverDnDpotrs reported an invalid argument");
            System.arraycopy(b.downloadDoubles(rhs.length), 0, rhs, 0, rhs.length);
        }
    }

    /** U and V (or M) uploaded once, then per layer: upload W, one or two GEMMs, download W'. */
    @Override
    public float[][] fold(float[][] layers, int d, SharedFactor f) {
        ctx.requireOpen();
        boolean low = f.foldLowRank();
        int k = f.k(), maxRows = 0;
        for (float[] w : layers) maxRows = Math.max(maxRows, w.length / d);
        float[][] out = new float[layers.length][];
        try (var range = nvtx.range(low ? "erasekit.fold-low-rank" : "erasekit.fold");
             DeviceBuffer a = DeviceBuffer.ofFloats(ctx.rt, low ? (long) d * k : (long) d * d);
             DeviceBuffer b = DeviceBuffer.ofFloats(ctx.rt, low ? (long) k * d : 1);
             DeviceBuffer dw = DeviceBuffer.ofFloats(ctx.rt, (long) maxRows * d);
             DeviceBuffer dp = DeviceBuffer.ofFloats(ctx.rt, low ? (long) maxRows * k : (long) maxRows * d)) {
            a.upload(Dense.toFloat(low ? f.u() : f.m(this)));
            if (low) b.upload(Dense.toFloat(f.v()));
            for (int l = 0; l < layers.length; l++) {
                float[] w = layers[l];
                int rows = w.length / d;
                dw.upload(w);
                if (low) {
                    // row-major P = W·U (rows×k) is column-major Pᵀ = Uᵀ·Wᵀ; then Wᵀ += Vᵀ·Pᵀ
                    ctx.blas.sgemm(ctx.blasHandle, Cublas.OP_N, Cublas.OP_N, k, rows, d, 1f, a.ptr(), k, dw.ptr(), d, 0f,
                            dp.ptr(), k);
                    ctx.blas.sgemm(ctx.blasHandle, Cublas.OP_N, Cublas.OP_N, d, rows, k, 1f, b.ptr(), d, dp.ptr(), k, 1f,
                            dw.ptr(), d);
                    out[l] = dw.downloadFloats(w.length);
                } else {
                    // row-major W·M (rows×d) is column-major Mᵀ·Wᵀ; the row-major buffers already are Mᵀ and Wᵀ
                    ctx.blas.sgemm(ctx.blasHandle, Cublas.OP_N, Cublas.OP_N, d, rows, d, 1f, a.ptr(), d, dw.ptr(), d, 0f,
                            dp.ptr(), d);
                    out[l] = dp.downloadFloats(w.length);
                }
            }
        }
        return out;
    }

    @Override
    public SymmetricEigen eigh(double[] s, int n) {
        ctx.requireOpen();
        try (var range = nvtx.range("erasekit.eigh");
             DeviceBuffer a = DeviceBuffer.ofDoubles(ctx.rt, (long) n * n);
             DeviceBuffer w = DeviceBuffer.ofDoubles(ctx.rt, n);
             DeviceBuffer info = DeviceBuffer.ofInts(ctx.rt, 1)) {
            a.upload(s);
            int lwork = ctx.solver.dsyevdBufferSize(ctx.solverHandle, Cusolver.EIG_VECTORS, Cublas.FILL_LOWER, n,
                    a.ptr(), n, w.ptr());
            try (DeviceBuffer work = DeviceBuffer.ofDoubles(ctx.rt, Math.max(1, lwork))) {
                ctx.solver.dsyevd(ctx.solverHandle, Cusolver.EIG_VECTORS, Cublas.FILL_LOWER, n, a.ptr(), n, w.ptr(),
                        work.ptr(), lwork, info.ptr());
            }
            int status = info.downloadInt();
            if (status != 0) throw new IllegalStateException("cusolverDnDsyevd did not converge (info " + status + ")");
            return new SymmetricEigen(n, w.downloadDoubles(n), Dense.transpose(a.downloadDoubles(n * n), n, n));
        }
    }

    @Override
    public void close() {
        ctx.close();
    }
}
