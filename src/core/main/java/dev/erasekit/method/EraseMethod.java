package dev.erasekit.method;

/**
 * An erasure method and its parameters: {@link Uce}, {@link Rece} or {@link Surgical}
 * (docs/methods.md §2–§4). Records, validated on construction, immutable and thread-safe; an edit
 * file stores the record it was made with (as JSON, snake_case keys), so an edit says exactly how it
 * was made.
 */
public sealed interface EraseMethod permits Uce, Rece, Surgical {
    /**
     * The method's name in edit files and on the command line.
     *
     * @return "uce", "rece" or "surgical"
     */
    String name();

    /**
     * What the method's targets are called.
     *
     * @return "guides" for UCE and RECE, "anchors" for the surgical erase
     */
    default String targetsName() {
        return "guides";
    }
}
