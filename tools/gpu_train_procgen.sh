#!/usr/bin/env bash
# Train the full-size procgen CoinRun agent (IMPALA, 64 x 64 RGB, preset "gpu") on one GPU for a
# fixed wall-time budget, then evaluate it with the coin at the end and moved (Langosco protocol).
# Usage: bash tools/gpu_train_procgen.sh OUT_DIR [MINUTES]   (needs the package and procgen installed)
# procgen's libenv.so links libGL and libglib: a bare GPU image may lack them (Debian packages
# libgl1 libglx0 libglvnd0 libopengl0 libglib2.0-0 libpcre2-8-0 and the X11 client libraries).
set -euo pipefail
out=${1:?usage: gpu_train_procgen.sh OUT_DIR [MINUTES]}
minutes=${2:-6}
agent="$out/procgen_gpu_seed0.pt"
export PYTHONUNBUFFERED=1
python3 -m goalmisgen train procgen-coinrun --preset gpu --seed 0 --steps 200000000 \
    --max-minutes "$minutes" --checkpoint-every 5 --out "$agent" --no-progress | tee "$out/train.json"
for placement in end random; do
    python3 -m goalmisgen evaluate procgen-coinrun --agent "$agent" --device cuda --coin-placement "$placement" \
        --levels 300 --start-level 0 --filter-runs 3 --json > "$out/eval_$placement.json"
    head -c 400 "$out/eval_$placement.json"; echo
done
