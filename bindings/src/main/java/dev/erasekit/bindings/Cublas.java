package dev.erasekit.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * cuBLAS (v2 API): handles, stream, math mode, version, S/D gemm, S/D strided-batched gemm,
 * S/D syrk, S/D trsm. Column-major; alpha/beta are passed as host pointers (the default pointer
 * mode). Matrix arguments are device pointers.
 * Thread-safe: bound function handles only (a cuBLAS handle must not be shared between threads at once).
 */
public final class Cublas {
    /** cublasOperation_t */
    public static final int OP_N = 0, OP_T = 1;
    /** cublasFillMode_t */
    public static final int FILL_LOWER = 0, FILL_UPPER = 1;
    /** cublasSideMode_t */
    public static final int SIDE_LEFT = 0, SIDE_RIGHT = 1;
    /** cublasDiagType_t */
    public static final int DIAG_NON_UNIT = 0, DIAG_UNIT = 1;
    /** cublasMath_t: PEDANTIC keeps fp32 GEMMs in true fp32 (no TF32), which our bounds assume. */
    public static final int DEFAULT_MATH = 0, PEDANTIC_MATH = 2, TF32_TENSOR_OP_MATH = 3;

    private static final Map<Integer, String> STATUS = Map.of(
            0, "CUBLAS_STATUS_SUCCESS", 1, "CUBLAS_STATUS_NOT_INITIALIZED", 3, "CUBLAS_STATUS_ALLOC_FAILED",
            7, "CUBLAS_STATUS_INVALID_VALUE", 8, "CUBLAS_STATUS_ARCH_MISMATCH", 11, "CUBLAS_STATUS_MAPPING_ERROR",
            13, "CUBLAS_STATUS_EXECUTION_FAILED", 14, "CUBLAS_STATUS_INTERNAL_ERROR",
            15, "CUBLAS_STATUS_NOT_SUPPORTED", 16, "CUBLAS_STATUS_LICENSE_ERROR");

    private static final LoadOnce<Cublas> INSTANCE = new LoadOnce<>(() -> new Cublas(
            LibraryLocator.cuda("cuBLAS", "cublas", "libcublas.so.13", "libcublas.so.12").load()));

    private final NativeLibrary library;
    private final MethodHandle create, destroy, setStream, setMathMode, getProperty, getVersion,
            sgemm, dgemm, sgemmBatched, dgemmBatched, ssyrk, dsyrk, strsm, dtrsm;

    public static Cublas get() {
        return INSTANCE.get();
    }

    public Cublas(NativeLibrary library) {
        this.library = library;
        create = library.downcall("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = library.downcall("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = library.downcall("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setMathMode = library.downcall("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        getProperty = library.downcall("cublasGetProperty", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        getVersion = library.downcall("cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        var gemm = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
        sgemm = library.downcall("cublasSgemm_v2", gemm);
        dgemm = library.downcall("cublasDgemm_v2", gemm);
        var batched = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT,
                JAVA_LONG, JAVA_INT);
        sgemmBatched = library.downcall("cublasSgemmStridedBatched", batched);
        dgemmBatched = library.downcall("cublasDgemmStridedBatched", batched);
        var syrk = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
        ssyrk = library.downcall("cublasSsyrk_v2", syrk);
        dsyrk = library.downcall("cublasDsyrk_v2", syrk);
        var trsm = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);
        strsm = library.downcall("cublasStrsm_v2", trsm);
        dtrsm = library.downcall("cublasDtrsm_v2", trsm);
    }

    public NativeLibrary library() {
        return library;
    }

    public MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cublasCreate_v2", (int) create.invokeExact(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void destroy(MemorySegment handle) {
        call("cublasDestroy_v2", () -> (int) destroy.invokeExact(handle));
    }

    public void setStream(MemorySegment handle, MemorySegment stream) {
        call("cublasSetStream_v2", () -> (int) setStream.invokeExact(handle, stream));
    }

    public void setMathMode(MemorySegment handle, int mode) {
        call("cublasSetMathMode", () -> (int) setMathMode.invokeExact(handle, mode));
    }

    /** libraryPropertyType: 0 major, 1 minor, 2 patch. */
    public int property(int type) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cublasGetProperty", (int) getProperty.invokeExact(type, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public int version(MemorySegment handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cublasGetVersion_v2", (int) getVersion.invokeExact(handle, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void sgemm(MemorySegment h, int transA, int transB, int m, int n, int k, float alpha,
                      MemorySegment a, int lda, MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment al = s.allocateFrom(JAVA_FLOAT, alpha), be = s.allocateFrom(JAVA_FLOAT, beta);
            check("cublasSgemm_v2", (int) sgemm.invokeExact(h, transA, transB, m, n, k, al, a, lda, b, ldb, be, c, ldc));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void dgemm(MemorySegment h, int transA, int transB, int m, int n, int k, double alpha,
                      MemorySegment a, int lda, MemorySegment b, int ldb, double beta, MemorySegment c, int ldc) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment al = s.allocateFrom(JAVA_DOUBLE, alpha), be = s.allocateFrom(JAVA_DOUBLE, beta);
            check("cublasDgemm_v2", (int) dgemm.invokeExact(h, transA, transB, m, n, k, al, a, lda, b, ldb, be, c, ldc));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void sgemmStridedBatched(MemorySegment h, int transA, int transB, int m, int n, int k, float alpha,
                                    MemorySegment a, int lda, long strideA, MemorySegment b, int ldb, long strideB,
                                    float beta, MemorySegment c, int ldc, long strideC, int batch) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment al = s.allocateFrom(JAVA_FLOAT, alpha), be = s.allocateFrom(JAVA_FLOAT, beta);
            check("cublasSgemmStridedBatched", (int) sgemmBatched.invokeExact(h, transA, transB, m, n, k, al,
                    a, lda, strideA, b, ldb, strideB, be, c, ldc, strideC, batch));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void dgemmStridedBatched(MemorySegment h, int transA, int transB, int m, int n, int k, double alpha,
                                    MemorySegment a, int lda, long strideA, MemorySegment b, int ldb, long strideB,
                                    double beta, MemorySegment c, int ldc, long strideC, int batch) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment al = s.allocateFrom(JAVA_DOUBLE, alpha), be = s.allocateFrom(JAVA_DOUBLE, beta);
            check("cublasDgemmStridedBatched", (int) dgemmBatched.invokeExact(h, transA, transB, m, n, k, al,
                    a, lda, strideA, b, ldb, strideB, be, c, ldc, strideC, batch));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void ssyrk(MemorySegment h, int uplo, int trans, int n, int k, float alpha, MemorySegment a, int lda,
                      float beta, MemorySegment c, int ldc) {
        syrk("cublasSsyrk_v2", ssyrk, JAVA_FLOAT, h, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
    }

    public void dsyrk(MemorySegment h, int uplo, int trans, int n, int k, double alpha, MemorySegment a, int lda,
                      double beta, MemorySegment c, int ldc) {
        syrk("cublasDsyrk_v2", dsyrk, JAVA_DOUBLE, h, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
    }

    public void strsm(MemorySegment h, int side, int uplo, int trans, int diag, int m, int n, float alpha,
                      MemorySegment a, int lda, MemorySegment b, int ldb) {
        trsm("cublasStrsm_v2", strsm, JAVA_FLOAT, h, side, uplo, trans, diag, m, n, alpha, a, lda, b, ldb);
    }

    public void dtrsm(MemorySegment h, int side, int uplo, int trans, int diag, int m, int n, double alpha,
                      MemorySegment a, int lda, MemorySegment b, int ldb) {
        trsm("cublasDtrsm_v2", dtrsm, JAVA_DOUBLE, h, side, uplo, trans, diag, m, n, alpha, a, lda, b, ldb);
    }

    private void syrk(String fn, MethodHandle mh, MemoryLayout scalar, MemorySegment h, int uplo, int trans,
                      int n, int k, double alpha, MemorySegment a, int lda, double beta, MemorySegment c, int ldc) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment al = scalar(s, scalar, alpha), be = scalar(s, scalar, beta);
            check(fn, (int) mh.invokeExact(h, uplo, trans, n, k, al, a, lda, be, c, ldc));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private void trsm(String fn, MethodHandle mh, MemoryLayout scalar, MemorySegment h, int side, int uplo,
                      int trans, int diag, int m, int n, double alpha, MemorySegment a, int lda,
                      MemorySegment b, int ldb) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment al = scalar(s, scalar, alpha);
            check(fn, (int) mh.invokeExact(h, side, uplo, trans, diag, m, n, al, a, lda, b, ldb));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private static MemorySegment scalar(Arena s, MemoryLayout layout, double v) {
        return layout == JAVA_FLOAT ? s.allocateFrom(JAVA_FLOAT, (float) v) : s.allocateFrom(JAVA_DOUBLE, v);
    }

    private void call(String fn, StatusCall c) {
        try {
            check(fn, c.invoke());
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private static void check(String function, int status) {
        if (status != 0) throw new NativeCallException(function, status, STATUS.getOrDefault(status, "CUBLAS_STATUS_" + status));
    }

    /** A native call that returns a status code. */
    @FunctionalInterface
    interface StatusCall {
        int invoke() throws Throwable;
    }
}
