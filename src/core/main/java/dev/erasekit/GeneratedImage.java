package dev.erasekit;

import dev.erasekit.io.Png;
import java.nio.file.Path;
import java.util.Map;

/**
 * A generated image: RGB planes [3, height, width] in [0, 1], the final latents (before the VAE), and
 * the A1111-style {@code parameters} text that describes how it was made. Immutable (accessors copy).
 */
public final class GeneratedImage {
    private final int width, height;
    private final float[] rgb, latents;
    private final String parameters;

    GeneratedImage(int width, int height, float[] rgb, float[] latents, String parameters) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
        this.latents = latents;
        this.parameters = parameters;
    }

    /**
     * Width in pixels.
     *
     * @return the width
     */
    public int width() {
        return width;
    }

    /**
     * Height in pixels.
     *
     * @return the height
     */
    public int height() {
        return height;
    }

    /**
     * The RGB planes [3, height, width] in [0, 1] (a copy).
     *
     * @return the RGB planes
     */
    public float[] rgb() {
        return rgb.clone();
    }

    /**
     * The final latents [1, 4, height/8, width/8] (a copy).
     *
     * @return the final latents
     */
    public float[] latents() {
        return latents.clone();
    }

    /**
     * The A1111 {@code parameters} text: prompt, negative prompt, steps, sampler, guidance, seed, size, model, edit.
     *
     * @return the parameters text
     */
    public String parameters() {
        return parameters;
    }

    /**
     * Writes a PNG with the {@code parameters} tEXt chunk (A1111's convention), atomically.
     *
     * @param file the PNG to write
     */
    public void writePng(Path file) {
        Png.write(file, Png.rgb(rgb, width, height), Map.of("parameters", parameters));
    }

    /**
     * The PNG's bytes, with the {@code parameters} tEXt chunk.
     *
     * @return a PNG file's contents
     */
    public byte[] png() {
        return Png.bytes(Png.rgb(rgb, width, height), Map.of("parameters", parameters));
    }
}
