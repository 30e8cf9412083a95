/*
 * erasekit CUDA test double: shared declarations.
 *
 * A host-memory stand-in for cudart, cuBLAS, cuSOLVER (dense) and NVTX with the same exported
 * symbols and C ABI as the real libraries, so the Java CUDA backend runs unchanged in CI, which has
 * no GPU. "Device" memory is host memory registered in an allocation table: every device pointer a
 * call receives is checked against that table, so a stray host pointer or an out-of-bounds matrix
 * gets the real error status instead of a crash. Column-major, as the real libraries.
 */
#ifndef ERASEKIT_CUDA_DOUBLE_H
#define ERASEKIT_CUDA_DOUBLE_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default")))

/* cudaError_t values (driver_types.h) */
enum {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorInvalidResourceHandle = 400
};

/* cublasStatus_t values (cublas_api.h) */
enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_NOT_SUPPORTED = 15
};

/* cusolverStatus_t values (cusolver_common.h) */
enum {
    CUSOLVER_STATUS_SUCCESS = 0,
    CUSOLVER_STATUS_NOT_INITIALIZED = 1,
    CUSOLVER_STATUS_ALLOC_FAILED = 2,
    CUSOLVER_STATUS_INVALID_VALUE = 3,
    CUSOLVER_STATUS_EXECUTION_FAILED = 6
};

/* Opaque handle kinds; each handle starts with a magic so a stale or foreign pointer is caught. */
#define MAGIC_STREAM   0x5354524dU
#define MAGIC_CUBLAS   0x43424c53U
#define MAGIC_CUSOLVER 0x43534f4cU
#define MAGIC_DEAD     0xdeadbeefU

typedef struct { uint32_t magic; } cd_stream;
typedef struct { uint32_t magic; cd_stream *stream; int math_mode; } cd_cublas;
typedef struct { uint32_t magic; cd_stream *stream; } cd_cusolver;

/* Allocation table (cudart.c): 1 when [p, p + bytes) lies inside one live allocation. */
int cd_is_device_range(const void *p, size_t bytes);
/* 1 when s is NULL (the legacy default stream) or a live stream. */
int cd_is_stream(const void *s);

/* Bytes touched by a column-major rows x cols matrix with leading dimension ld. */
static inline size_t cd_extent(long rows, long cols, long ld, size_t elem) {
    if (rows <= 0 || cols <= 0) return 0;
    return ((size_t)(cols - 1) * (size_t)ld + (size_t)rows) * elem;
}

#endif
