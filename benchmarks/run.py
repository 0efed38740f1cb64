"""Benchmarks: environment and PPO throughput, time to 95% coin, and a Stable-Baselines3 ratio.

Run:  .venv/bin/python benchmarks/run.py        (or: make bench)
      .venv/bin/python benchmarks/run.py --ppo-vs-sb3   (only goalmisgen's PPO against SB3's)
Writes benchmarks/results.json and benchmarks/RESULTS.md (the table quoted in the README).
Timings are wall-clock on whatever machine runs this; keep the machine otherwise idle.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from goalmisgen.agents import Agent, PPOConfig, train
from goalmisgen.analysis import evaluate

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv


def env_steps_per_s(num_envs: int, seconds: float = 3.0) -> float:
    """CoinRun-grid's env steps/s (random actions, auto-reset): game_envs.steps_per_s for "coinrun"."""
    from game_envs import steps_per_s  # benchmarks/ is on sys.path when this file runs as a script

    return steps_per_s("coinrun", {}, num_envs, seconds)


def time_to_95(seed: int, max_steps: int = 4_000_000, eval_every: int = 10) -> dict:
    """Train; every few iterations evaluate on 500 held-out levels (coin at the end). Returns the
    training wall time (evaluation time excluded) when the held-out coin rate first reaches 95%."""
    config = PPOConfig(total_steps=max_steps, seed=seed)
    found: dict = {}
    eval_time = 0.0

    def callback(row, policy):
        nonlocal eval_time
        if row["iteration"] % eval_every:
            return False
        t0 = time.perf_counter()
        agent = Agent(policy, config.env, config.env_options, config, {})
        rate = evaluate(agent, n_levels=500, coin_placement="end", filter_runs=0, seed=seed).summary["coin_collected"]["mean"]
        eval_time += time.perf_counter() - t0
        if rate >= 0.95:
            found.update(train_time_s=row["time_s"] - (eval_time - (time.perf_counter() - t0)), steps=row["steps"], held_out_coin_rate=rate)
            return True
        return False

    train(config, progress=False, callback=callback)
    return found or {"train_time_s": None, "steps": None, "held_out_coin_rate": None}


def ppo_steps_per_s(steps: int) -> float:
    return train(PPOConfig(total_steps=steps, seed=0), progress=False).metrics["steps_per_s"]


def ppo_vs_sb3(steps: int, rounds: int = 3) -> dict:
    """goalmisgen's PPO and SB3's on the same batched env, run alternately ``rounds`` times with
    the same number of steps, so that a change in the machine's load hits both. Returns the
    median steps/s of each, the per-round ratios and their median."""
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(ppo_steps_per_s(steps))
        theirs.append(sb3_steps_per_s(steps))
    ratios = [a / b for a, b in zip(ours, theirs)]
    return {"ppo_steps_per_s": statistics.median(ours), "sb3_steps_per_s": statistics.median(theirs),
            "ppo_over_sb3_rounds": ratios, "ppo_over_sb3": statistics.median(ratios)}


def sb3_steps_per_s(steps: int, batched_env: bool = True) -> float:
    """SB3 PPO with the same network and hyper-parameters as goalmisgen's PPOConfig defaults.

    batched_env=True hands SB3 the numpy-batched env (equal footing: this compares the learners);
    batched_env=False is SB3's standard path, one Gymnasium env per copy in its DummyVecEnv.
    """
    from stable_baselines3 import PPO
    from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
    from torch import nn

    from goalmisgen.envs.sb3_adapter import SB3CoinRunVecEnv

    class Body(BaseFeaturesExtractor):
        """The same body as goalmisgen's MLPPolicy (flatten, 2 x 128 ReLU)."""

        def __init__(self, space):
            super().__init__(space, features_dim=128)
            n = int(np.prod(space.shape))
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(n, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU())

        def forward(self, obs):
            return self.net(obs.float())

    c = PPOConfig()
    torch.set_num_threads(c.torch_threads)
    if batched_env:
        env = SB3CoinRunVecEnv(c.num_envs, seed=0, coin_placement="end")
    else:
        from stable_baselines3.common.env_util import make_vec_env

        from goalmisgen.envs import CoinRunGridEnv

        env = make_vec_env(CoinRunGridEnv, n_envs=c.num_envs, seed=0, env_kwargs={"coin_placement": "end"})
    model = PPO(
        "MlpPolicy", env, n_steps=c.num_steps, batch_size=c.batch_size // c.num_minibatches, n_epochs=c.update_epochs,
        learning_rate=c.learning_rate, gamma=c.gamma, gae_lambda=c.gae_lambda, clip_range=c.clip_coef,
        ent_coef=c.ent_coef, vf_coef=c.vf_coef, max_grad_norm=c.max_grad_norm, seed=0, device="cpu",
        policy_kwargs={"features_extractor_class": Body, "net_arch": []},
    )
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    return model.num_timesteps / (time.perf_counter() - start)


def main() -> None:
    seeds = (0, 1, 2) if not QUICK else (0,)
    ppo_budget = 500_000 if not QUICK else 100_000
    res = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, numpy {np.__version__}",
        "command": "python benchmarks/run.py",
        "date": time.strftime("%Y-%m-%d"),
        "env_steps_per_s": {str(n): env_steps_per_s(n) for n in (1, 64, 1024)},
        **ppo_vs_sb3(ppo_budget // 2, rounds=3),
        "sb3_dummyvecenv_steps_per_s": sb3_steps_per_s(ppo_budget // 8, batched_env=False),
    }
    res["ppo_over_sb3_dummyvecenv"] = res["ppo_steps_per_s"] / res["sb3_dummyvecenv_steps_per_s"]
    runs = [time_to_95(s) for s in seeds]
    res["time_to_95"] = runs
    times = [r["train_time_s"] for r in runs if r["train_time_s"] is not None]
    res["time_to_95_median_s"] = statistics.median(times) if len(times) == len(runs) else None
    (HERE / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    lines = [
        "# Benchmarks",
        "",
        f"Measured {res['date']} on {res['machine']} with `{res['command']}`.",
        "",
        "| quantity | value | target |",
        "|---|---|---|",
    ]
    for n, v in res["env_steps_per_s"].items():
        lines.append(f"| CoinRun-grid env steps/s, {n} envs (random actions, auto-reset) | {v:,.0f} | {'>= 2,000,000' if n == '1024' else ''} |")
    lines += [
        f"| goalmisgen PPO steps/s (256 envs x 32 steps, MLP 128x128; median of 3) | {res['ppo_steps_per_s']:,.0f} | |",
        f"| Stable-Baselines3 PPO steps/s, SB3's standard DummyVecEnv of 256 `CoinRunGridEnv` (same network, hyper-parameters) | {res['sb3_dummyvecenv_steps_per_s']:,.0f} | |",
        f"| ratio goalmisgen / SB3 (standard DummyVecEnv) | {res['ppo_over_sb3_dummyvecenv']:.2f} | >= 3 |",
        f"| Stable-Baselines3 PPO steps/s, handed our numpy-batched env (`SB3CoinRunVecEnv`) | {res['sb3_steps_per_s']:,.0f} | |",
        f"| ratio goalmisgen / SB3 (both on the batched env: learner against learner; median of 3 alternated runs) | {res['ppo_over_sb3']:.2f} | >= 1.5 |",
    ]
    for s, r in zip(seeds, runs):
        t = "not reached" if r["train_time_s"] is None else f"{r['train_time_s']:.1f} s ({r['steps']:,} steps)"
        lines.append(f"| time to >= 95% coin on 500 held-out levels, seed {s} | {t} | |")
    med = res["time_to_95_median_s"]
    lines.append(f"| median time to 95% | {'n/a' if med is None else f'{med:.1f} s'} | <= 60 s |")
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if "--ppo-vs-sb3" in sys.argv:  # only the learner comparison: python benchmarks/run.py --ppo-vs-sb3
        print(json.dumps(ppo_vs_sb3(250_000 if not QUICK else 50_000, rounds=3), indent=2))
    else:
        main()
