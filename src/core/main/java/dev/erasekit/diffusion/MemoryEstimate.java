package dev.erasekit.diffusion;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.OutOfResourcesException;
import dev.erasekit.model.UnetConfig;

/**
 * What an image size costs, checked before any work. Two bounds: the Java heap must hold the image
 * arrays (~28 bytes per pixel: the VAE's float output, its copy, the RGB raster), and the machine must
 * hold the largest attention score matrix ONNX Runtime's CPU kernels materialise — the UNet's
 * self-attention at the first attention block, 2 (CFG batch) × heads × (h/8 · w/8 / 4^b)² floats,
 * which grows with the fourth power of the side (SD v1.x at 1024²: ~17 GB; at 4096²: terabytes).
 * Stateless; thread-safe.
 */
public final class MemoryEstimate {
    static final long HEAP_BYTES_PER_PIXEL = 28;

    private MemoryEstimate() {
    }

    /** Bytes of the largest self-attention score matrix of a CFG UNet call at this size. */
    public static long attentionBytes(int width, int height, int vaeScale, UnetConfig c) {
        long worst = 0;
        for (int b = 0; b < c.downBlockTypes().size(); b++) {
            if (!c.downBlockTypes().get(b).contains("CrossAttn")) continue;
            long tokens = (long) (width / vaeScale >> b) * (height / vaeScale >> b);
            worst = Math.max(worst, 2L * c.heads(b) * tokens * tokens * Float.BYTES);
        }
        return worst;
    }

    /** Refuses a size that cannot fit: a clear line instead of an OutOfMemoryError or a native crash half-way. */
    public static void check(int width, int height, int vaeScale, UnetConfig c) {
        long pixels = (long) width * height;
        if (3 * pixels > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException(width + "×" + height + " is too large for one image (3 × width × height must fit a Java array)");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (pixels * HEAP_BYTES_PER_PIXEL > heap) {
            throw new OutOfResourcesException(String.format("a %d×%d image needs about %s of Java heap, and the heap is %s;"
                    + " give a smaller size, or more heap (ERASEKIT_JAVA_OPTS=-Xmx…)", width, height,
                    human(pixels * HEAP_BYTES_PER_PIXEL), human(heap)));
        }
        long attention = attentionBytes(width, height, vaeScale, c), ram = physicalMemory();
        if (ram > 0 && attention > ram) {
            throw new OutOfResourcesException(String.format("at %d×%d the UNet's self-attention alone needs about %s and this"
                    + " machine has %s of memory; give a smaller size", width, height, human(attention), human(ram)));
        }
    }

    /** MemTotal from /proc/meminfo (Linux), or −1 where it cannot be read. */
    static long physicalMemory() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: no bound from physical memory
        }
        return -1;
    }

    static String human(long bytes) {
        double gib = bytes / (double) (1L << 30);
        return gib >= 1024 ? String.format("%.0f TiB", gib / 1024) : gib >= 1 ? String.format("%.1f GiB", gib)
                : String.format("%.0f MiB", bytes / (double) (1L << 20));
    }
}
