package dev.erasekit.text;

import dev.erasekit.tensor.FloatMatrix;

/**
 * A prompt, its tokens, and its text-encoder output E (77 × width): the rows UCE works on; for SDXL also the
 * pooled embedding (the UNet's {@code text_embeds}), else null. Treat as immutable (the arrays are shared);
 * thread-safe.
 *
 * @param tokens the first tokenizer's tokens (SDXL's two tokenizers differ only in padding)
 * @param rows   E, 77 × width (SDXL: both encoders' penultimate hidden states, concatenated)
 * @param pooled the pooled embedding, or null when the model takes none
 */
public record PromptEmbedding(Tokens tokens, FloatMatrix rows, float[] pooled) {

    /** A prompt of a model without a pooled path. */
    public PromptEmbedding(Tokens tokens, FloatMatrix rows) {
        this(tokens, rows, null);
    }

    public String prompt() {
        return tokens.prompt();
    }

    /** Rows [from, to) as a new matrix. */
    public FloatMatrix slice(int from, int to) {
        int w = rows.cols();
        float[] v = new float[(to - from) * w];
        System.arraycopy(rows.data(), from * w, v, 0, v.length);
        return new FloatMatrix(to - from, w, v);
    }
}
