# Source this: `. ./env.sh` (run_all.sh and run_timings.sh do). Override any of these before sourcing.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${SD14_SRC:=$here/src}"                               # the pinned library sources (bundled here)
: "${SD14_OUT_ROOT:?set SD14_OUT_ROOT to an empty folder outside every git repository (about 8 GB free)}"
: "${SD14_CONFIG_DIR:=$here/sd-v1-4-config}"  # the real SD v1.4 configs and tokenizer (copied from the shared research data)
export SD14_SRC SD14_OUT_ROOT SD14_CONFIG_DIR
export SD14_THREADS=${SD14_THREADS:-2}
export PY=/usr/bin/python3                            # Debian's python 3.11 (has python3-torch), not another python on PATH
export PYTHONPATH="$SD14_SRC/transformers/src:$SD14_SRC/diffusers/src:$SD14_SRC/huggingface_hub/src:$SD14_SRC/ftfy:$SD14_SRC/stubs"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 DIFFUSERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export PYTHONDONTWRITEBYTECODE=1
