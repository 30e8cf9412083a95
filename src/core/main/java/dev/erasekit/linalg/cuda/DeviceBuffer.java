package dev.erasekit.linalg.cuda;

import dev.erasekit.bindings.Cudart;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Device memory owned by one try-with-resources block: cudaMalloc on open, cudaFree on close. */
final class DeviceBuffer implements AutoCloseable {
    private final Cudart rt;
    private final MemorySegment ptr;
    private boolean closed;

    private DeviceBuffer(Cudart rt, long bytes) {
        this.rt = rt;
        this.ptr = rt.malloc(Math.max(1, bytes));
    }

    static DeviceBuffer ofDoubles(Cudart rt, long count) {
        return new DeviceBuffer(rt, count * Double.BYTES);
    }

    static DeviceBuffer ofFloats(Cudart rt, long count) {
        return new DeviceBuffer(rt, count * Float.BYTES);
    }

    static DeviceBuffer ofInts(Cudart rt, long count) {
        return new DeviceBuffer(rt, count * Integer.BYTES);
    }

    MemorySegment ptr() {
        return ptr;
    }

    /** Copies {@code host} (native memory) to the start of this buffer. */
    void upload(MemorySegment host) {
        rt.memcpy(ptr, host, host.byteSize(), Cudart.HOST_TO_DEVICE);
    }

    void upload(double[] host) {
        try (Arena a = Arena.ofConfined()) {
            upload(a.allocateFrom(ValueLayout.JAVA_DOUBLE, host));
        }
    }

    void upload(float[] host) {
        try (Arena a = Arena.ofConfined()) {
            upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, host));
        }
    }

    double[] downloadDoubles(int count) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(ValueLayout.JAVA_DOUBLE, count);
            rt.memcpy(host, ptr, host.byteSize(), Cudart.DEVICE_TO_HOST);
            return host.toArray(ValueLayout.JAVA_DOUBLE);
        }
    }

    float[] downloadFloats(int count) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(ValueLayout.JAVA_FLOAT, count);
            rt.memcpy(host, ptr, host.byteSize(), Cudart.DEVICE_TO_HOST);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    int downloadInt() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(ValueLayout.JAVA_INT);
            rt.memcpy(host, ptr, Integer.BYTES, Cudart.DEVICE_TO_HOST);
            return host.get(ValueLayout.JAVA_INT, 0);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            rt.free(ptr);
        }
    }
}
