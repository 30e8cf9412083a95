/* cuSOLVER dense test double: handles, stream, Cholesky (potrf + buffer size, potrs) and the
 * symmetric eigensolver (syevd + buffer size, cyclic Jacobi here). Info codes are written to the
 * device pointer devInfo, as the real library does. */
#include "cuda_double.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FILL_LOWER = 0, FILL_UPPER = 1 };

static int valid(const void *h) {
    return h != NULL && ((const cd_cusolver *)h)->magic == MAGIC_CUSOLVER;
}

EXPORT int cusolverDnCreate(void **handle) {
    if (handle == NULL) return CUSOLVER_STATUS_INVALID_VALUE;
    cd_cusolver *h = malloc(sizeof(cd_cusolver));
    if (h == NULL) return CUSOLVER_STATUS_ALLOC_FAILED;
    h->magic = MAGIC_CUSOLVER;
    h->stream = NULL;
    *handle = h;
    return CUSOLVER_STATUS_SUCCESS;
}

EXPORT int cusolverDnDestroy(void *handle) {
    if (!valid(handle)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    ((cd_cusolver *)handle)->magic = MAGIC_DEAD;
    free(handle);
    return CUSOLVER_STATUS_SUCCESS;
}

EXPORT int cusolverDnSetStream(void *handle, void *stream) {
    if (!valid(handle)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    if (!cd_is_stream(stream)) return CUSOLVER_STATUS_INVALID_VALUE;
    ((cd_cusolver *)handle)->stream = stream;
    return CUSOLVER_STATUS_SUCCESS;
}

static long max1(long v) { return v < 1 ? 1 : v; }

/* Element (i, j), i >= j, of the lower factor L, whichever triangle holds it (upper: U = L^T). */
#define LIDX(uplo, i, j, lda) ((uplo) == FILL_LOWER ? (size_t)(i) + (size_t)(j) * (lda) \
                                                     : (size_t)(j) + (size_t)(i) * (lda))

static int cd_jacobi(int n, double *s, double *v, double *e, int *order);

#define CD_SOLVER(T, P)                                                                           \
EXPORT int cusolverDn##P##potrf_bufferSize(void *h, int uplo, int n, T *a, int lda, int *lwork) { \
    if (!valid(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;                                        \
    if ((uplo != FILL_LOWER && uplo != FILL_UPPER) || n < 0 || lda < max1(n) || lwork == NULL)    \
        return CUSOLVER_STATUS_INVALID_VALUE;                                                     \
    (void)a;                                                                                      \
    *lwork = n; /* the double needs none; asking for some keeps callers honest */                 \
    return CUSOLVER_STATUS_SUCCESS;                                                               \
}                                                                                                 \
                                                                                                  \
EXPORT int cusolverDn##P##potrf(void *h, int uplo, int n, T *a, int lda, T *work, int lwork,      \
                                int *info) {                                                      \
    if (!valid(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;                                        \
    if ((uplo != FILL_LOWER && uplo != FILL_UPPER) || n < 0 || lda < max1(n) || lwork < n)        \
        return CUSOLVER_STATUS_INVALID_VALUE;                                                     \
    if (!cd_is_device_range(info, sizeof(int))) return CUSOLVER_STATUS_INVALID_VALUE;             \
    if (n > 0 && (!cd_is_device_range(a, cd_extent(n, n, lda, sizeof(T)))                        \
                  || !cd_is_device_range(work, (size_t)lwork * sizeof(T))))                       \
        return CUSOLVER_STATUS_EXECUTION_FAILED;                                                  \
    *info = 0;                                                                                    \
    /* right-looking Cholesky: each step scales a column and updates the trailing triangle */     \
    for (int j = 0; j < n; j++) {                                                                 \
        double d = a[LIDX(uplo, j, j, lda)];                                                      \
        if (!(d > 0.0)) { *info = j + 1; return CUSOLVER_STATUS_SUCCESS; }                        \
        double ljj = sqrt(d);                                                                     \
        a[LIDX(uplo, j, j, lda)] = (T)ljj;                                                        \
        for (int i = j + 1; i < n; i++) a[LIDX(uplo, i, j, lda)] = (T)(a[LIDX(uplo, i, j, lda)] / ljj); \
        for (int k = j + 1; k < n; k++) {                                                         \
            double lkj = a[LIDX(uplo, k, j, lda)];                                                \
            for (int i = k; i < n; i++)                                                           \
                a[LIDX(uplo, i, k, lda)] = (T)(a[LIDX(uplo, i, k, lda)] - a[LIDX(uplo, i, j, lda)] * lkj); \
        }                                                                                         \
    }                                                                                             \
    return CUSOLVER_STATUS_SUCCESS;                                                               \
}                                                                                                 \
                                                                                                  \
/* Solves A X = B from the factor A = L L^T (forward then backward substitution per column). */   \
EXPORT int cusolverDn##P##potrs(void *h, int uplo, int n, int nrhs, const T *a, int lda, T *b,    \
                                int ldb, int *info) {                                             \
    if (!valid(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;                                        \
    if ((uplo != FILL_LOWER && uplo != FILL_UPPER) || n < 0 || nrhs < 0 || lda < max1(n)          \
        || ldb < max1(n))                                                                         \
        return CUSOLVER_STATUS_INVALID_VALUE;                                                     \
    if (!cd_is_device_range(info, sizeof(int))) return CUSOLVER_STATUS_INVALID_VALUE;             \
    if (n > 0 && nrhs > 0 && (!cd_is_device_range(a, cd_extent(n, n, lda, sizeof(T)))             \
                              || !cd_is_device_range(b, cd_extent(n, nrhs, ldb, sizeof(T)))))     \
        return CUSOLVER_STATUS_EXECUTION_FAILED;                                                  \
    *info = 0;                                                                                    \
    for (int c = 0; c < nrhs; c++) {                                                              \
        T *x = b + (size_t)c * ldb;                                                               \
        for (int k = 0; k < n; k++) { /* L y = b, column by column */                            \
            double xk = x[k] / a[LIDX(uplo, k, k, lda)];                                          \
            x[k] = (T)xk;                                                                         \
            for (int i = k + 1; i < n; i++) x[i] = (T)(x[i] - a[LIDX(uplo, i, k, lda)] * xk);     \
        }                                                                                         \
        for (int i = n - 1; i >= 0; i--) { /* L^T x = y, one dot product per row */               \
            double s = x[i];                                                                      \
            for (int k = i + 1; k < n; k++) s -= (double)a[LIDX(uplo, k, i, lda)] * x[k];         \
            x[i] = (T)(s / a[LIDX(uplo, i, i, lda)]);                                             \
        }                                                                                         \
    }                                                                                             \
    return CUSOLVER_STATUS_SUCCESS;                                                               \
}                                                                                                 \
                                                                                                  \
EXPORT int cusolverDn##P##syevd_bufferSize(void *h, int jobz, int uplo, int n, const T *a,        \
                                           int lda, const T *w, int *lwork) {                     \
    if (!valid(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;                                        \
    if ((jobz != 0 && jobz != 1) || (uplo != FILL_LOWER && uplo != FILL_UPPER) || n < 0           \
        || lda < max1(n) || lwork == NULL)                                                        \
        return CUSOLVER_STATUS_INVALID_VALUE;                                                     \
    (void)a; (void)w;                                                                             \
    *lwork = 2 * n * n + 1; /* room for the Jacobi copy of A and its rotations */                 \
    return CUSOLVER_STATUS_SUCCESS;                                                               \
}                                                                                                 \
                                                                                                  \
EXPORT int cusolverDn##P##syevd(void *h, int jobz, int uplo, int n, T *a, int lda, T *w,          \
                                T *work, int lwork, int *info) {                                  \
    if (!valid(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;                                        \
    if ((jobz != 0 && jobz != 1) || (uplo != FILL_LOWER && uplo != FILL_UPPER) || n < 0           \
        || lda < max1(n) || lwork < 2 * n * n + 1)                                                \
        return CUSOLVER_STATUS_INVALID_VALUE;                                                     \
    if (!cd_is_device_range(info, sizeof(int))) return CUSOLVER_STATUS_INVALID_VALUE;             \
    if (n > 0 && (!cd_is_device_range(a, cd_extent(n, n, lda, sizeof(T)))                         \
                  || !cd_is_device_range(w, (size_t)n * sizeof(T))                                \
                  || !cd_is_device_range(work, (size_t)lwork * sizeof(T))))                       \
        return CUSOLVER_STATUS_EXECUTION_FAILED;                                                  \
    double *s = malloc(sizeof(double) * (size_t)n * n + 1);                                       \
    double *v = malloc(sizeof(double) * (size_t)n * n + 1);                                       \
    double *e = malloc(sizeof(double) * (size_t)n + 1);                                           \
    int *order = malloc(sizeof(int) * (size_t)n + 1);                                             \
    for (int j = 0; j < n; j++)                                                                   \
        for (int i = 0; i < n; i++) {                                                             \
            int lo = i >= j;                                                                      \
            s[i + (size_t)j * n] = a[LIDX(uplo, lo ? i : j, lo ? j : i, lda)];                    \
        }                                                                                         \
    *info = cd_jacobi(n, s, v, e, order) ? 0 : 1;                                                 \
    for (int k = 0; k < n; k++) {                                                                 \
        int src = order[k];                                                                       \
        w[k] = (T)e[src];                                                                         \
        if (jobz == 1)                                                                            \
            for (int i = 0; i < n; i++) a[i + (size_t)k * lda] = (T)v[i + (size_t)src * n];       \
    }                                                                                             \
    free(s); free(v); free(e); free(order);                                                       \
    return CUSOLVER_STATUS_SUCCESS;                                                               \
}

CD_SOLVER(float, S)
CD_SOLVER(double, D)

/* Cyclic Jacobi on the full symmetric s (n x n, column-major): eigenvalues to e, eigenvectors to
 * the columns of v, order = indices sorting e ascending (LAPACK's order). Returns 1 on convergence. */
static int cd_jacobi(int n, double *s, double *v, double *e, int *order) {
    memset(v, 0, sizeof(double) * (size_t)n * n);
    for (int i = 0; i < n; i++) v[i + (size_t)i * n] = 1.0;
    int converged = 0;
    for (int sweep = 0; sweep < 100 && !converged; sweep++) {
        double off = 0.0, total = 0.0;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) {
                double x = s[i + (size_t)j * n] * s[i + (size_t)j * n];
                total += x;
                if (i != j) off += x;
            }
        if (off <= 1e-30 * total || off == 0.0) { converged = 1; break; }
        for (int p = 0; p < n - 1; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = s[p + (size_t)q * n];
                if (apq == 0.0) continue;
                double app = s[p + (size_t)p * n], aqq = s[q + (size_t)q * n];
                double theta = (aqq - app) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), sn = t * c;
                for (int k = 0; k < n; k++) { /* columns p, q */
                    double skp = s[k + (size_t)p * n], skq = s[k + (size_t)q * n];
                    s[k + (size_t)p * n] = c * skp - sn * skq;
                    s[k + (size_t)q * n] = sn * skp + c * skq;
                }
                for (int k = 0; k < n; k++) { /* rows p, q */
                    double spk = s[p + (size_t)k * n], sqk = s[q + (size_t)k * n];
                    s[p + (size_t)k * n] = c * spk - sn * sqk;
                    s[q + (size_t)k * n] = sn * spk + c * sqk;
                }
                for (int k = 0; k < n; k++) {
                    double vkp = v[k + (size_t)p * n], vkq = v[k + (size_t)q * n];
                    v[k + (size_t)p * n] = c * vkp - sn * vkq;
                    v[k + (size_t)q * n] = sn * vkp + c * vkq;
                }
            }
    }
    for (int i = 0; i < n; i++) { e[i] = s[i + (size_t)i * n]; order[i] = i; }
    for (int i = 1; i < n; i++) { /* insertion sort of the indices by eigenvalue */
        int k = order[i], j = i - 1;
        while (j >= 0 && e[order[j]] > e[k]) { order[j + 1] = order[j]; j--; }
        order[j + 1] = k;
    }
    return converged;
}
