package dev.erasekit.cli;

import dev.erasekit.Backend;
import dev.erasekit.Engine;
import dev.erasekit.EngineOptions;
import dev.erasekit.SessionRetention;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The options of commands that open an {@link Engine}: the backend and the cache. */
final class EngineMixin {
    @Option(names = "--backend", defaultValue = "auto", description = "auto, cuda, openblas or java (default ${DEFAULT-VALUE}).")
    Backend backend;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    /** Opens {@code model} with these options, warnings on the command's stderr. */
    Engine open(Path model, CommandLine.Model.CommandSpec spec) {
        return Engine.open(model, options(spec).build());
    }

    EngineOptions.Builder options(CommandLine.Model.CommandSpec spec) {
        // one command, one erase: the text encoder closes once the prompts are embedded
        return EngineOptions.builder().backend(backend).cacheDir(cache.root()).warnings(CliWarnings.of(spec))
                .retention(SessionRetention.RELEASE);
    }
}
