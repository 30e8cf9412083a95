package dev.erasekit.cli;

import dev.erasekit.ExportFormat;
import dev.erasekit.ExportOptions;
import dev.erasekit.ExportReport;
import dev.erasekit.error.InvalidInputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options that choose an export format ({@code export}, {@code erase --format}), and the lines that report one. */
final class ExportMixin {
    @Option(names = "--format", paramLabel = "FORMAT", converter = FormatConverter.class,
            description = {"diffusers or compvis (erasekit edit file with those keys), lora, lora-compvis (kohya LoRA: A1111,",
                    "ComfyUI, Forge, InvokeAI, diffusers), peft (diffusers), diff (full-rank ΔW: A1111, ComfyUI)."})
    ExportFormat format;

    @Option(names = "--rank", paramLabel = "N", defaultValue = "0",
            description = "Keep the N largest singular components of each layer's ΔW (default: all, the exact rank).")
    int rank;

    @Option(names = "--pad-attention",
            description = "lora/peft: add zero factors for the other attention projections (diffusers before 0.22 needs them).")
    boolean padAttention;

    ExportOptions options(ExportFormat fallback) {
        return new ExportOptions(format != null ? format : fallback, rank, padAttention);
    }

    static void print(PrintWriter out, ExportReport r) {
        if (!r.format().delta()) {
            out.printf("wrote %s (%s: the edited K/V weights)%n", r.file(), r.format().cliName());
        } else {
            out.printf("wrote %s (%s, rank %d%s, alpha %d: every loader scales it by 1)%n", r.file(), r.format().cliName(), r.rank(),
                    r.rank() == r.exactRank() ? ", the exact rank of ΔW" : " of " + r.exactRank(), r.rank());
            if (r.rank() < r.exactRank()) {
                out.printf("  ΔW relative error %.3g (largest layer); K/V relative error on the concepts' rows %s, on the rows of"
                        + " \"\" and the preserves %s%n", r.deltaError(), fmt(r.eraseRowError()), fmt(r.preserveRowError()));
            }
        }
        out.flush();
    }

    private static String fmt(java.util.OptionalDouble d) {
        return d.isPresent() ? String.format("%.3g", d.getAsDouble()) : "(not measured)";
    }

    /** Reads a format by its command-line name. */
    static final class FormatConverter implements CommandLine.ITypeConverter<ExportFormat> {
        @Override
        public ExportFormat convert(String value) {
            try {
                return ExportFormat.ofCliName(value);
            } catch (InvalidInputException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
