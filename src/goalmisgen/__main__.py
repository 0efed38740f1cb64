"""Command line: ``python -m goalmisgen {train,evaluate,regenerate} ...``.

Stable contract (other tools rely on it)::

    python -m goalmisgen train coinrun --seed S --steps N --coin-placement end --out PATH
    python -m goalmisgen evaluate coinrun --agent PATH --coin-placement random --levels N --start-level S --json
    python -m goalmisgen train procgen-coinrun --preset gpu --seed S --steps N --out PATH
    python -m goalmisgen evaluate procgen-coinrun --agent PATH --coin-placement random --levels N --start-level S --json
    python -m goalmisgen regenerate headline

``evaluate --json`` prints one JSON object: ``coin_collected``, ``reached_end``, ``died``,
``timed_out`` (each ``{"mean", "ci_low", "ci_high", "n"}``, over all levels), ``n_levels``,
``n_good_levels``, and ``good_levels`` (the same metrics over the good levels only).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

ENVS = ("coinrun", "procgen-coinrun")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m goalmisgen", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a PPO agent and save a checkpoint")
    t.add_argument("env", choices=ENVS)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--steps", type=int, default=2_500_000)
    t.add_argument("--coin-placement", default="end", choices=("end", "random"))
    t.add_argument("--random-fraction", type=float, default=0.0)
    t.add_argument("--num-levels", type=int, default=0)
    t.add_argument("--start-level", type=int, default=0)
    t.add_argument("--preset", default="cpu", choices=("cpu", "gpu"), help="procgen-coinrun only: PPO settings (agents/presets.py)")
    t.add_argument("--device", default=None, help="override the network's device (cpu, cuda)")
    t.add_argument("--max-minutes", type=float, default=None, help="stop after this much wall time (the checkpoint records the steps done)")
    t.add_argument("--checkpoint-every", type=int, default=0, help="also save to --out every this many iterations (0: only at the end)")
    t.add_argument("--out", required=True, help="checkpoint path (.pt)")
    t.add_argument("--no-progress", action="store_true")

    e = sub.add_parser("evaluate", help="evaluate a checkpoint on held-out levels")
    e.add_argument("env", choices=ENVS)
    e.add_argument("--agent", required=True, help="checkpoint path")
    e.add_argument("--coin-placement", default="random", choices=("end", "random", "none"), help='"none" (coin removed): procgen-coinrun only')
    e.add_argument("--levels", type=int, default=1000)
    e.add_argument("--start-level", type=int, default=None, help="first level seed (default: the held-out levels)")
    e.add_argument("--filter-runs", type=int, default=5, help="plays per level for the good-levels filter (0: off)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--deterministic", action="store_true")
    e.add_argument("--device", default="cpu", help="where the agent's network runs (cpu, cuda)")
    e.add_argument("--json", action="store_true", help="print one JSON object")

    r = sub.add_parser("regenerate", help="re-run a named experiment that writes data/ artifacts")
    r.add_argument("experiment", choices=("headline", "procgen", "procgen-cpu", "all"))
    return p


def _train(args) -> None:
    from goalmisgen.agents import PPOConfig, save_agent, save_policy, train

    env_options = {"coin_placement": args.coin_placement, "random_fraction": args.random_fraction,
                   "num_levels": args.num_levels, "start_level": args.start_level}
    overrides = {} if args.device is None else {"device": args.device}
    if args.env == "procgen-coinrun":
        from goalmisgen.agents.presets import procgen_config

        config = procgen_config(args.preset, args.seed, args.steps, **overrides)
        config.env_options.update(env_options)
    else:
        config = PPOConfig(total_steps=args.steps, seed=args.seed, env_options=env_options, **overrides)
    start = time.perf_counter()

    def callback(row, policy):
        if args.checkpoint_every and row["iteration"] % args.checkpoint_every == 0:
            save_policy(policy, config, {k: v for k, v in row.items() if isinstance(v, (int, float))}, args.out)
        return args.max_minutes is not None and time.perf_counter() - start > 60 * args.max_minutes

    result = train(config, progress=not args.no_progress, callback=callback)
    path = save_agent(result, args.out, extra={"history": result.history})
    print(json.dumps({"out": str(path), **result.metrics}))


def _evaluate(args) -> None:
    from goalmisgen.agents import load_agent

    agent = load_agent(args.agent, device=args.device)
    common = dict(n_levels=args.levels, coin_placement=args.coin_placement, filter_runs=args.filter_runs,
                  deterministic=args.deterministic, seed=args.seed)
    if args.env == "procgen-coinrun":
        from goalmisgen.analysis.evaluate_procgen import evaluate_procgen

        ev = evaluate_procgen(agent, start_level=args.start_level, **common)
    else:
        from goalmisgen.analysis import evaluate
        from goalmisgen.envs.coinrun import HELD_OUT_START

        ev = evaluate(agent, start_level=HELD_OUT_START if args.start_level is None else args.start_level, **common)
    d = ev.to_json_dict()
    if args.json:
        print(json.dumps(d))
        return
    for k in ("coin_collected", "reached_end", "died", "timed_out"):
        v, g = d[k], d["good_levels"][k]
        print(f"{k:15s} all {v['mean']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}]   "
              f"good {g['mean']:.3f} [{g['ci_low']:.3f}, {g['ci_high']:.3f}]")
    print(f"levels: {d['n_levels']}, good levels: {d['n_good_levels']}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            _train(args)
        elif args.command == "evaluate":
            _evaluate(args)
        elif args.command == "regenerate":
            from goalmisgen.experiments import EXPERIMENTS

            for name in EXPERIMENTS if args.experiment == "all" else [args.experiment]:
                EXPERIMENTS[name]()
    except (ValueError, FileNotFoundError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
