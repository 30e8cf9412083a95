package dev.erasekit.linalg;

import dev.erasekit.ErasekitException;

/** The normal-equation matrix could not be Cholesky-factored. */
public final class NotPositiveDefiniteException extends ErasekitException {
    private final int pivot;

    public NotPositiveDefiniteException(int n, int pivot) {
        super("the " + n + "×" + n + " normal-equation matrix is not positive definite (pivot " + pivot
                + " vanishes): there are fewer independent rows than the width " + n
                + " and no regulariser; use λ > 0 (UCE's default is 0.5)");
        this.pivot = pivot;
    }

    /** 1-based order of the first failing leading minor. */
    public int pivot() {
        return pivot;
    }
}
