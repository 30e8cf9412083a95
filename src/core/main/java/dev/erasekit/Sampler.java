package dev.erasekit;

/** The sampling schedulers generation can use; {@link #DEFAULT} is the one the model's scheduler config names. */
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
}
