#!/usr/bin/env bash
# Every real-scale figure of the README's "Full-size SD v1.4" table, in one run on one machine, so
# the ratios compare like with like:
#   1. PyTorch peers of the UCE solve at the same shapes (bench/peers/uce_torch.py);
#   2. EraseBench (uce, uceFactor, rece at 1/100/1000 concepts, openblas);
#   3. EngineBench (Engine.erase on the full-size fixture) and UnetStepBench (one CFG UNet call at 256², 512²);
#   4. diffusers' own UNet timings (the fixture's timing.py), when SD14_TOOL points at tools/sd14-random;
#   5. the CLI (bench/cli-sd14.sh).
#
#   ERASEKIT_SD14=/path/to/sd-v1-4-random-onnx [SD14_TOOL=/path/to/sd14-random SD14_OUT_ROOT=...] bench/real-scale.sh OUT_DIR
#
# Needs ./run-tests to have built bench/target/benchmarks.jar and ./erasekit; Debian's python3-torch for 1 and 4.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${ERASEKIT_SD14:?ERASEKIT_SD14 is not set: build the full-size fixture with tools/sd14-random}"
out=${1:?usage: bench/real-scale.sh OUT_DIR}
mkdir -p "$out"
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
jar="$root/bench/target/benchmarks.jar"
[[ -f "$jar" ]] || { echo "real-scale: build first (./run-tests)" >&2; exit 1; }
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$out/progress.txt"; }
lscpu > "$out/lscpu.txt" 2>&1 || true

log "1/5 PyTorch peers of the UCE solve"
for n in 1 100; do /usr/bin/python3 "$root/bench/peers/uce_torch.py" --concepts "$n" --runs 5 > "$out/uce_torch_$n.json"; done

log "2/5 EraseBench"
"$java" -jar "$jar" EraseBench -p backend=openblas -p family=sd15 -wi 3 -i 9 -rf json -rff "$out/erase.json" > "$out/erase.log" 2>&1

log "3/5 EngineBench, UnetStepBench"
"$java" -jar "$jar" EngineBench -rf json -rff "$out/engine.json" > "$out/engine.log" 2>&1
"$java" -jar "$jar" UnetStepBench -p size=256,512 -wi 1 -i 5 -rf json -rff "$out/unet.json" > "$out/unet.log" 2>&1

if [[ -n "${SD14_TOOL:-}" ]]; then
  log "4/5 diffusers' UNet in PyTorch (timing.py)"
  (cd "$SD14_TOOL" && SD14_TIMING_TAG=real-scale ./run_timings.sh unet256 unet512) > "$out/torch_unet.log" 2>&1
else
  log "4/5 skipped: SD14_TOOL is not set"
fi

log "5/5 the CLI"
"$root/bench/cli-sd14.sh" "$out/cli" > "$out/cli.log" 2>&1
log "done: $out"
