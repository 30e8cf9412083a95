package dev.erasekit.model;

import java.nio.file.Path;

/**
 * One text encoder of a model, as the pipeline uses it: its tokenizer folder, its ONNX graph, its width, which
 * hidden state reaches the UNet (SD v1.x/2.x: {@code last_hidden_state}; SDXL: the penultimate layer's, as
 * {@code StableDiffusionXLPipeline.encode_prompt} takes {@code hidden_states[-2]}), and the width of its
 * pooled projection ({@code text_embeds}) when the UNet takes it (SDXL's second encoder), else 0.
 * Immutable; thread-safe.
 *
 * @param tokenizerDir the tokenizer folder
 * @param encoderFile  the encoder's {@code model.onnx}
 * @param width        its hidden width (columns it contributes to the UNet's text input)
 * @param penultimate  whether the UNet takes the penultimate layer's hidden state
 * @param pooledWidth  the pooled embedding's width, or 0 when the UNet takes none from this encoder
 */
public record TextEncoderParts(Path tokenizerDir, Path encoderFile, int width, boolean penultimate, int pooledWidth) {
}
