package dev.erasekit.cli;

import dev.erasekit.Sampler;
import java.util.Arrays;
import picocli.CommandLine;

/** Reads a sampler by its command-line name ("pndm", "euler-a", "dpm++2m", …). */
final class SamplerConverter implements CommandLine.ITypeConverter<Sampler> {
    @Override
    public Sampler convert(String value) {
        for (Sampler s : Sampler.values()) {
            if (s.id().equalsIgnoreCase(value) || s.name().equalsIgnoreCase(value)) return s;
        }
        throw new CommandLine.TypeConversionException("unknown scheduler '" + value + "'; choose one of "
                + Arrays.stream(Sampler.values()).map(Sampler::id).toList());
    }
}
