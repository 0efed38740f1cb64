"""The IMPALA network on a CPU: time of one PPO minibatch update and one rollout step, with the
frames in PyTorch's default (N, C, H, W) memory order and in channels-last order, the order
``ImpalaPolicy.forward`` uses on a CPU.

Run:  .venv/bin/python benchmarks/impala_cpu.py
Writes benchmarks/impala_cpu.json and benchmarks/IMPALA_CPU.md. Sizes are the ``cpu`` preset's
(32 x 32 frames, 64 games, minibatches of 64 * 128 / 8 = 1024 frames, two torch threads) and the
64 x 64 frames of the ``gpu`` preset. Keep the machine otherwise idle: the load average is recorded.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import torch

from goalmisgen.agents.networks import ImpalaPolicy
from goalmisgen.agents.presets import PRESETS

HERE = Path(__file__).parent
ORDERS = {"(N, C, H, W)": torch.contiguous_format, "channels last": torch.channels_last}


def _outputs(net: ImpalaPolicy, frames: torch.Tensor, order) -> torch.Tensor:
    x = (frames.float() * (1.0 / 255.0)).contiguous(memory_format=order)
    h = net.body(x)
    return net.pi(h).logsumexp(-1).mean() + net.v(h).pow(2).mean()


def seconds_per_call(fn, repeats: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def measure(obs_size: int, order, minibatch: int, num_envs: int) -> dict:
    torch.manual_seed(0)
    net = ImpalaPolicy((3, obs_size, obs_size), 15)
    optimizer = torch.optim.Adam(net.parameters(), lr=5e-4, eps=1e-5)
    batch = torch.randint(0, 256, (minibatch, 3, obs_size, obs_size), dtype=torch.uint8)
    rollout = batch[:num_envs]

    def update():
        optimizer.zero_grad()
        _outputs(net, batch, order).backward()
        optimizer.step()

    def act():
        with torch.no_grad():
            _outputs(net, rollout, order)

    return {"update_s": seconds_per_call(update, 5), "act_s": seconds_per_call(act, 50)}


def main() -> None:
    cpu = PRESETS["cpu"]
    torch.set_num_threads(cpu["torch_threads"])
    minibatch = cpu["num_envs"] * cpu["num_steps"] // cpu["num_minibatches"]
    load_before = os.getloadavg()[0]
    rows = []
    for obs_size in (32, 64):
        for name, order in ORDERS.items():
            rows.append({"obs_size": obs_size, "memory order": name,
                         **measure(obs_size, order, minibatch, cpu["num_envs"])})
    load_after = os.getloadavg()[0]
    meta = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.machine(),
            "cores": os.cpu_count(), "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "minibatch": minibatch, "rollout_batch": cpu["num_envs"],
            "load_before": load_before, "load_after": load_after}
    (HERE / "impala_cpu.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    lines = [
        "# The IMPALA network on a CPU: memory order", "",
        f"Measured {meta['when']} on {meta['machine']}, {meta['cores']} cores, torch {meta['torch']} with "
        f"{meta['torch_threads']} threads, with `python benchmarks/impala_cpu.py` (load average "
        f"{load_before:.1f} before, {load_after:.1f} after). One PPO update = forward, backward and Adam on "
        f"{minibatch} frames; one rollout step = a forward pass on {meta['rollout_batch']} frames.", "",
        "| frames | memory order | PPO update (s) | rollout step (ms) | update speed-up |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        base = next(r for r in rows if r["obs_size"] == row["obs_size"] and r["memory order"] == "(N, C, H, W)")
        lines.append(f"| {row['obs_size']} x {row['obs_size']} | {row['memory order']} | {row['update_s']:.3f} | "
                     f"{1000 * row['act_s']:.1f} | {base['update_s'] / row['update_s']:.2f}x |")
    (HERE / "IMPALA_CPU.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
