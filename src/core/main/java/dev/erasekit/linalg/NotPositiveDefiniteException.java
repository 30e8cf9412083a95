package dev.erasekit.linalg;

import dev.erasekit.error.InvalidInputException;

/**
 * A normal-equation matrix could not be Cholesky-factored: it is singular to working precision. The
 * backends throw it with a plain statement of the fact; the solver that built the system rethrows it
 * with {@link #because(String)}, naming the cause in the user's terms (λ = 0 with too few rows, a
 * diverged RECE epoch, a corrupt Σ WᵀW, …).
 * Immutable; thread-safe.
 */
public final class NotPositiveDefiniteException extends InvalidInputException {
    private final int n;
    private final int pivot;

    public NotPositiveDefiniteException(int n, int pivot) {
        this(n, pivot, null);
    }

    private NotPositiveDefiniteException(int n, int pivot, String cause) {
        super("the " + n + "×" + n + " system is not positive definite (Cholesky pivot " + pivot + " vanishes)"
                + (cause == null ? "" : ": " + cause));
        this.n = n;
        this.pivot = pivot;
    }

    /** The same failure with its cause explained (appended to the message). */
    public NotPositiveDefiniteException because(String cause) {
        NotPositiveDefiniteException e = new NotPositiveDefiniteException(n, pivot, cause);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** 1-based order of the first failing leading minor. */
    public int pivot() {
        return pivot;
    }
}
