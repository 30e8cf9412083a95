/**
 * erasekit-core: closed-form concept erasure for Stable Diffusion (UCE, RECE, the surgical erase with the
 * unconditional score held exactly), generation and validation on ONNX Runtime. The API is
 * {@link dev.erasekit.Engine} and the types around it (requests, results, {@link dev.erasekit.Edit}),
 * the method records ({@code dev.erasekit.method}), the exceptions ({@code dev.erasekit.error}) and
 * the small value types edits are made of ({@code dev.erasekit.tensor}). Everything else is internal
 * and not exported (the CLI, an application on the class path, uses it there).
 */
module dev.erasekit.core {
    requires transitive com.microsoft.onnxruntime;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.csv;
    requires com.google.protobuf;
    requires dev.erasekit.bindings;
    requires java.desktop;
    requires org.tribuo.util.onnx;

    exports dev.erasekit;
    exports dev.erasekit.error;
    exports dev.erasekit.method;
    exports dev.erasekit.tensor;


    // Jackson reads and writes the method records and the report types by reflection
    opens dev.erasekit.method to com.fasterxml.jackson.databind;
    opens dev.erasekit.eval to com.fasterxml.jackson.databind;
}
