/** Panama FFM bindings, in jextract style, for cudart, cuBLAS, cuSOLVER, NVTX and OpenBLAS/LAPACK. */
module dev.erasekit.bindings {
    exports dev.erasekit.bindings;
}
