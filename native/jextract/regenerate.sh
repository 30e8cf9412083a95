#!/usr/bin/env bash
# Regenerates raw jextract bindings for comparison with bindings/ (needs jextract on PATH and the
# CUDA toolkit headers; CUDA_HOME defaults to /usr/local/cuda).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cuda="${CUDA_HOME:-/usr/local/cuda}"
out="${1:-$here/../../target/jextract}"
mkdir -p "$out"
gen() { # name header library symbols-file
  local args=()
  while read -r sym; do [ -n "$sym" ] && args+=(--include-function "$sym"); done < "$here/$4"
  jextract --output "$out" --target-package "dev.erasekit.bindings.raw.$1" \
    -I "$cuda/include" -l "$3" "${args[@]}" "$2"
}
gen cudart   "$cuda/include/cuda_runtime_api.h" cudart   cudart.symbols
gen cublas   "$cuda/include/cublas_api.h"       cublas   cublas.symbols
gen cusolver "$cuda/include/cusolverDn.h"       cusolver cusolver.symbols
gen nvtx     "$cuda/include/nvtx3/nvToolsExt.h" nvToolsExt nvtx.symbols
gen openblas /usr/include/x86_64-linux-gnu/cblas.h openblas openblas.symbols
echo "raw bindings in $out"
