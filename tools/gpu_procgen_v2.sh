#!/usr/bin/env bash
# Chapter 5's procgen CoinRun agents, made and measured in one lease of a GPU machine (16 cores):
#   1. train a new agent with preset "gpu" (procgen's PPO setup with reward normalization, easy
#      mode, unlimited levels, coin at the end) for MINUTES of wall time;
#   2. meanwhile, on spare cores, evaluate the shipped CPU agent and the earlier GPU agent;
#   3. then evaluate the new agent.
# Each evaluation: levels 0..LEVELS-1, coin at the end and moved, good-levels filter with 3 plays,
# in shards of 10 levels (python -m goalmisgen.analysis.evaluate_procgen); shards unfinished when
# DEADLINE_S seconds have passed since the start are dropped (the manifest says how many levels).
# Writes OUT/gpu/{procgen_gpu_seed0.pt,episodes.csv,manifest.json}, OUT/cpu/..., OUT/gpu_old/..., OUT/log.txt.
#
# Usage: bash tools/gpu_procgen_v2.sh OUT [MINUTES] [LEVELS] [DEADLINE_S]
# Optional environment: BUNDLE=folder with whl/ (wheels to install: procgen-mirror and its
# needs), lib/ (system libraries libenv.so links: libGL, libglib, X11 client) and src/ (this
# package); TRAIN_ARGS=extra arguments for the training command (a dry run on a CPU:
# TRAIN_ARGS="--preset cpu --device cpu"); EVAL_DEVICE (default cuda); WORKERS (default 14).
set -uo pipefail
out=${1:?usage: gpu_procgen_v2.sh OUT [MINUTES] [LEVELS] [DEADLINE_S]}
minutes=${2:-5}
levels=${3:-1000}
deadline=${4:-540}
eval_device=${EVAL_DEVICE:-cuda}
workers=${WORKERS:-14}
root=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
mkdir -p "$out/gpu" "$out/cpu" "$out/gpu_old"
exec > >(tee "$out/log.txt") 2>&1
export PYTHONUNBUFFERED=1
if [ -n "${BUNDLE:-}" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "$BUNDLE"/whl/*.whl || exit 1
    export PYTHONPATH="$BUNDLE/src:/tmp/site" LD_LIBRARY_PATH="$BUNDLE/lib:${LD_LIBRARY_PATH:-}"
fi
python3 - <<'EOF' || exit 1
import numpy as np, torch
from goalmisgen.envs.procgen_coinrun import ProcgenCoinRunVecEnv
env = ProcgenCoinRunVecEnv(num_envs=2, distribution_mode="easy")
env.reset(seed=0)
env.step(np.array([7, 7]))
print("procgen works; torch", torch.__version__, "cuda", torch.cuda.is_available())
EOF
machine="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 || echo 'no GPU'), $(nproc) CPU cores, torch $(python3 -c 'import torch; print(torch.__version__)'), Python $(python3 -c 'import platform; print(platform.python_version())')"
echo "machine: $machine; started $(date -u)"

evaluate() {  # agent out workers made_by trained_on
    python3 -m goalmisgen.analysis.evaluate_procgen "$1" "$2" --levels "$levels" --filter-runs 3 --shard-size 10 \
        --workers "$3" --device "$eval_device" --time-limit "$(( deadline - SECONDS - 10 > 30 ? deadline - SECONDS - 10 : 30 ))" --made-by "$4" --trained-on "$5"
}
cpu_made_by="$(python3 -c 'from goalmisgen.experiments.procgen_evaluation import PROCGEN_AGENTS; print(PROCGEN_AGENTS["cpu"]["made_by"])')"
cpu_trained_on="$(python3 -c 'from goalmisgen.experiments.procgen_evaluation import PROCGEN_AGENTS; print(PROCGEN_AGENTS["cpu"]["trained_on"])')"
side_workers=$([ "$minutes" = 0 ] && echo $((workers / 2)) || echo 3)  # MINUTES=0: only evaluate the shipped agents
evaluate "$root/data/procgen_coinrun_cpu/procgen_cpu_seed0.pt" "$out/cpu" "$side_workers" "$cpu_made_by" "$cpu_trained_on" &
side=($!)
evaluate "$root/data/procgen_coinrun/procgen_gpu_seed0.pt" "$out/gpu_old" "$((side_workers - 1))" "bash tools/gpu_train_procgen.sh OUT 4.5" "one NVIDIA H200 GPU, 16 CPU cores" &
side+=($!)
# wait for these two only: a bare `wait` would also wait for the log's tee, which never ends
[ "$minutes" = 0 ] && { wait "${side[@]}"; echo "done at ${SECONDS}s"; ls -la "$out"/*; exit 0; }

train="python -m goalmisgen train procgen-coinrun --preset gpu --seed 0 --steps 200000000 --max-minutes $minutes --checkpoint-every 5 --out PATH"
python3 -m goalmisgen train procgen-coinrun --preset gpu --seed 0 --steps 200000000 --max-minutes "$minutes" \
    --checkpoint-every 5 --out "$out/gpu/procgen_gpu_seed0.pt" --no-progress ${TRAIN_ARGS:-}
echo "trained at ${SECONDS}s"
evaluate "$out/gpu/procgen_gpu_seed0.pt" "$out/gpu" "$workers" "bash tools/gpu_procgen_v2.sh OUT $minutes: $train ${TRAIN_ARGS:-}" "$machine"
wait "${side[@]}"
echo "done at ${SECONDS}s"
ls -la "$out"/*
