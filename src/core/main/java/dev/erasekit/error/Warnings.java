package dev.erasekit.error;

/**
 * Where the engine reports something the caller should know but that does not stop the work (a
 * damaged cache entry that was recomputed, a prompt cut at 77 tokens). Library code never logs
 * above DEBUG; a caller that wants these shown passes its own sink (the CLI prints them as
 * "erasekit: warning: …"). Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Warnings {
    /** Logs through {@link System.Logger} at DEBUG (the default for embedders). */
    Warnings DEBUG_LOG = message -> System.getLogger("dev.erasekit").log(System.Logger.Level.DEBUG, message);

    /**
     * Reports one problem.
     *
     * @param message one line naming the problem and what was done about it
     */
    void warn(String message);
}
