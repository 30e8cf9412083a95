/* cuBLAS test double (v2 API symbols): handles, stream, math mode, version, gemm, batched gemm,
 * syrk, trsm. Straightforward column-major loops; argument checks follow the cuBLAS docs. */
#include "cuda_double.h"

#include <stdlib.h>

/* cublasOperation_t, cublasFillMode_t, cublasSideMode_t, cublasDiagType_t */
enum { OP_N = 0, OP_T = 1, OP_C = 2 };
enum { FILL_LOWER = 0, FILL_UPPER = 1 };
enum { SIDE_LEFT = 0, SIDE_RIGHT = 1 };
enum { DIAG_NON_UNIT = 0, DIAG_UNIT = 1 };

static int valid(const void *h) {
    return h != NULL && ((const cd_cublas *)h)->magic == MAGIC_CUBLAS;
}

EXPORT int cublasCreate_v2(void **handle) {
    if (handle == NULL) return CUBLAS_STATUS_INVALID_VALUE;
    cd_cublas *h = malloc(sizeof(cd_cublas));
    if (h == NULL) return CUBLAS_STATUS_ALLOC_FAILED;
    h->magic = MAGIC_CUBLAS;
    h->stream = NULL;
    h->math_mode = 0;
    *handle = h;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasDestroy_v2(void *handle) {
    if (!valid(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    ((cd_cublas *)handle)->magic = MAGIC_DEAD;
    free(handle);
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasSetStream_v2(void *handle, void *stream) {
    if (!valid(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!cd_is_stream(stream)) return CUBLAS_STATUS_INVALID_VALUE;
    ((cd_cublas *)handle)->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

EXPORT int cublasSetMathMode(void *handle, int mode) {
    if (!valid(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    int base = mode & 0xf; /* low bits: DEFAULT 0, TENSOR_OP 1, PEDANTIC 2, TF32 3 */
    if (base > 3 || (mode & ~0x1f) != 0) return CUBLAS_STATUS_INVALID_VALUE;
    ((cd_cublas *)handle)->math_mode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

/* libraryPropertyType: MAJOR_VERSION 0, MINOR_VERSION 1, PATCH_LEVEL 2 */
EXPORT int cublasGetProperty(int type, int *value) {
    if (value == NULL) return CUBLAS_STATUS_INVALID_VALUE;
    switch (type) {
        case 0: *value = 13; return CUBLAS_STATUS_SUCCESS;
        case 1: *value = 0; return CUBLAS_STATUS_SUCCESS;
        case 2: *value = 0; return CUBLAS_STATUS_SUCCESS;
        default: return CUBLAS_STATUS_INVALID_VALUE;
    }
}

EXPORT int cublasGetVersion_v2(void *handle, int *version) {
    if (!valid(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (version == NULL) return CUBLAS_STATUS_INVALID_VALUE;
    *version = 130000;
    return CUBLAS_STATUS_SUCCESS;
}

static int op_ok(int op) { return op == OP_N || op == OP_T || op == OP_C; }
static long max1(long v) { return v < 1 ? 1 : v; }

/* One generic implementation per precision: T is the element type, P the symbol prefix. */
#define CD_BLAS(T, P)                                                                             \
static int P##gemm_check(int ta, int tb, int m, int n, int k, const T *a, int lda, long long sa,  \
                         const T *b, int ldb, long long sb, const T *c, int ldc, long long sc,   \
                         int batch) {                                                             \
    if (!op_ok(ta) || !op_ok(tb) || m < 0 || n < 0 || k < 0 || batch < 0)                         \
        return CUBLAS_STATUS_INVALID_VALUE;                                                       \
    long ar = ta == OP_N ? m : k, ac = ta == OP_N ? k : m;                                        \
    long br = tb == OP_N ? k : n, bc = tb == OP_N ? n : k;                                        \
    if (lda < max1(ar) || ldb < max1(br) || ldc < max1(m)) return CUBLAS_STATUS_INVALID_VALUE;    \
    if (m == 0 || n == 0 || batch == 0) return CUBLAS_STATUS_SUCCESS;                             \
    size_t last = (size_t)(batch - 1);                                                            \
    if (k > 0 && (!cd_is_device_range(a, cd_extent(ar, ac, lda, sizeof(T)) + last * sa * sizeof(T)) \
               || !cd_is_device_range(b, cd_extent(br, bc, ldb, sizeof(T)) + last * sb * sizeof(T)))) \
        return CUBLAS_STATUS_EXECUTION_FAILED;                                                    \
    if (!cd_is_device_range(c, cd_extent(m, n, ldc, sizeof(T)) + last * sc * sizeof(T)))         \
        return CUBLAS_STATUS_EXECUTION_FAILED;                                                    \
    return CUBLAS_STATUS_SUCCESS;                                                                 \
}                                                                                                 \
                                                                                                  \
/* C = alpha op(A) op(B) + beta C; accumulation in double, as a careful reference. */             \
static void P##gemm_kernel(int ta, int tb, int m, int n, int k, T alpha, const T *a, int lda,     \
                           const T *b, int ldb, T beta, T *c, int ldc) {                          \
    double *col = malloc(sizeof(double) * (size_t)(m > 0 ? m : 1));                               \
    for (int j = 0; j < n; j++) {                                                                 \
        for (int i = 0; i < m; i++) col[i] = 0.0;                                                 \
        for (int l = 0; l < k; l++) {                                                             \
            double blj = tb == OP_N ? b[l + (size_t)j * ldb] : b[j + (size_t)l * ldb];            \
            if (blj == 0.0) continue;                                                             \
            if (ta == OP_N) {                                                                     \
                const T *acol = a + (size_t)l * lda;                                              \
                for (int i = 0; i < m; i++) col[i] += (double)acol[i] * blj;                      \
            } else {                                                                              \
                for (int i = 0; i < m; i++) col[i] += (double)a[l + (size_t)i * lda] * blj;       \
            }                                                                                     \
        }                                                                                         \
        T *ccol = c + (size_t)j * ldc;                                                            \
        for (int i = 0; i < m; i++)                                                               \
            ccol[i] = (T)(alpha * col[i] + (beta == 0 ? 0.0 : (double)beta * ccol[i]));           \
    }                                                                                             \
    free(col);                                                                                    \
}                                                                                                 \
                                                                                                  \
EXPORT int cublas##P##gemm_v2(void *h, int ta, int tb, int m, int n, int k, const T *alpha,       \
                              const T *a, int lda, const T *b, int ldb, const T *beta, T *c,     \
                              int ldc) {                                                          \
    if (!valid(h)) return CUBLAS_STATUS_NOT_INITIALIZED;                                          \
    if (alpha == NULL || beta == NULL) return CUBLAS_STATUS_INVALID_VALUE;                        \
    int st = P##gemm_check(ta, tb, m, n, k, a, lda, 0, b, ldb, 0, c, ldc, 0, 1);                  \
    if (st != CUBLAS_STATUS_SUCCESS || m == 0 || n == 0) return st;                               \
    P##gemm_kernel(ta, tb, m, n, k, *alpha, a, lda, b, ldb, *beta, c, ldc);                       \
    return CUBLAS_STATUS_SUCCESS;                                                                 \
}                                                                                                 \
                                                                                                  \
EXPORT int cublas##P##gemmStridedBatched(void *h, int ta, int tb, int m, int n, int k,            \
        const T *alpha, const T *a, int lda, long long sa, const T *b, int ldb, long long sb,     \
        const T *beta, T *c, int ldc, long long sc, int batch) {                                  \
    if (!valid(h)) return CUBLAS_STATUS_NOT_INITIALIZED;                                          \
    if (alpha == NULL || beta == NULL) return CUBLAS_STATUS_INVALID_VALUE;                        \
    int st = P##gemm_check(ta, tb, m, n, k, a, lda, sa, b, ldb, sb, c, ldc, sc, batch);           \
    if (st != CUBLAS_STATUS_SUCCESS || m == 0 || n == 0) return st;                               \
    for (int p = 0; p < batch; p++)                                                               \
        P##gemm_kernel(ta, tb, m, n, k, *alpha, a + p * sa, lda, b + p * sb, ldb, *beta,          \
                       c + p * sc, ldc);                                                          \
    return CUBLAS_STATUS_SUCCESS;                                                                 \
}                                                                                                 \
                                                                                                  \
/* C = alpha op(A) op(A)^T + beta C on the uplo triangle only (trans N: A is n x k). */           \
EXPORT int cublas##P##syrk_v2(void *h, int uplo, int trans, int n, int k, const T *alpha,         \
                              const T *a, int lda, const T *beta, T *c, int ldc) {                \
    if (!valid(h)) return CUBLAS_STATUS_NOT_INITIALIZED;                                          \
    if (alpha == NULL || beta == NULL) return CUBLAS_STATUS_INVALID_VALUE;                        \
    if ((uplo != FILL_LOWER && uplo != FILL_UPPER) || !op_ok(trans) || n < 0 || k < 0)            \
        return CUBLAS_STATUS_INVALID_VALUE;                                                       \
    long ar = trans == OP_N ? n : k, ac = trans == OP_N ? k : n;                                  \
    if (lda < max1(ar) || ldc < max1(n)) return CUBLAS_STATUS_INVALID_VALUE;                      \
    if (n == 0) return CUBLAS_STATUS_SUCCESS;                                                     \
    if ((k > 0 && !cd_is_device_range(a, cd_extent(ar, ac, lda, sizeof(T))))                      \
        || !cd_is_device_range(c, cd_extent(n, n, ldc, sizeof(T))))                               \
        return CUBLAS_STATUS_EXECUTION_FAILED;                                                    \
    /* scale the triangle by beta, then add alpha * op(A)(:, l) op(A)(:, l)^T column by column */  \
    for (int j = 0; j < n; j++) {                                                                 \
        int i0 = uplo == FILL_LOWER ? j : 0, i1 = uplo == FILL_LOWER ? n : j + 1;                 \
        for (int i = i0; i < i1; i++)                                                             \
            c[i + (size_t)j * ldc] = *beta == 0 ? (T)0 : (T)(*beta * c[i + (size_t)j * ldc]);     \
    }                                                                                             \
    for (int l = 0; l < k; l++) {                                                                 \
        for (int j = 0; j < n; j++) {                                                             \
            double ajl = *alpha * (trans == OP_N ? a[j + (size_t)l * lda] : a[l + (size_t)j * lda]); \
            if (ajl == 0.0) continue;                                                             \
            int i0 = uplo == FILL_LOWER ? j : 0, i1 = uplo == FILL_LOWER ? n : j + 1;             \
            T *cj = c + (size_t)j * ldc;                                                          \
            if (trans == OP_N) {                                                                  \
                const T *al = a + (size_t)l * lda;                                                \
                for (int i = i0; i < i1; i++) cj[i] = (T)(cj[i] + al[i] * ajl);                   \
            } else {                                                                              \
                for (int i = i0; i < i1; i++) cj[i] = (T)(cj[i] + a[l + (size_t)i * lda] * ajl);  \
            }                                                                                     \
        }                                                                                         \
    }                                                                                             \
    return CUBLAS_STATUS_SUCCESS;                                                                 \
}                                                                                                 \
                                                                                                  \
/* Solves op(A) X = alpha B (left) or X op(A) = alpha B (right), A triangular; X overwrites B. */ \
EXPORT int cublas##P##trsm_v2(void *h, int side, int uplo, int trans, int diag, int m, int n,     \
                              const T *alpha, const T *a, int lda, T *b, int ldb) {               \
    if (!valid(h)) return CUBLAS_STATUS_NOT_INITIALIZED;                                          \
    if (alpha == NULL) return CUBLAS_STATUS_INVALID_VALUE;                                        \
    if ((side != SIDE_LEFT && side != SIDE_RIGHT) || (uplo != FILL_LOWER && uplo != FILL_UPPER)   \
        || !op_ok(trans) || (diag != DIAG_UNIT && diag != DIAG_NON_UNIT) || m < 0 || n < 0)       \
        return CUBLAS_STATUS_INVALID_VALUE;                                                       \
    int na = side == SIDE_LEFT ? m : n;                                                           \
    if (lda < max1(na) || ldb < max1(m)) return CUBLAS_STATUS_INVALID_VALUE;                      \
    if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;                                           \
    if (!cd_is_device_range(a, cd_extent(na, na, lda, sizeof(T)))                                \
        || !cd_is_device_range(b, cd_extent(m, n, ldb, sizeof(T))))                               \
        return CUBLAS_STATUS_EXECUTION_FAILED;                                                    \
    /* effective lower-ness of op(A): transposing flips the triangle */                           \
    int lower = (uplo == FILL_LOWER) != (trans != OP_N);                                          \
    for (int j = 0; j < n; j++)                                                                   \
        for (int i = 0; i < m; i++) b[i + (size_t)j * ldb] = (T)(*alpha * b[i + (size_t)j * ldb]); \
    if (side == SIDE_LEFT) {                                                                      \
        for (int j = 0; j < n; j++) {                                                             \
            T *x = b + (size_t)j * ldb;                                                           \
            for (int s = 0; s < m; s++) {                                                         \
                int i = lower ? s : m - 1 - s;                                                    \
                double v = x[i];                                                                  \
                for (int t = 0; t < s; t++) {                                                     \
                    int l = lower ? t : m - 1 - t;                                                \
                    double ail = trans == OP_N ? a[i + (size_t)l * lda] : a[l + (size_t)i * lda]; \
                    v -= ail * x[l];                                                              \
                }                                                                                 \
                if (diag == DIAG_NON_UNIT) {                                                      \
                    double aii = a[i + (size_t)i * lda];                                          \
                    if (aii == 0.0) return CUBLAS_STATUS_EXECUTION_FAILED;                        \
                    v /= aii;                                                                     \
                }                                                                                 \
                x[i] = (T)v;                                                                      \
            }                                                                                     \
        }                                                                                         \
    } else { /* X op(A) = B: row by row, X(i,:) op(A) = B(i,:), i.e. op(A)^T x^T = b^T */         \
        for (int i = 0; i < m; i++) {                                                             \
            for (int s = 0; s < n; s++) {                                                         \
                int j = lower ? n - 1 - s : s;                                                    \
                double v = b[i + (size_t)j * ldb];                                                \
                for (int t = 0; t < s; t++) {                                                     \
                    int l = lower ? n - 1 - t : t;                                                \
                    double alj = trans == OP_N ? a[l + (size_t)j * lda] : a[j + (size_t)l * lda]; \
                    v -= b[i + (size_t)l * ldb] * alj;                                            \
                }                                                                                 \
                if (diag == DIAG_NON_UNIT) {                                                      \
                    double ajj = a[j + (size_t)j * lda];                                          \
                    if (ajj == 0.0) return CUBLAS_STATUS_EXECUTION_FAILED;                        \
                    v /= ajj;                                                                     \
                }                                                                                 \
                b[i + (size_t)j * ldb] = (T)v;                                                    \
            }                                                                                     \
        }                                                                                         \
    }                                                                                             \
    return CUBLAS_STATUS_SUCCESS;                                                                 \
}

CD_BLAS(float, S)
CD_BLAS(double, D)
