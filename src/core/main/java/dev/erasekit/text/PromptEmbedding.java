package dev.erasekit.text;

import dev.erasekit.tensor.FloatMatrix;

/** A prompt, its tokens, and its text-encoder output E (77 × width): the rows UCE works on. Immutable; thread-safe. */
public record PromptEmbedding(Tokens tokens, FloatMatrix rows) {

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
