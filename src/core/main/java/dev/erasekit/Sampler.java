package dev.erasekit;

/**
 * The sampling schedulers generation can use; {@link #DEFAULT} is the one the model's scheduler config names.
 * Immutable; thread-safe.
 */
public enum Sampler {
    /** The model's own (scheduler/scheduler_config.json). */
    DEFAULT("default"),
    /** PNDM with skip_prk_steps (SD v1.4's default). */
    PNDM("pndm"),
    /** DDIM. */
    DDIM("ddim"),
    /** Euler. */
    EULER("euler"),
    /** Euler ancestral. */
    EULER_ANCESTRAL("euler-a"),
    /** LMS. */
    LMS("lms"),
    /** DPM-Solver++ 2M. */
    DPM_PP_2M("dpm++2m");

    private final String id;

    Sampler(String id) {
        this.id = id;
    }

    /**
     * The name on the command line and in the PNG's parameters ("pndm", "euler-a", …).
     *
     * @return the sampler's id
     */
    public String id() {
        return id;
    }

    /**
     * The sampler with this id.
     *
     * @param id "default", "pndm", "ddim", "euler", "euler-a", "lms" or "dpm++2m"
     * @return the sampler
     * @throws dev.erasekit.error.InvalidInputException for any other id
     */
    public static Sampler fromId(String id) {
        for (Sampler s : values()) if (s.id.equals(id)) return s;
        throw new dev.erasekit.error.InvalidInputException("unknown scheduler \"" + id + "\"; use one of default, pndm, ddim, euler,"
                + " euler-a, lms, dpm++2m");
    }
}
