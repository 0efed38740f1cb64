"""Benchmarks of speed and of learning, in one run on one machine.

(a) env steps/s at 1, 64 and 1024 envs for every grid game and view (random actions, auto-reset);
(b) goalmisgen's PPO against Stable-Baselines3's, both handed the same numpy-batched CoinRun-grid
    env, the same hyper-parameters and the same network function (learner steps/s, alternated runs);
(c) time and steps to >= 95% coin on 500 held-out levels (coin at the end), per seed, with the
    median and range over the seeds;
(d) the share of fresh seeds that learn (training coin rate >= 0.9 within the default budget,
    ``PPOConfig().total_steps``), with its Wilson interval.

Run:  python benchmarks/run.py                          (all four parts; about half an hour on a quiet 2-core machine)
      python benchmarks/run.py --parts a,b --time-seeds 5 --learn-seeds 20
      python benchmarks/run.py --before ../before        (each part on the package of another
                                                         checkout first, then on this one, back
                                                         to back: a before/after table)
Writes benchmarks/results.json and benchmarks/RESULTS.md. Timings are wall-clock and depend on the
machine's load, which is recorded beside them: compare rows measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
TIME_SEEDS_START = 0
"""Seeds of part (c): 0, 1, 2, ..."""
LEARN_SEEDS_START = 100
"""Seeds of part (d): 100, 101, ...; none of them was used to choose the defaults (those were
tuned on seeds 10-12, the claims test's fresh runs)."""
LEARNED_COIN_RATE = 0.9
"""A run "learns" once its training coin rate (recent episodes) reaches this."""


# ---------------------------------------------------------------- the parts, run in one process


def part_a(seconds: float) -> list[dict]:
    """(a): env steps/s of every grid game and view at 1, 64 and 1024 envs."""
    from game_envs import GAMES, steps_per_s  # benchmarks/ is on sys.path when this file runs

    return [{"game": name, "num_envs": n, "steps_per_s": steps_per_s(family, options, n, seconds)}
            for name, (family, options) in GAMES.items() for n in (1, 64, 1024)]


def ppo_steps_per_s(steps: int) -> float:
    from goalmisgen.agents import PPOConfig, train

    return train(PPOConfig(total_steps=steps, seed=0), progress=False).metrics["steps_per_s"]


def sb3_steps_per_s(steps: int, batched_env: bool = True) -> float:
    """SB3 PPO with the same network function and hyper-parameters as goalmisgen's PPOConfig
    defaults (SB3 normalizes advantages without a floor; that changes what is learnt, not the
    work done per step).

    batched_env=True hands SB3 the numpy-batched env (equal footing: this compares the learners);
    batched_env=False is SB3's standard path, one Gymnasium env per copy in its DummyVecEnv.
    """
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
    from torch import nn

    from goalmisgen.agents import PPOConfig
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


def part_b(steps: int, rounds: int = 3) -> dict:
    """(b): goalmisgen's PPO and SB3's on the same batched env, run alternately ``rounds`` times
    with the same number of steps, so that a change in the machine's load hits both."""
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(ppo_steps_per_s(steps))
        theirs.append(sb3_steps_per_s(steps))
    ratios = [a / b for a, b in zip(ours, theirs)]
    return {"ppo_steps_per_s": statistics.median(ours), "sb3_steps_per_s": statistics.median(theirs),
            "ppo_over_sb3_rounds": ratios, "ppo_over_sb3": statistics.median(ratios)}


def time_to_95(seed: int, max_steps: int = 4_000_000, eval_every: int = 10) -> dict:
    """Train; every ``eval_every`` iterations evaluate on 500 held-out levels (coin at the end).
    Returns the training wall time (evaluation time excluded) and steps when the held-out coin
    rate first reaches 95% (None if it does not within ``max_steps``)."""
    from goalmisgen.agents import Agent, PPOConfig, train
    from goalmisgen.analysis import evaluate

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
            found.update(train_time_s=row["time_s"] - (eval_time - (time.perf_counter() - t0)), steps=row["steps"],
                         held_out_coin_rate=rate)
            return True
        return False

    train(config, progress=False, callback=callback)
    return {"seed": seed, **(found or {"train_time_s": None, "steps": None, "held_out_coin_rate": None})}


def _each(fn, seeds, log: Path | None) -> list[dict]:
    """``fn(seed)`` for every seed; each result is also appended to ``log`` (JSON lines) as it comes."""
    runs = []
    for seed in seeds:
        runs.append(fn(seed))
        if log is not None:
            with open(log, "a") as f:
                f.write(json.dumps(runs[-1]) + "\n")
    return runs


def part_c(n_seeds: int, log: Path | None = None) -> dict:
    runs = _each(time_to_95, range(TIME_SEEDS_START, TIME_SEEDS_START + n_seeds), log)
    times = [r["train_time_s"] for r in runs if r["train_time_s"] is not None]
    steps = [r["steps"] for r in runs if r["steps"] is not None]
    return {"runs": runs, "reached": len(times), "median_s": statistics.median(times) if times else None,
            "min_s": min(times, default=None), "max_s": max(times, default=None),
            "median_steps": statistics.median(steps) if steps else None}


def learns(seed: int) -> dict:
    """Train with the default config and budget; stop once the training coin rate reaches
    ``LEARNED_COIN_RATE``. Returns whether and when it did, and the last row's rates."""
    from goalmisgen.agents import PPOConfig, train

    config = PPOConfig(seed=seed)
    reached: dict = {}

    def callback(row, policy):
        if row["coin_rate"] >= LEARNED_COIN_RATE:
            reached.update(steps=row["steps"], time_s=row["time_s"])
            return True
        return False

    result = train(config, progress=False, callback=callback)
    last = result.history[-1]
    return {"seed": seed, "learned": bool(reached), "steps": reached.get("steps"), "time_s": reached.get("time_s"),
            "budget": config.num_iterations * config.batch_size, "last_coin_rate": last["coin_rate"],
            "last_death_rate": last["death_rate"], "last_entropy": last["entropy"]}


def part_d(n_seeds: int, log: Path | None = None, workers: int = 1) -> dict:
    """(d), the seeds split over ``workers`` processes (a learning outcome does not depend on the
    load; the times it also records do)."""
    from goalmisgen.analysis.stats import rate_ci

    seeds = list(range(LEARN_SEEDS_START, LEARN_SEEDS_START + n_seeds))
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            runs = [None] * len(seeds)
            futures = {pool.submit(learns, s): i for i, s in enumerate(seeds)}
            for future in futures:
                runs[futures[future]] = future.result()
                if log is not None:
                    with open(log, "a") as f:
                        f.write(json.dumps(runs[futures[future]]) + "\n")
    else:
        runs = _each(learns, seeds, log)
    k = sum(r["learned"] for r in runs)
    return {"runs": runs, "learned": k, "n": len(runs), **{f"share_{key}": v for key, v in rate_ci(k, len(runs)).items() if key != "n"}}


PARTS = {"a": part_a, "b": part_b, "c": part_c, "d": part_d}


def run_part(name: str, args) -> dict:
    """One part in this process, with the load average before and after."""
    kwargs = {"a": {"seconds": args.env_seconds}, "b": {"steps": args.ppo_steps},
              "c": {"n_seeds": args.time_seeds, "log": args.log}, "d": {"n_seeds": args.learn_seeds, "log": args.log, "workers": args.workers}}[name]
    load, start = os.getloadavg()[0], time.perf_counter()
    out = PARTS[name](**kwargs)
    return {"result": out, "load_before": load, "load_after": os.getloadavg()[0], "wall_s": time.perf_counter() - start}


# ---------------------------------------------------------------- before/after and the table


def start_in(src: Path, name: str, args, label: str) -> subprocess.Popen:
    """Start one part in a fresh process on the package in ``src`` (a checkout's src/); each seed
    of parts (c) and (d) is logged to ``<out>/<part>_<label>.jsonl`` as it finishes."""
    log = args.out / f"{name}_{label}.jsonl"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one-part", name, f"--log={log}", *args.passthrough]
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{HERE.resolve()}"}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)


def result_of(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"a benchmark part failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def _fmt_s(v) -> str:
    return "not reached" if v is None else f"{v:.1f} s"


def table(res: dict) -> list[str]:
    """The markdown table: one column per checkout ("before", "after") and, with both, their ratio."""
    parts = res["parts"]
    cols = [c for c in ("before", "after") if c in next(iter(parts.values()))]
    both = len(cols) == 2
    lines = ["| quantity | " + " | ".join(cols) + (" | after / before |" if both else " |"),
             "|---|" + "---|" * (len(cols) + both)]

    def row(label, get, fmt=lambda v: "n/a" if v is None else f"{v:,.0f}", ratio=True):
        values = [get(parts_of(c)) for c in cols]
        cells = [fmt(v) for v in values]
        if both:
            ok = ratio and None not in values and values[0]
            cells.append(f"{values[1] / values[0]:.2f}" if ok else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def parts_of(c):
        return {k: v[c]["result"] for k, v in parts.items()}

    if "a" in parts:
        for i, r in enumerate(parts["a"][cols[0]]["result"]):
            row(f"(a) {r['game']}: env steps/s, {r['num_envs']} envs", lambda p, i=i: p["a"][i]["steps_per_s"])
    if "b" in parts:
        row("(b) goalmisgen PPO learner steps/s (256 envs x 32 steps, MLP 128x128; median of 3)", lambda p: p["b"]["ppo_steps_per_s"])
        row("(b) SB3 PPO steps/s, same batched env, hyper-parameters and network function", lambda p: p["b"]["sb3_steps_per_s"])
        row("(b) goalmisgen / SB3 (median of 3 alternated rounds; target >= 1.5)", lambda p: p["b"]["ppo_over_sb3"],
            fmt=lambda v: f"{v:.2f}")
    if "c" in parts:
        row("(c) time to >= 95% coin on 500 held-out levels, median over seeds (target <= 30 s)",
            lambda p: p["c"]["median_s"], fmt=_fmt_s)
        row("(c) range over seeds", lambda p: (p["c"]["min_s"], p["c"]["max_s"]),
            fmt=lambda v: f"{_fmt_s(v[0])} - {_fmt_s(v[1])}", ratio=False)
        row("(c) seeds that reached 95% / seeds run", lambda p: (p["c"]["reached"], len(p["c"]["runs"])),
            fmt=lambda v: f"{v[0]} / {v[1]}", ratio=False)
        row("(c) median steps to 95%", lambda p: p["c"]["median_steps"])
        for i, r in enumerate(parts["c"][cols[0]]["result"]["runs"]):
            row(f"(c) seed {r['seed']}: time (steps)", lambda p, i=i: p["c"]["runs"][i], ratio=False,
                fmt=lambda v: _fmt_s(v["train_time_s"]) + (f" ({v['steps']:,})" if v["steps"] else ""))
    if "d" in parts:
        row(f"(d) fresh seeds that learn (training coin >= {LEARNED_COIN_RATE} within the default budget; Wilson 95% CI)",
            lambda p: p["d"], ratio=False,
            fmt=lambda v: "{learned} / {n} ({share_mean:.0%}; {share_ci_low:.0%} - {share_ci_high:.0%})".format(**v))
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--parts", default="a,b,c,d", help="which parts to run, e.g. a,b")
    p.add_argument("--time-seeds", type=int, default=5, help="seeds of part (c) (>= 5 for the issue's target)")
    p.add_argument("--learn-seeds", type=int, default=20, help="seeds of part (d) (>= 20 for the issue's target)")
    p.add_argument("--ppo-steps", type=int, default=250_000, help="steps of each learner run in part (b)")
    p.add_argument("--workers", type=int, default=1, help="processes for the seeds of part (d)")
    p.add_argument("--env-seconds", type=float, default=3.0, help="seconds of each env timing in part (a)")
    p.add_argument("--before", type=Path, help="another checkout: each part runs on its package first")
    p.add_argument("--out", type=Path, default=HERE, help="folder for results.json and RESULTS.md")
    p.add_argument("--merge", action="store_true", help="keep the other parts of an earlier results.json in --out")
    p.add_argument("--one-part", help=argparse.SUPPRESS)
    p.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    args.passthrough = [f"--time-seeds={args.time_seeds}", f"--learn-seeds={args.learn_seeds}",
                        f"--ppo-steps={args.ppo_steps}", f"--env-seconds={args.env_seconds}", f"--workers={args.workers}"]
    if args.one_part:  # a child of start_in: one part, its JSON on the last line
        print(json.dumps(run_part(args.one_part, args)))
        return
    import torch

    here_src = HERE.resolve().parent / "src"
    res = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, numpy {np.__version__}",
           "command": "python benchmarks/run.py " + " ".join(sys.argv[1:]), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "parts": {}}
    if args.before:
        res["before_commit"] = subprocess.run(["git", "-C", str(args.before), "rev-parse", "--short", "HEAD"],
                                              capture_output=True, text=True).stdout.strip()
    res["after_commit"] = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.merge and (args.out / "results.json").exists():  # keep the parts this run does not redo
        old = json.loads((args.out / "results.json").read_text())
        res["parts"] = {k: v for k, v in old["parts"].items() if k not in args.parts.split(",")}
        res["earlier_runs"] = old.get("earlier_runs", []) + [{k: old[k] for k in ("command", "date") if k in old}]
    for name in args.parts.split(","):
        # timings run one checkout after the other; part (d) measures learning, not time, so with
        # one worker the two checkouts' seeds train side by side (its times are then contended)
        before = start_in(args.before.resolve() / "src", name, args, "before") if args.before else None
        if before is not None and (name != "d" or args.workers > 1):
            res["parts"].setdefault(name, {})["before"] = result_of(before)
            before = None
        after = start_in(here_src, name, args, "after")
        res["parts"].setdefault(name, {})
        if before is not None:
            res["parts"][name]["before"] = result_of(before)
        res["parts"][name]["after"] = result_of(after)
        print(f"part {name} done", file=sys.stderr, flush=True)
    (args.out / "results.json").write_text(json.dumps(res, indent=2) + "\n")
    loads = ", ".join(f"({k}) {v[c]['load_before']:.1f} -> {v[c]['load_after']:.1f}" for k, v in res["parts"].items() for c in v)
    lines = ["# Benchmarks", "",
             f"Measured {res['date']} on {res['machine']} with `{res['command']}`"
             + (f"; before = commit {res['before_commit']}, after = commit {res['after_commit']}, each part run on both back to back" if args.before else "")
             + f". Load average (1 min) before -> after each part: {loads}.", ""] + table(res)
    (args.out / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
