package dev.erasekit;

import dev.erasekit.error.Warnings;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;

/** What the tests open: an engine on a backend with a test cache, and the model's text embedder. */
public final class TestEngines {
    private TestEngines() {
    }

    public static Engine open(Path model, Backend backend, Path cache) {
        return Engine.open(model, EngineOptions.builder().backend(backend).cacheDir(cache).build());
    }

    /** The model's embedder (the caller closes it). */
    public static TextEmbedder embedder(StableDiffusionModel m, Path cache) {
        return new TextEmbedder(ClipTokenizer.load(m.tokenizerDir()), m.textEncoderFile(), m.textWidth(), cache, Warnings.DEBUG_LOG);
    }
}
