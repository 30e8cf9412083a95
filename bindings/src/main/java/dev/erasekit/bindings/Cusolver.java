package dev.erasekit.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * cuSOLVER dense: handles, stream, S/D Cholesky (potrf + buffer size, potrs) and S/D symmetric
 * eigensolver (syevd + buffer size). {@code devInfo} is a device pointer to one int that the
 * caller reads back: the factorisation's info (e.g. the order of a non-positive leading minor).
 * A NULL handle is refused here, before the call: the real library dereferences it and crashes.
 * Thread-safe: bound function handles only (a cuSOLVER handle must not be shared between threads at once).
 */
public final class Cusolver {
    /** cusolverEigMode_t */
    public static final int EIG_NO_VECTORS = 0, EIG_VECTORS = 1;

    private static final Map<Integer, String> STATUS = Map.of(
            0, "CUSOLVER_STATUS_SUCCESS", 1, "CUSOLVER_STATUS_NOT_INITIALIZED", 2, "CUSOLVER_STATUS_ALLOC_FAILED",
            3, "CUSOLVER_STATUS_INVALID_VALUE", 4, "CUSOLVER_STATUS_ARCH_MISMATCH", 5, "CUSOLVER_STATUS_MAPPING_ERROR",
            6, "CUSOLVER_STATUS_EXECUTION_FAILED", 7, "CUSOLVER_STATUS_INTERNAL_ERROR",
            8, "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED", 9, "CUSOLVER_STATUS_NOT_SUPPORTED");

    private static final LoadOnce<Cusolver> INSTANCE = new LoadOnce<>(() -> new Cusolver(
            LibraryLocator.cuda("cuSOLVER", "cusolver", "libcusolver.so.12", "libcusolver.so.11").load()));

    private final NativeLibrary library;
    private final MethodHandle create, destroy, setStream, spotrfSize, dpotrfSize, spotrf, dpotrf, spotrs, dpotrs,
            ssyevdSize, dsyevdSize, ssyevd, dsyevd;

    public static Cusolver get() {
        return INSTANCE.get();
    }

    public Cusolver(NativeLibrary library) {
        this.library = library;
        create = library.downcall("cusolverDnCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = library.downcall("cusolverDnDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = library.downcall("cusolverDnSetStream", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        var potrfSize = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        spotrfSize = library.downcall("cusolverDnSpotrf_bufferSize", potrfSize);
        dpotrfSize = library.downcall("cusolverDnDpotrf_bufferSize", potrfSize);
        var potrf = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                JAVA_INT, ADDRESS);
        spotrf = library.downcall("cusolverDnSpotrf", potrf);
        dpotrf = library.downcall("cusolverDnDpotrf", potrf);
        var potrs = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS, JAVA_INT, ADDRESS);
        spotrs = library.downcall("cusolverDnSpotrs", potrs);
        dpotrs = library.downcall("cusolverDnDpotrs", potrs);
        var syevdSize = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS);
        ssyevdSize = library.downcall("cusolverDnSsyevd_bufferSize", syevdSize);
        dsyevdSize = library.downcall("cusolverDnDsyevd_bufferSize", syevdSize);
        var syevd = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        ssyevd = library.downcall("cusolverDnSsyevd", syevd);
        dsyevd = library.downcall("cusolverDnDsyevd", syevd);
    }

    public NativeLibrary library() {
        return library;
    }

    public MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cusolverDnCreate", (int) create.invokeExact(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void destroy(MemorySegment h) {
        requireHandle("cusolverDnDestroy", h);
        try {
            check("cusolverDnDestroy", (int) destroy.invokeExact(h));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public void setStream(MemorySegment h, MemorySegment stream) {
        requireHandle("cusolverDnSetStream", h);
        try {
            check("cusolverDnSetStream", (int) setStream.invokeExact(h, stream));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    public int spotrfBufferSize(MemorySegment h, int uplo, int n, MemorySegment a, int lda) {
        return potrfBufferSize("cusolverDnSpotrf_bufferSize", spotrfSize, h, uplo, n, a, lda);
    }

    public int dpotrfBufferSize(MemorySegment h, int uplo, int n, MemorySegment a, int lda) {
        return potrfBufferSize("cusolverDnDpotrf_bufferSize", dpotrfSize, h, uplo, n, a, lda);
    }

    public void spotrf(MemorySegment h, int uplo, int n, MemorySegment a, int lda, MemorySegment work, int lwork,
                       MemorySegment devInfo) {
        potrf("cusolverDnSpotrf", spotrf, h, uplo, n, a, lda, work, lwork, devInfo);
    }

    public void dpotrf(MemorySegment h, int uplo, int n, MemorySegment a, int lda, MemorySegment work, int lwork,
                       MemorySegment devInfo) {
        potrf("cusolverDnDpotrf", dpotrf, h, uplo, n, a, lda, work, lwork, devInfo);
    }

    public void spotrs(MemorySegment h, int uplo, int n, int nrhs, MemorySegment a, int lda, MemorySegment b,
                       int ldb, MemorySegment devInfo) {
        potrs("cusolverDnSpotrs", spotrs, h, uplo, n, nrhs, a, lda, b, ldb, devInfo);
    }

    public void dpotrs(MemorySegment h, int uplo, int n, int nrhs, MemorySegment a, int lda, MemorySegment b,
                       int ldb, MemorySegment devInfo) {
        potrs("cusolverDnDpotrs", dpotrs, h, uplo, n, nrhs, a, lda, b, ldb, devInfo);
    }

    public int ssyevdBufferSize(MemorySegment h, int jobz, int uplo, int n, MemorySegment a, int lda, MemorySegment w) {
        return syevdBufferSize("cusolverDnSsyevd_bufferSize", ssyevdSize, h, jobz, uplo, n, a, lda, w);
    }

    public int dsyevdBufferSize(MemorySegment h, int jobz, int uplo, int n, MemorySegment a, int lda, MemorySegment w) {
        return syevdBufferSize("cusolverDnDsyevd_bufferSize", dsyevdSize, h, jobz, uplo, n, a, lda, w);
    }

    public void ssyevd(MemorySegment h, int jobz, int uplo, int n, MemorySegment a, int lda, MemorySegment w,
                       MemorySegment work, int lwork, MemorySegment devInfo) {
        syevd("cusolverDnSsyevd", ssyevd, h, jobz, uplo, n, a, lda, w, work, lwork, devInfo);
    }

    public void dsyevd(MemorySegment h, int jobz, int uplo, int n, MemorySegment a, int lda, MemorySegment w,
                       MemorySegment work, int lwork, MemorySegment devInfo) {
        syevd("cusolverDnDsyevd", dsyevd, h, jobz, uplo, n, a, lda, w, work, lwork, devInfo);
    }

    private int potrfBufferSize(String fn, MethodHandle mh, MemorySegment h, int uplo, int n, MemorySegment a, int lda) {
        requireHandle(fn, h);
        try (Arena s = Arena.ofConfined()) {
            MemorySegment out = s.allocate(JAVA_INT);
            check(fn, (int) mh.invokeExact(h, uplo, n, a, lda, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private void potrf(String fn, MethodHandle mh, MemorySegment h, int uplo, int n, MemorySegment a, int lda,
                       MemorySegment work, int lwork, MemorySegment devInfo) {
        requireHandle(fn, h);
        try {
            check(fn, (int) mh.invokeExact(h, uplo, n, a, lda, work, lwork, devInfo));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private void potrs(String fn, MethodHandle mh, MemorySegment h, int uplo, int n, int nrhs, MemorySegment a,
                       int lda, MemorySegment b, int ldb, MemorySegment devInfo) {
        requireHandle(fn, h);
        try {
            check(fn, (int) mh.invokeExact(h, uplo, n, nrhs, a, lda, b, ldb, devInfo));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private int syevdBufferSize(String fn, MethodHandle mh, MemorySegment h, int jobz, int uplo, int n,
                                MemorySegment a, int lda, MemorySegment w) {
        requireHandle(fn, h);
        try (Arena s = Arena.ofConfined()) {
            MemorySegment out = s.allocate(JAVA_INT);
            check(fn, (int) mh.invokeExact(h, jobz, uplo, n, a, lda, w, out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private void syevd(String fn, MethodHandle mh, MemorySegment h, int jobz, int uplo, int n, MemorySegment a,
                       int lda, MemorySegment w, MemorySegment work, int lwork, MemorySegment devInfo) {
        requireHandle(fn, h);
        try {
            check(fn, (int) mh.invokeExact(h, jobz, uplo, n, a, lda, w, work, lwork, devInfo));
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    private static void requireHandle(String fn, MemorySegment h) {
        if (h == null || h.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException(fn + ": NULL cuSOLVER handle (the real library would crash)");
        }
    }

    private static void check(String function, int status) {
        if (status != 0) {
            throw new NativeCallException(function, status, STATUS.getOrDefault(status, "CUSOLVER_STATUS_" + status));
        }
    }
}
