#!/usr/bin/env bash
# The CLI on the full-size SD v1.4 fixture, as a new user runs it: wall time and peak RSS of each
# command (GNU time), nothing cached for the first erase (a fresh ERASEKIT_CACHE), then warm.
#
#   ERASEKIT_SD14=/path/to/sd-v1-4-random-onnx bench/cli-sd14.sh [OUT_DIR]
#
# Writes OUT_DIR/cli-sd14.tsv (command, wall_s, peak_rss_mb, exit) and each command's output beside
# it; prints the table. Needs ./erasekit built (./run-tests) and /usr/bin/time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=${ERASEKIT_SD14:?ERASEKIT_SD14 is not set: build the full-size fixture with tools/sd14-random and point it at its sd-v1-4-random-onnx folder}
[[ -f "$model/unet/model.onnx" ]] || { echo "cli-sd14: $model has no unet/model.onnx" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "cli-sd14: needs GNU time (/usr/bin/time; Debian package 'time')" >&2; exit 1; }
out=${1:-$(mktemp -d -t erasekit-cli-sd14.XXXXXX)}
mkdir -p "$out"
export ERASEKIT_CACHE="$out/cache"
rm -rf "$ERASEKIT_CACHE" "$out/no-nudity"
table="$out/cli-sd14.tsv"
printf 'command\twall_s\tpeak_rss_mb\texit\n' > "$table"

run() { # name, then the erasekit arguments
  local name=$1; shift
  local rc=0
  /usr/bin/time -f '%e %M' -o "$out/$name.time" "$root/erasekit" "$@" > "$out/$name.out" 2>&1 || rc=$?
  read -r wall rss < <(tail -1 "$out/$name.time")
  printf '%s\t%s\t%.0f\t%s\n' "$name: erasekit $*" "$wall" "$((rss / 1024))" "$rc" >> "$table"
}

run inspect inspect "$model"
run erase-uce-cold erase "$model" --method uce --concept nudity -o "$out/uce.safetensors"
run erase-uce-warm erase "$model" --method uce --concept nudity -o "$out/uce.safetensors"
run erase-rece-warm erase "$model" --method rece --preset nudity --concept nudity -o "$out/rece.safetensors"
run erase-surgical erase "$model" --method surgical --concept nudity -o "$out/surgical.safetensors"
run apply apply "$model" "$out/uce.safetensors" -o "$out/no-nudity"
run generate-256 generate "$model" --prompt "a photo of a cat" --width 256 --height 256 --steps 3 --scheduler pndm --seed 0 \
    -o "$out/cat.png"
column -t -s $'\t' "$table"
echo "outputs: $out"
