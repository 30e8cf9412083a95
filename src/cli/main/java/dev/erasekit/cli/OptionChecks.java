package dev.erasekit.cli;

import dev.erasekit.error.InvalidInputException;

/** Checks of option values that picocli's type conversion lets through (ranges, finiteness). */
final class OptionChecks {
    private OptionChecks() {
    }

    static int atLeast(String option, int value, int min) {
        if (value < min) throw new InvalidInputException(option + " must be ≥ " + min + ", got " + value);
        return value;
    }

    static double finite(String option, double value) {
        if (!Double.isFinite(value)) throw new InvalidInputException(option + " must be a finite number, got " + value);
        return value;
    }

    static double positive(String option, double value) {
        if (!(finite(option, value) > 0)) throw new InvalidInputException(option + " must be > 0, got " + value);
        return value;
    }

    static Double positiveOrNull(String option, Double value) {
        return value == null ? null : positive(option, value);
    }

    static double nonNegative(String option, double value) {
        if (!(finite(option, value) >= 0)) throw new InvalidInputException(option + " must be ≥ 0, got " + value);
        return value;
    }
}
