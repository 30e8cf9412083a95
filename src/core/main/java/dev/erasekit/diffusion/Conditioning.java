package dev.erasekit.diffusion;

/**
 * One request's classifier-free guidance batch: the text embeddings [negative; prompt] (2 × 77 × width)
 * and, for a UNet with SDXL's added conditioning, the pooled embeddings [negative; prompt] (2 × p), else
 * null. Treat as immutable (the arrays are shared); thread-safe.
 *
 * @param texts  2 × 77 × width, the negative's rows first
 * @param pooled 2 × p, the negative's first, or null
 */
public record Conditioning(float[] texts, float[] pooled) {
}
