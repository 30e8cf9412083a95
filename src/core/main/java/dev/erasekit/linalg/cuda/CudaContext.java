package dev.erasekit.linalg.cuda;

import dev.erasekit.bindings.Cublas;
import dev.erasekit.bindings.Cudart;
import dev.erasekit.bindings.Cusolver;
import java.lang.foreign.MemorySegment;

/**
 * One CUDA stream with a cuBLAS and a cuSOLVER handle bound to it. cuBLAS runs in pedantic math
 * mode: fp32 GEMMs stay true fp32 (no TF32), which the fold's 1e-5 error bound relies on.
 */
final class CudaContext implements AutoCloseable {
    final Cudart rt;
    final Cublas blas;
    final Cusolver solver;
    final MemorySegment stream;
    final MemorySegment blasHandle;
    final MemorySegment solverHandle;

    CudaContext(Cudart rt, Cublas blas, Cusolver solver) {
        this.rt = rt;
        this.blas = blas;
        this.solver = solver;
        MemorySegment s = rt.streamCreate();
        MemorySegment b = null;
        try {
            b = blas.create();
            blas.setStream(b, s);
            blas.setMathMode(b, Cublas.PEDANTIC_MATH);
            MemorySegment h = solver.create();
            try {
                solver.setStream(h, s);
            } catch (RuntimeException e) {
                solver.destroy(h);
                throw e;
            }
            this.solverHandle = h;
        } catch (RuntimeException e) {
            if (b != null) blas.destroy(b);
            rt.streamDestroy(s);
            throw e;
        }
        this.stream = s;
        this.blasHandle = b;
    }

    void synchronize() {
        rt.streamSynchronize(stream);
    }

    private boolean closed;

    /** Throws {@link IllegalStateException} once closed. */
    synchronized void requireOpen() {
        if (closed) throw new IllegalStateException("the CUDA backend is closed");
    }

    /** Destroys the handles and the stream once; a second call does nothing (the handles are gone). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            solver.destroy(solverHandle);
        } finally {
            try {
                blas.destroy(blasHandle);
            } finally {
                rt.streamDestroy(stream);
            }
        }
    }
}
