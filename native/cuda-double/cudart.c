/* cudart test double: device memory, copies, streams, errors, version; plus NVTX ranges. */
#include "cuda_double.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct alloc {
    char *base;
    size_t bytes;
    struct alloc *next;
} alloc;

static alloc *allocations;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int cd_is_device_range(const void *p, size_t bytes) {
    if (p == NULL) return 0;
    const char *c = (const char *)p;
    int ok = 0;
    pthread_mutex_lock(&lock);
    for (alloc *a = allocations; a != NULL; a = a->next) {
        if (c >= a->base && c + bytes <= a->base + a->bytes) { ok = 1; break; }
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

int cd_is_stream(const void *s) {
    return s == NULL || ((const cd_stream *)s)->magic == MAGIC_STREAM;
}

EXPORT int cudaGetDeviceCount(int *count) {
    if (count == NULL) return cudaErrorInvalidValue;
    *count = 1;
    return cudaSuccess;
}

EXPORT int cudaRuntimeGetVersion(int *version) {
    if (version == NULL) return cudaErrorInvalidValue;
    *version = 13000; /* reports itself as CUDA 13.0 */
    return cudaSuccess;
}

EXPORT int cudaMalloc(void **ptr, size_t bytes) {
    if (ptr == NULL) return cudaErrorInvalidValue;
    void *mem = NULL;
    if (posix_memalign(&mem, 256, bytes == 0 ? 1 : bytes) != 0) return cudaErrorMemoryAllocation;
    alloc *a = malloc(sizeof(alloc));
    if (a == NULL) { free(mem); return cudaErrorMemoryAllocation; }
    a->base = mem;
    a->bytes = bytes;
    pthread_mutex_lock(&lock);
    a->next = allocations;
    allocations = a;
    pthread_mutex_unlock(&lock);
    *ptr = mem;
    return cudaSuccess;
}

EXPORT int cudaFree(void *ptr) {
    if (ptr == NULL) return cudaSuccess;
    pthread_mutex_lock(&lock);
    for (alloc **link = &allocations; *link != NULL; link = &(*link)->next) {
        if ((*link)->base == ptr) {
            alloc *a = *link;
            *link = a->next;
            pthread_mutex_unlock(&lock);
            free(a->base);
            free(a);
            return cudaSuccess;
        }
    }
    pthread_mutex_unlock(&lock);
    return cudaErrorInvalidDevicePointer;
}

/* cudaMemcpyKind: 0 host->host, 1 host->device, 2 device->host, 3 device->device, 4 default */
EXPORT int cudaMemcpy(void *dst, const void *src, size_t bytes, int kind) {
    if (bytes == 0) return cudaSuccess;
    if (dst == NULL || src == NULL) return cudaErrorInvalidValue;
    int dstDevice = kind == 1 || kind == 3;
    int srcDevice = kind == 2 || kind == 3;
    if (kind < 0 || kind > 4) return cudaErrorInvalidMemcpyDirection;
    if (kind == 4) { /* unified addressing: infer */
        dstDevice = cd_is_device_range(dst, bytes);
        srcDevice = cd_is_device_range(src, bytes);
    }
    if (dstDevice && !cd_is_device_range(dst, bytes)) return cudaErrorInvalidValue;
    if (srcDevice && !cd_is_device_range(src, bytes)) return cudaErrorInvalidValue;
    memmove(dst, src, bytes);
    return cudaSuccess;
}

EXPORT int cudaMemcpyAsync(void *dst, const void *src, size_t bytes, int kind, void *stream) {
    if (!cd_is_stream(stream)) return cudaErrorInvalidResourceHandle;
    return cudaMemcpy(dst, src, bytes, kind); /* the double runs every stream synchronously */
}

EXPORT int cudaMemset(void *dst, int value, size_t bytes) {
    if (bytes == 0) return cudaSuccess;
    if (!cd_is_device_range(dst, bytes)) return cudaErrorInvalidValue;
    memset(dst, value, bytes);
    return cudaSuccess;
}

EXPORT int cudaStreamCreate(void **stream) {
    if (stream == NULL) return cudaErrorInvalidValue;
    cd_stream *s = malloc(sizeof(cd_stream));
    if (s == NULL) return cudaErrorMemoryAllocation;
    s->magic = MAGIC_STREAM;
    *stream = s;
    return cudaSuccess;
}

EXPORT int cudaStreamDestroy(void *stream) {
    if (stream == NULL || !cd_is_stream(stream)) return cudaErrorInvalidResourceHandle;
    ((cd_stream *)stream)->magic = MAGIC_DEAD;
    free(stream);
    return cudaSuccess;
}

EXPORT int cudaStreamSynchronize(void *stream) {
    return cd_is_stream(stream) ? cudaSuccess : cudaErrorInvalidResourceHandle;
}

EXPORT int cudaDeviceSynchronize(void) { return cudaSuccess; }

EXPORT const char *cudaGetErrorString(int error) {
    switch (error) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInvalidDevicePointer: return "invalid device pointer";
        case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
        case cudaErrorInvalidResourceHandle: return "invalid resource handle";
        default: return "unrecognized error code";
    }
}

/* NVTX (nvToolsExt): ranges are counted so tests can see push/pop pairing. */
static int nvtx_depth;

EXPORT int nvtxRangePushA(const char *message) {
    (void)message;
    return nvtx_depth++;
}

EXPORT int nvtxRangePop(void) {
    if (nvtx_depth == 0) return -1;
    return --nvtx_depth;
}
