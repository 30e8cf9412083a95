package dev.erasekit.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * OpenBLAS (Debian {@code libopenblas0}): CBLAS {@code dgemm}, {@code sgemm}, {@code dsyrk} and
 * LAPACK {@code dpotrf_}, {@code dpotrs_}, {@code dsyevd_} (Fortran ABI: every scalar by
 * reference, and a trailing hidden {@code size_t} length per character argument, as gfortran
 * compiles LAPACK). Every matrix argument is a native segment, except for {@link #sgemmHeap}. The
 * general calls are not critical downcalls: they run for up to seconds, and a critical call holds off
 * the GC (and with it every allocating thread of a server) until it returns; their callers copy heap
 * arrays to native memory, O(n²) next to the calls' O(n³). {@link #sgemmHeap} is the one critical
 * downcall, for the fold's products, which are memory-bound (a copy costs as much as the product) and
 * which its caller cuts into calls of a few milliseconds each. Thread-safe (OpenBLAS is, with its
 * pthreads build).
 */
public final class OpenBlas {
    /** CBLAS enums */
    public static final int ROW_MAJOR = 101, COL_MAJOR = 102, NO_TRANS = 111, TRANS = 112, UPPER = 121, LOWER = 122;

    private static final LoadOnce<OpenBlas> INSTANCE = new LoadOnce<>(() -> new OpenBlas(LibraryLocator.system(
            "OpenBLAS", "openblas",
            List.of(Path.of("/usr/lib/x86_64-linux-gnu/openblas-pthread"), Path.of("/usr/lib/x86_64-linux-gnu"),
                    Path.of("/usr/lib64"), Path.of("/usr/local/lib")),
            "libopenblas.so.0", "libopenblas.so").load()));

    private final NativeLibrary library;
    private final MethodHandle dgemm, sgemm, sgemmHeap, dsyrk, dpotrf, dpotrs, dsyevd, getConfig, getThreads;

    public static OpenBlas get() {
        return INSTANCE.get();
    }

    public OpenBlas(NativeLibrary library) {
        this.library = library;
        dgemm = library.downcall("cblas_dgemm", FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_DOUBLE, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_DOUBLE, ADDRESS, JAVA_INT));
        sgemm = library.downcall("cblas_sgemm", FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT));
        sgemmHeap = library.downcall("cblas_sgemm", FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT),
                Linker.Option.critical(true));
        dsyrk = library.downcall("cblas_dsyrk", FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_DOUBLE, ADDRESS, JAVA_INT, JAVA_DOUBLE, ADDRESS, JAVA_INT));
        dpotrf = library.downcall("dpotrf_", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                JAVA_LONG));
        dpotrs = library.downcall("dpotrs_", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        dsyevd = library.downcall("dsyevd_", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
        getConfig = library.has("openblas_get_config")
                ? library.downcall("openblas_get_config", FunctionDescriptor.of(ADDRESS)) : null;
        getThreads = library.has("openblas_get_num_threads")
                ? library.downcall("openblas_get_num_threads", FunctionDescriptor.of(JAVA_INT)) : null;
    }

    public NativeLibrary library() {
        return library;
    }

    /** OpenBLAS's build description (version, target, threading), or "unknown". */
    public String config() {
        if (getConfig == null) return "unknown";
        try {
            MemorySegment s = (MemorySegment) getConfig.invokeExact();
            return s.reinterpret(1024).getString(0).trim();
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public int threads() {
        if (getThreads == null) return 1;
        try {
            return (int) getThreads.invokeExact();
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void dgemm(int order, int transA, int transB, int m, int n, int k, double alpha, MemorySegment a,
                      int lda, MemorySegment b, int ldb, double beta, MemorySegment c, int ldc) {
        try {
            dgemm.invokeExact(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, MemorySegment a,
                      int lda, MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        try {
            sgemm.invokeExact(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    /**
     * {@code cblas_sgemm} as a critical downcall whose matrices may be heap segments ({@code MemorySegment.ofArray}):
     * no copies, but the GC waits for the call, so keep each call to a few milliseconds of work.
     */
    public void sgemmHeap(int order, int transA, int transB, int m, int n, int k, float alpha, MemorySegment a,
                          int lda, MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        try {
            sgemmHeap.invokeExact(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void dsyrk(int order, int uplo, int trans, int n, int k, double alpha, MemorySegment a, int lda,
                      double beta, MemorySegment c, int ldc) {
        try {
            dsyrk.invokeExact(order, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    /** Cholesky factorisation (column-major). Returns LAPACK's info: 0, or k &gt; 0 when the leading
     *  minor of order k is not positive definite; an illegal argument (info &lt; 0) throws. */
    public int dpotrf(char uplo, int n, MemorySegment a, int lda) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment info = s.allocate(JAVA_INT);
            dpotrf.invokeExact(ch(s, uplo), i(s, n), a, i(s, lda), info, 1L);
            return lapackInfo("dpotrf_", info.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    /** Solves A X = B from {@link #dpotrf}'s factor; B (n × nrhs, column-major) becomes X. */
    public void dpotrs(char uplo, int n, int nrhs, MemorySegment a, int lda, MemorySegment b, int ldb) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment info = s.allocate(JAVA_INT);
            dpotrs.invokeExact(ch(s, uplo), i(s, n), i(s, nrhs), a, i(s, lda), b, i(s, ldb), info, 1L);
            lapackInfo("dpotrs_", info.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    /** Symmetric eigen-decomposition, divide and conquer; eigenvalues ascending into w, vectors
     *  (jobz 'V') into the columns of a. Returns info (&gt; 0: did not converge). */
    public int dsyevd(char jobz, char uplo, int n, MemorySegment a, int lda, MemorySegment w) {
        try (Arena s = Arena.ofConfined()) {
            MemorySegment info = s.allocate(JAVA_INT);
            MemorySegment workQuery = s.allocate(JAVA_DOUBLE), iworkQuery = s.allocate(JAVA_INT);
            MemorySegment jz = ch(s, jobz), ul = ch(s, uplo), nn = i(s, n), ld = i(s, lda);
            dsyevd.invokeExact(jz, ul, nn, a, ld, w, workQuery, i(s, -1), iworkQuery, i(s, -1), info, 1L, 1L);
            lapackInfo("dsyevd_ (workspace query)", info.get(JAVA_INT, 0));
            int lwork = (int) Math.ceil(workQuery.get(JAVA_DOUBLE, 0)), liwork = iworkQuery.get(JAVA_INT, 0);
            MemorySegment work = s.allocate(JAVA_DOUBLE, Math.max(1, lwork));
            MemorySegment iwork = s.allocate(JAVA_INT, Math.max(1, liwork));
            dsyevd.invokeExact(jz, ul, nn, a, ld, w, work, i(s, lwork), iwork, i(s, liwork), info, 1L, 1L);
            return lapackInfo("dsyevd_", info.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private static MemorySegment ch(Arena s, char c) {
        return s.allocateFrom(JAVA_BYTE, (byte) c);
    }

    private static MemorySegment i(Arena s, int v) {
        return s.allocateFrom(JAVA_INT, v);
    }

    private static int lapackInfo(String fn, int info) {
        if (info < 0) throw new NativeCallException(fn, info, "illegal value in argument " + (-info));
        return info;
    }
}
