package dev.erasekit;

import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * What an export wrote. Immutable; thread-safe.
 *
 * @param file             the written file
 * @param format           its format
 * @param rank             the factors' rank in the file (0 for the full-weight formats)
 * @param exactRank        the numerical rank of ΔW (every layer's: ΔW_l = W_l·(M − I))
 * @param deltaError       the largest layer's ‖ΔW − ΔW_written‖_F / ‖ΔW‖_F (0 when exact)
 * @param eraseRowError    ‖(ΔW − ΔW_written)·Cᵀ‖ / ‖W'·Cᵀ‖ over all layers for the concepts' rows C, when measured
 *                         (an engine with the text encoder exported it)
 * @param preserveRowError the same for the rows of "" and the preserves, when measured
 */
public record ExportReport(Path file, ExportFormat format, int rank, int exactRank, double deltaError, OptionalDouble eraseRowError,
                           OptionalDouble preserveRowError) {
}
