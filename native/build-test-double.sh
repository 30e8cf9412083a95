#!/usr/bin/env bash
# Builds the CUDA test double (cudart + cuBLAS + cuSOLVER + NVTX stand-ins) into OUT_DIR and gives
# it the real libraries' sonames as symlinks, so library discovery finds it exactly as it would
# find a CUDA install. Called by Maven (native/pom.xml); usable by hand: build-test-double.sh OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build-test-double.sh OUT_DIR}"
mkdir -p "$out"
cc="${CC:-gcc}"
"$cc" -std=gnu11 -O3 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror \
  -o "$out/libcudadouble.so" "$here"/cuda-double/*.c -lm -lpthread
for name in libcudart.so.13 libcublas.so.13 libcusolver.so.12 libnvToolsExt.so.1; do
  ln -sf libcudadouble.so "$out/$name"
done
echo "CUDA test double: $out/libcudadouble.so"
