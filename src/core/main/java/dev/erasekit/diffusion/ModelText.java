package dev.erasekit.diffusion;

import ai.onnxruntime.OrtSession;
import dev.erasekit.error.Warnings;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.model.TextEncoderParts;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The text embedder of a model: its encoders ({@link StableDiffusionModel#textEncoders()}: one for SD
 * v1.x/2.x, SDXL's two with their own tokenizers), each tokenizer padding as its own files say. The one
 * place a model's text stack is assembled. Stateless; thread-safe.
 */
public final class ModelText {
    private ModelText() {
    }

    /** The model's embedder on the CPU ({@link OrtOptions#textEncoder()}). */
    public static TextEmbedder embedder(StableDiffusionModel model, Path cacheRoot, Warnings warnings) {
        return embedder(model, cacheRoot, warnings, OrtOptions::textEncoder);
    }

    /** The model's embedder, its sessions created with options from {@code options}; close it to release them. */
    public static TextEmbedder embedder(StableDiffusionModel model, Path cacheRoot, Warnings warnings,
                                        Supplier<OrtSession.SessionOptions> options) {
        List<TextEmbedder.Encoder> stack = model.textEncoders().stream().map(ModelText::encoder).toList();
        return new TextEmbedder(stack, cacheRoot, warnings, options);
    }

    private static TextEmbedder.Encoder encoder(TextEncoderParts p) {
        return new TextEmbedder.Encoder(ClipTokenizer.load(p.tokenizerDir()), p.encoderFile(), p.width(), p.penultimate(), p.pooledWidth());
    }
}
