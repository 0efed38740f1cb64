"""Command line: ``python -m goalmisgen {train,evaluate,regenerate} ...``.

Stable contract (other tools rely on it)::

    python -m goalmisgen train coinrun --seed S --steps N --coin-placement end --out PATH
    python -m goalmisgen evaluate coinrun --agent PATH --coin-placement random --levels N --start-level S --json
    python -m goalmisgen regenerate headline

``evaluate --json`` prints one JSON object: ``coin_collected``, ``reached_end``, ``died``,
``timed_out`` (each ``{"mean", "ci_low", "ci_high", "n"}``, over all levels), ``n_levels``,
``n_good_levels``, and ``good_levels`` (the same metrics over the good levels only).
"""

from __future__ import annotations

import argparse
import json
import sys

from goalmisgen.envs.coinrun import HELD_OUT_START

ENVS = ("coinrun",)


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
    t.add_argument("--out", required=True, help="checkpoint path (.pt)")
    t.add_argument("--no-progress", action="store_true")

    e = sub.add_parser("evaluate", help="evaluate a checkpoint on held-out levels")
    e.add_argument("env", choices=ENVS)
    e.add_argument("--agent", required=True, help="checkpoint path")
    e.add_argument("--coin-placement", default="random", choices=("end", "random"))
    e.add_argument("--levels", type=int, default=1000)
    e.add_argument("--start-level", type=int, default=HELD_OUT_START)
    e.add_argument("--filter-runs", type=int, default=5, help="plays per level for the good-levels filter (0: off)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--deterministic", action="store_true")
    e.add_argument("--json", action="store_true", help="print one JSON object")

    r = sub.add_parser("regenerate", help="re-run a named experiment that writes data/ artifacts")
    r.add_argument("experiment", choices=("headline", "all"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            from goalmisgen.agents import PPOConfig, save_agent, train

            config = PPOConfig(
                total_steps=args.steps,
                seed=args.seed,
                env_options={
                    "coin_placement": args.coin_placement,
                    "random_fraction": args.random_fraction,
                    "num_levels": args.num_levels,
                    "start_level": args.start_level,
                },
            )
            result = train(config, progress=not args.no_progress)
            path = save_agent(result, args.out)
            print(json.dumps({"out": str(path), **result.metrics}))
        elif args.command == "evaluate":
            from goalmisgen.agents import load_agent
            from goalmisgen.analysis import evaluate

            agent = load_agent(args.agent)
            ev = evaluate(agent, n_levels=args.levels, start_level=args.start_level, coin_placement=args.coin_placement,
                          filter_runs=args.filter_runs, deterministic=args.deterministic, seed=args.seed)
            d = ev.to_json_dict()
            if args.json:
                print(json.dumps(d))
            else:
                for k in ("coin_collected", "reached_end", "died", "timed_out"):
                    v, g = d[k], d["good_levels"][k]
                    print(f"{k:15s} all {v['mean']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}]   "
                          f"good {g['mean']:.3f} [{g['ci_low']:.3f}, {g['ci_high']:.3f}]")
                print(f"levels: {d['n_levels']}, good levels: {d['n_good_levels']}")
        elif args.command == "regenerate":
            from goalmisgen.experiments import EXPERIMENTS

            for name in EXPERIMENTS if args.experiment == "all" else [args.experiment]:
                EXPERIMENTS[name]()
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
