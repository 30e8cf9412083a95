package dev.erasekit.examples.embed;

import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.GenerateRequest;
import dev.erasekit.GeneratedImage;
import java.nio.file.Path;

/**
 * The embedding program a user would write: erase "red" (anchor "blue") from the toy model and
 * generate "a red circle" with the edit applied in memory, next to the same seed without it.
 */
public final class EraseRed {
    private EraseRed() {
    }

    /** The base image and the edited one, same prompt and seed. */
    public record Images(GeneratedImage base, GeneratedImage edited) {
    }

    public static Images run(Path model) {
        try (Engine engine = Engine.open(model)) {
            Edit edit = engine.erase(EraseRequest.builder().concept("red").target("blue").preserve("a green").build()).edit();
            GenerateRequest.Builder image = GenerateRequest.builder("a red circle").seed(3).steps(20);
            return new Images(engine.generate(image.build()), engine.generate(image.edit(edit).build()));
        }
    }

    public static void main(String[] args) {
        Images images = run(Path.of(args.length > 0 ? args[0] : "../../models/tiny-shapes"));
        images.base().writePng(Path.of("base.png"));
        images.edited().writePng(Path.of("edited.png"));
        System.out.println("wrote base.png and edited.png");
    }
}
