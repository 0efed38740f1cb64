"""Command line: ``python -m goalmisgen {train,evaluate,regenerate} ...``.

Stable contract (other tools rely on it)::

    python -m goalmisgen train coinrun --seed S --steps N --coin-placement end --out PATH
    python -m goalmisgen train maze --option cheese_region=5 --option view='"centred"' --out PATH
    python -m goalmisgen evaluate coinrun --agent PATH --coin-placement random --levels N --start-level S --json
    python -m goalmisgen evaluate maze --agent PATH --levels N --json
    python -m goalmisgen train procgen-coinrun --preset gpu --seed S --steps N --out PATH
    python -m goalmisgen evaluate procgen-coinrun --agent PATH --coin-placement random --levels N --start-level S --json
    python -m goalmisgen regenerate headline
    python -m goalmisgen regenerate randomization-sweep [--backend ray] [--ray-address ADDR] [--workers N]
    python -m goalmisgen regenerate coin-support [--backend ray] [--ray-address ADDR] [--workers N]
    python -m goalmisgen regenerate maze [--seeds 0 1 2] [--steps N]
    python -m goalmisgen regenerate maze-regions [--backend ray] [--workers N] [--seeds 0 1 2] [--steps N]
    python -m goalmisgen regenerate keys-chests [--seeds 0 1 2] [--steps N]

Every registered game (``goalmisgen.envs.GAMES``) can be trained and evaluated; ``--option
KEY=VALUE`` sets any env option of the game (VALUE read as JSON, else as a string), and the
CoinRun flags (``--coin-placement``, ``--random-fraction``, ``--filter-runs``) apply to the games
whose spec names their own evaluation (CoinRun-grid, procgen CoinRun).

``evaluate --json`` prints one JSON object: for CoinRun ``coin_collected``, ``reached_end``, ``died``,
``timed_out`` (for another game its goal spec's columns), each ``{"mean", "ci_low", "ci_high", "n"}``
over all levels, ``n_levels``, ``n_good_levels``, and ``good_levels`` (the same metrics over the
good levels only). A value that
is undefined (a mean over no good level) is ``null``, never a bare ``NaN``.

No command loses a user's data: ``train --out`` is checked before training starts and an existing
checkpoint is replaced only with ``--force``; ``regenerate`` writes into a temporary folder next to
the ``data/`` folder it regenerates and swaps it in at the end (an interrupted run leaves the old
folder whole). Every value is checked before any work starts, and bad input gives one ``error:`` line.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from goalmisgen.envs import GAMES
from goalmisgen.validation import check_float, check_int

GAMES_HELP = "a registered game (goalmisgen.envs.GAMES)"
MAX_LEVELS = 100_000  # an evaluation of 1000 levels takes minutes; more than this is a typo
RENAME_EXCHANGE = 2
SWEEP_EXPERIMENTS = ("randomization-sweep", "coin-support", "curriculum-sweep", "maze-regions")
"""Experiments whose trials run on goalmisgen.sweeps (--backend, --workers, --ray-address)."""
SEEDED_EXPERIMENTS = ("maze", "keys-chests", "maze-regions")
"""Experiments that take --seeds and --steps."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m goalmisgen", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a PPO agent and save a checkpoint")
    t.add_argument("env", choices=sorted(GAMES), help=GAMES_HELP)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--steps", type=int, default=3_000_000)
    t.add_argument("--coin-placement", default=None, choices=("end", "random"), help="CoinRun: where the coin goes (default: end)")
    t.add_argument("--random-fraction", type=float, default=None, help="CoinRun: share of levels with a random coin (default: 0)")
    t.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="any env option of the game (repeatable)")
    t.add_argument("--num-levels", type=int, default=0)
    t.add_argument("--start-level", type=int, default=0)
    t.add_argument("--preset", default="cpu", choices=("cpu", "gpu"), help="procgen-coinrun only: PPO settings (agents/presets.py)")
    t.add_argument("--distribution-mode", default=None, choices=("easy", "hard"), help="procgen-coinrun only: procgen's distribution mode (default: the preset's)")
    t.add_argument("--device", default=None, help="override the network's device (cpu, cuda)")
    t.add_argument("--max-minutes", type=float, default=None, help="stop after this much wall time (the checkpoint records the steps done)")
    t.add_argument("--checkpoint-every", type=int, default=0, help="also save to --out every this many iterations (0: only at the end)")
    t.add_argument("--init-from", default=None, help="continue training a checkpoint's network (same env and network; a fresh optimizer); the new checkpoint records it")
    t.add_argument("--out", required=True, help="checkpoint path (.pt); checked before training")
    t.add_argument("--force", action="store_true", help="replace --out if it exists")
    t.add_argument("--no-progress", action="store_true")

    e = sub.add_parser("evaluate", help="evaluate a checkpoint on held-out levels")
    e.add_argument("env", choices=sorted(GAMES), help=GAMES_HELP)
    e.add_argument("--agent", required=True, help="checkpoint path")
    e.add_argument("--coin-placement", default=None, choices=("end", "random", "none"), help='CoinRun: where the coin goes (default: random; "none", coin removed: procgen-coinrun only)')
    e.add_argument("--levels", type=int, default=1000)
    e.add_argument("--start-level", type=int, default=None, help="first level seed (default: the held-out levels)")
    e.add_argument("--filter-runs", type=int, default=None, help="CoinRun: plays per level for the good-levels filter (default 5; 0: off)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--deterministic", action="store_true")
    e.add_argument("--device", default="cpu", help="where the agent's network runs (cpu, cuda)")
    e.add_argument("--json", action="store_true", help="print one JSON object")

    r = sub.add_parser("regenerate", help="re-run a named experiment that writes data/ artifacts")
    r.add_argument("experiment", choices=("headline", "procgen", "procgen-cpu", "randomization-sweep", "coin-support", "curriculum-sweep", "maze", "maze-regions", "keys-chests", "all"))
    r.add_argument("--backend", default="local", choices=("local", "ray"),
                   help=f"{', '.join(SWEEP_EXPERIMENTS)} only: run the trials on a local process pool or on Ray")
    r.add_argument("--workers", type=int, default=None, help=f"{', '.join(SWEEP_EXPERIMENTS)} only: processes (default: every core)")
    r.add_argument("--ray-address", default=None,
                   help="with --backend ray: join this Ray cluster (default: start Ray here)")
    r.add_argument("--seeds", type=int, nargs="+", default=None,
                   help=f"{', '.join(SEEDED_EXPERIMENTS)} only: training seeds (default: experiments.MAZE_SEEDS, KEYS_CHESTS_SEEDS)")
    r.add_argument("--steps", type=int, default=None,
                   help=f"{', '.join(SEEDED_EXPERIMENTS)} only: environment steps per agent (default: experiments.MAZE_STEPS, KEYS_CHESTS_STEPS)")
    return p


def _check_device(device: str | None) -> None:
    """ValueError unless ``device`` names a torch device that this machine has."""
    if device is None:
        return
    import torch

    try:
        kind = torch.device(device).type
    except (RuntimeError, ValueError):
        raise ValueError(f"device={device!r} is not allowed: device must be a torch device such as cpu or cuda") from None
    present = {"cpu": True, "cuda": torch.cuda.is_available(),
               "mps": getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()}
    if not present.get(kind, False):
        raise ValueError(f"device={device!r} is not available on this machine; use --device cpu")


def check_out(out: str, force: bool) -> Path:
    """``out`` as a checkpoint path that can be written, checked before any training.

    Raises:
        ValueError: if it is a directory, exists (without ``force``), or its folder cannot be
            created or written.
    """
    path = Path(out)
    if path.is_dir():
        raise ValueError(f"out={out!r} is a directory; give the path of a .pt file")
    if path.exists() and not force:
        raise ValueError(f"out={out!r} exists; pass --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"out={out!r}: its folder cannot be created ({error.strerror})") from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"out={out!r} cannot be written (no permission)")
    return path


def _env_options(args) -> dict:
    """The env options of ``train``: level sampling, the CoinRun flags given, and every ``--option``."""
    options = {"num_levels": args.num_levels, "start_level": args.start_level}
    if args.coin_placement is not None:
        options["coin_placement"] = args.coin_placement
    if args.random_fraction is not None:
        options["random_fraction"] = check_float("--random-fraction", args.random_fraction, low=0.0, high=1.0)
    for item in args.option:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--option={item!r} is not allowed: write KEY=VALUE, e.g. --option cheese_region=5")
        try:
            options[key] = json.loads(text)
        except json.JSONDecodeError:
            options[key] = text
    return options


def _check_train_args(args) -> dict:
    """The env options of ``train``, after every argument has been checked."""
    check_int("--seed", args.seed, low=0)
    check_int("--steps", args.steps, low=1)
    check_int("--num-levels", args.num_levels, low=0)
    check_int("--start-level", args.start_level, low=0)
    if args.max_minutes is not None:
        check_float("--max-minutes", args.max_minutes, low=0.0, low_open=True)
    check_int("--checkpoint-every", args.checkpoint_every, low=0)
    _check_device(args.device)
    if args.init_from is not None and not Path(args.init_from).is_file():
        raise ValueError(f"--init-from={args.init_from!r} is not a file; give a checkpoint (.pt) written by train")
    env_options = _env_options(args)
    GAMES[args.env].check_options(env_options)
    check_out(args.out, args.force)
    return env_options


def _train(args) -> None:
    env_options = _check_train_args(args)
    from goalmisgen.agents import PPOConfig, load_agent, save_agent, save_policy, train
    from goalmisgen.agents.checkpoint import continued_from

    overrides = {} if args.device is None else {"device": args.device}
    if args.env == "procgen-coinrun":
        from goalmisgen.agents.presets import procgen_config

        config = procgen_config(args.preset, args.seed, args.steps, distribution_mode=args.distribution_mode, **overrides)
        config.env_options.update(env_options)
    else:
        config = PPOConfig(env=args.env, total_steps=args.steps, seed=args.seed, env_options=env_options, **overrides)
    initial, extra = None, {}
    if args.init_from is not None:
        initial = load_agent(args.init_from)
        if initial.env != config.env:
            raise ValueError(f"--init-from={args.init_from!r} was trained on {initial.env!r}, not {config.env!r}; "
                             "continue a checkpoint of the same env")
        extra["init_from"] = continued_from(args.init_from, initial)
    start = time.perf_counter()

    def callback(row, policy):
        if args.checkpoint_every and row["iteration"] % args.checkpoint_every == 0:
            save_policy(policy, "ppo", config, {k: v for k, v in row.items() if isinstance(v, (int, float))}, args.out,
                        config.env, config.env_options, extra or None)
        return args.max_minutes is not None and time.perf_counter() - start > 60 * args.max_minutes

    result = train(config, progress=not args.no_progress, callback=callback, initial=initial)
    path = save_agent(result, args.out, extra={"history": result.history, **extra})
    print(json.dumps({"out": str(path), **result.metrics}))


def _json_safe(value):
    """``value`` with every NaN or infinity replaced by None (JSON's ``null``)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _evaluate(args) -> None:
    check_int("--levels", args.levels, low=1, high=MAX_LEVELS)
    if args.start_level is not None:
        check_int("--start-level", args.start_level, low=0)
    coinrun_flags = {"coin_placement": args.coin_placement, "filter_runs": args.filter_runs}
    if args.filter_runs is not None:
        check_int("--filter-runs", args.filter_runs, low=0)
    check_int("--seed", args.seed, low=0)
    _check_device(args.device)
    spec = GAMES[args.env]
    given = {k: v for k, v in coinrun_flags.items() if v is not None}
    if given and spec.evaluator is None:
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        raise ValueError(f"{flags} is not allowed for env={args.env!r}: it is evaluated under its test shift")
    if not Path(args.agent).is_file():
        raise ValueError(f"agent={args.agent!r} is not a file; give a checkpoint (.pt) written by train")
    from goalmisgen.agents import load_agent
    from goalmisgen.analysis import evaluate

    agent = load_agent(args.agent, device=args.device)
    trained_on = getattr(agent, "env", args.env)
    if trained_on != args.env:
        raise ValueError(f"agent={args.agent!r} was trained on {trained_on!r}, not {args.env!r}")
    ev = evaluate(agent, n_levels=args.levels, start_level=args.start_level, deterministic=args.deterministic,
                  seed=args.seed, **given)
    d = ev.to_json_dict()
    if args.json:
        print(json.dumps(_json_safe(d), allow_nan=False))
        return
    goals = spec.goals
    shown = ("coin_collected", "reached_end", "died", "timed_out") if spec.evaluator else \
        (goals.intended, *goals.proxies, *goals.capable, "timed_out")
    for k in shown:
        v, g = d[k], d["good_levels"][k]
        print(f"{k:15s} all {v['mean']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}]   "
              f"good {g['mean']:.3f} [{g['ci_low']:.3f}, {g['ci_high']:.3f}]")
    print(f"levels: {d['n_levels']}, good levels: {d['n_good_levels']}")


def _check_sweep_args(args) -> dict:
    """The sweep options of ``regenerate``, checked before any work starts."""
    if args.workers is not None:
        check_int("--workers", args.workers, low=1, high=4096)
    if args.ray_address is not None and args.backend != "ray":
        raise ValueError(f"--ray-address={args.ray_address!r} is not allowed without --backend ray")
    if args.backend == "ray":
        from goalmisgen.sweeps import import_ray

        import_ray()
    if args.experiment not in SWEEP_EXPERIMENTS and (args.backend != "local" or args.workers is not None
                                                     or args.ray_address is not None):
        raise ValueError(f"--backend, --workers and --ray-address are not allowed with {args.experiment!r}: "
                         f"only {', '.join(SWEEP_EXPERIMENTS)} run on the sweep runner")
    return {"backend": args.backend, "workers": args.workers, "address": args.ray_address}


def _check_maze_args(args) -> dict:
    """The options of ``regenerate maze`` and ``regenerate keys-chests`` (seeds, steps), checked
    before any work starts; the command line that made the artifacts goes into the manifest."""
    seeds, steps = getattr(args, "seeds", None), getattr(args, "steps", None)
    if args.experiment not in SEEDED_EXPERIMENTS:
        if seeds is not None or steps is not None:
            raise ValueError(f"--seeds and --steps are not allowed with {args.experiment!r}: only "
                             f"{', '.join(SEEDED_EXPERIMENTS)} take them")
        return {}
    command = f"python -m goalmisgen regenerate {args.experiment}"
    options = {}
    if seeds is not None:
        seeds = [check_int("--seeds", s, low=0) for s in seeds]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"--seeds={seeds} is not allowed: the seeds must differ")
        options["seeds"] = tuple(seeds)
        command += " --seeds " + " ".join(map(str, seeds))
    if steps is not None:
        options["steps"] = check_int("--steps", steps, low=1024, high=10**9)
        command += f" --steps {steps}"
    return {**options, "command": command}


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders of one file system in a single step (``renameat2`` with
    ``RENAME_EXCHANGE``); where the kernel or C library lacks it, two renames."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None and renameat2(-100, os.fsencode(a), -100, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return
    old = b.with_name(b.name + f".old-{os.getpid()}")
    b.rename(old)
    a.rename(b)
    old.rename(a)


def regenerate(name: str, sweep_options: dict | None = None, maze_options: dict | None = None) -> None:
    """Run the experiment ``name`` into a temporary copy of its ``data/`` folder, then swap the
    copy in; an interruption or error leaves the ``data/`` folder as it was. ``sweep_options``
    (backend, workers, address) go to the randomization sweep, ``maze_options`` (seeds, steps,
    command) to the Maze or the Keys and Chests agents."""
    from goalmisgen import experiments

    if name in SEEDED_EXPERIMENTS:
        final = experiments.DATA / name.replace("-", "_")
    elif name == "headline":
        final = experiments.DATA / "coinrun_headline"
    elif name in SWEEP_EXPERIMENTS:
        final = experiments.DATA / name.replace("-", "_")
    else:
        final = experiments.DATA / experiments.PROCGEN_AGENTS["gpu" if name == "procgen" else "cpu"]["folder"]
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".regenerate-{name}-", dir=final.parent) as staging:
        staged = Path(staging) / final.name
        if final.is_dir():
            shutil.copytree(final, staged)  # files the experiment reads (a shipped agent) or does not rewrite
        if name == "maze":
            for old in staged.glob("maze_k*_seed*.pt"):
                old.unlink()  # agents of another run would be listed as this run's
            experiments.maze(out_dir=staged, **(maze_options or {}))
        elif name == "keys-chests":
            for old in staged.glob("keys_chests_seed*.pt"):
                old.unlink()
            work = experiments.DATA.parent / "runs" / "keys_chests"  # checkpoints survive an interruption: a rerun resumes
            experiments.keys_chests(out_dir=staged, work_dir=work, **(maze_options or {}))
            shutil.rmtree(work)
        elif name == "headline":
            experiments.headline(out_dir=staged)
        elif name == "randomization-sweep":
            experiments.randomization_sweep(out_dir=staged, **(sweep_options or {}))
        elif name == "coin-support":
            experiments.coin_support(out_dir=staged, **(sweep_options or {}))
        elif name == "curriculum-sweep":
            experiments.curriculum_sweep(out_dir=staged, **(sweep_options or {}))
        elif name == "maze-regions":
            experiments.maze_regions(out_dir=staged, **(sweep_options or {}), **(maze_options or {}))
        else:
            data = experiments.DATA
            experiments.DATA = Path(staging)  # procgen_evaluation writes next to the agent, under DATA
            try:
                experiments.procgen_evaluation("gpu" if name == "procgen" else "cpu")
            finally:
                experiments.DATA = data
        if final.is_dir():
            _exchange(staged, final)  # the old folder ends in the staging folder, removed with it
        else:
            staged.rename(final)
    print(f"regenerated {final}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            _train(args)
        elif args.command == "evaluate":
            _evaluate(args)
        elif args.command == "regenerate":
            sweep_options = _check_sweep_args(args)
            maze_options = _check_maze_args(args)
            for name in ("headline", "procgen", "procgen-cpu") if args.experiment == "all" else [args.experiment]:
                regenerate(name, sweep_options, maze_options)
    except (ValueError, FileNotFoundError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was replaced", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
