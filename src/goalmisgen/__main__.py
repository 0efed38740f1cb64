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
    python -m goalmisgen regenerate all          (every experiment that runs on a CPU; what make data runs)
    python -m goalmisgen regenerate --list       (every experiment: data folder, size, estimated wall time)

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
the ``data/`` folder it regenerates and swaps it in at the end (an interrupted run, by Ctrl-C or
SIGTERM, leaves the old folder whole and removes the temporary one). ``train`` checks everything
its checkpoint needs before the first step, and if saving still fails the weights go to a rescue
file named in the error; a ``--steps`` that is not a whole number of rollouts is rounded, with a
warning line. Every value is checked before any work starts, and bad input gives one ``error:`` line.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

from goalmisgen.envs import GAMES
from goalmisgen.files import SaveError, Terminated, check_out, interrupt_on_sigterm, jsonable
from goalmisgen.validation import check_float, check_int

GAMES_HELP = "a registered game (goalmisgen.envs.GAMES)"
MAX_LEVELS = 100_000  # an evaluation of 1000 levels takes minutes; more than this is a typo
RENAME_EXCHANGE = 2


def _registry():
    """The experiments' registry module (imported on demand: it imports every experiment)."""
    from goalmisgen.experiments import registry

    return registry


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

    experiments = _registry().EXPERIMENTS
    sweeps = ", ".join(e.name for e in experiments.values() if e.sweep)
    seeded = ", ".join(e.name for e in experiments.values() if e.seeded)
    r = sub.add_parser("regenerate", help="re-run a named experiment that writes data/ artifacts")
    r.add_argument("experiment", nargs="?", choices=(*experiments, "all"),
                   help="an experiment, or all: every one that runs on a CPU")
    r.add_argument("--list", action="store_true",
                   help="list every experiment with its data folder, size and estimated wall time, and exit")
    r.add_argument("--backend", default="local", choices=("local", "ray"),
                   help=f"{sweeps} only: run the trials on a local process pool or on Ray")
    r.add_argument("--workers", type=int, default=None, help=f"{sweeps} only: processes (default: every core)")
    r.add_argument("--ray-address", default=None,
                   help="with --backend ray: join this Ray cluster (default: start Ray here)")
    r.add_argument("--seeds", type=int, nargs="+", default=None,
                   help=f"{seeded} only: training seeds (default: each experiment module's seeds)")
    r.add_argument("--steps", type=int, default=None,
                   help=f"{seeded} only: environment steps per agent (default: each experiment module's steps)")
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
    check_out(args.out, args.force, "a .pt file")
    return env_options


def _train(args) -> None:
    """``train``: everything the checkpoint needs is checked before the first step, and a failed
    save leaves the weights in a rescue file (``save_agent_or_rescue``)."""
    env_options = _check_train_args(args)
    from goalmisgen.agents import PPOConfig, load_agent, save_policy, train
    from goalmisgen.agents.checkpoint import check_savable, continued_from, save_agent_or_rescue

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
    check_savable("ppo", config, config.env, config.env_options, {"history": [], **extra})
    if config.steps_note:
        print(f"warning: --steps {config.steps_note}", file=sys.stderr, flush=True)
    start = time.perf_counter()

    def callback(row, policy):
        if args.checkpoint_every and row["iteration"] % args.checkpoint_every == 0:
            try:
                save_policy(policy, "ppo", config, {k: v for k, v in row.items() if isinstance(v, (int, float))},
                            args.out, config.env, config.env_options, extra or None)
            except (OSError, ValueError) as error:
                print(f"warning: the checkpoint of iteration {row['iteration']} could not be saved ({error}); "
                      "training goes on", file=sys.stderr, flush=True)
        return args.max_minutes is not None and time.perf_counter() - start > 60 * args.max_minutes

    with warnings.catch_warnings():
        if config.steps_note:
            warnings.filterwarnings("ignore", message=re.escape(config.steps_note))  # said above
        result = train(config, progress=not args.no_progress, callback=callback, initial=initial)
    path = save_agent_or_rescue(result, args.out, extra={"history": result.history, **extra})
    print(json.dumps(jsonable({"out": str(path), **result.metrics}), allow_nan=False))


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
        print(json.dumps(jsonable(d), allow_nan=False))
        return
    goals = spec.goals
    shown = ("coin_collected", "reached_end", "died", "timed_out") if spec.evaluator else \
        (goals.intended, *goals.proxies, *goals.capable, "timed_out")
    for k in shown:
        v, g = d[k], d["good_levels"][k]
        print(f"{k:15s} all {v['mean']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}]   "
              f"good {g['mean']:.3f} [{g['ci_low']:.3f}, {g['ci_high']:.3f}]")
    print(f"levels: {d['n_levels']}, good levels: {d['n_good_levels']}")


def _selected(args) -> list:
    """The experiments ``regenerate`` runs: the one named, or for ``all`` every one that runs on a
    CPU (``registry.cpu_experiments``)."""
    registry = _registry()
    if args.experiment is None:
        raise ValueError("regenerate needs an experiment name, all, or --list")
    return registry.cpu_experiments() if args.experiment == "all" else [registry.EXPERIMENTS[args.experiment]]


def _check_regenerate_args(args, selected: list) -> dict:
    """The options of ``regenerate`` (sweep runner, seeds, steps), checked before any work starts,
    as keyword arguments shared by the selected experiments: ``runner`` for those on the sweep
    runner, ``seeds`` / ``steps`` / ``command`` (the command line, for the manifest) for those
    that take them."""
    from goalmisgen.experiments.common import SweepRunner

    if args.workers is not None:
        check_int("--workers", args.workers, low=1, high=4096)
    if args.ray_address is not None and args.backend != "ray":
        raise ValueError(f"--ray-address={args.ray_address!r} is not allowed without --backend ray")
    if args.backend == "ray":
        from goalmisgen.sweeps import import_ray

        import_ray()
    experiments = _registry().EXPERIMENTS.values()
    if (args.backend != "local" or args.workers is not None or args.ray_address is not None) and not all(
            e.sweep for e in selected):
        raise ValueError(f"--backend, --workers and --ray-address are not allowed with {args.experiment!r}: "
                         f"only {', '.join(e.name for e in experiments if e.sweep)} run on the sweep runner")
    seeds, steps = args.seeds, args.steps
    if (seeds is not None or steps is not None) and not all(e.seeded for e in selected):
        raise ValueError(f"--seeds and --steps are not allowed with {args.experiment!r}: only "
                         f"{', '.join(e.name for e in experiments if e.seeded)} take them")
    command = f"python -m goalmisgen regenerate {args.experiment}"
    if seeds is not None:
        seeds = [check_int("--seeds", s, low=0) for s in seeds]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"--seeds={seeds} is not allowed: the seeds must differ")
        seeds = tuple(seeds)
        command += " --seeds " + " ".join(map(str, seeds))
    if steps is not None:
        steps = check_int("--steps", steps, low=1024, high=10**9)
        command += f" --steps {steps}"
    runner = SweepRunner(backend=args.backend, workers=args.workers, address=args.ray_address)
    return {"runner": runner, "seeds": seeds, "steps": steps, "command": command}


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


def regenerate(experiment, options: dict) -> None:
    """Run ``experiment`` (a ``registry.Experiment``) into a temporary copy of its ``data/`` folder,
    then swap the copy in; an interruption or error leaves the ``data/`` folder as it was.
    ``options`` (runner, seeds, steps, command) go to it as far as it takes them
    (``Experiment.options``)."""
    from goalmisgen.experiments import common

    final = common.DATA / experiment.folder
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".regenerate-{experiment.name}-", dir=final.parent) as staging:
        staged = Path(staging) / final.name
        if final.is_dir():
            shutil.copytree(final, staged)  # files the experiment reads (a shipped agent) or does not rewrite
        for pattern in experiment.stale:
            for old in staged.glob(pattern):
                old.unlink()  # agents of another run would be listed as this run's
        kwargs = experiment.options(**options)
        if experiment.work_dir is not None:  # checkpoints survive an interruption: a rerun resumes
            kwargs["work_dir"] = common.DATA.parent / "runs" / experiment.work_dir
        experiment.function(out_dir=staged, **kwargs)
        if experiment.work_dir is not None and Path(kwargs["work_dir"]).is_dir():
            shutil.rmtree(kwargs["work_dir"])  # finished: the checkpoints are no longer needed
        if final.is_dir():
            _exchange(staged, final)  # the old folder ends in the staging folder, removed with it
        else:
            staged.rename(final)
    print(f"regenerated {final}")


def _regenerate_all(args) -> None:
    """``regenerate``: the list, or the selected experiments one after another, each announced
    with its estimated wall time."""
    registry = _registry()
    if args.list:
        print("\n".join(registry.listing()))
        return
    selected = _selected(args)
    options = _check_regenerate_args(args, selected)
    for experiment in selected:
        estimate = registry.duration(registry.estimated_wall_s(experiment))
        print(f"regenerating {experiment.name} into data/{experiment.folder}/ (estimated wall time: {estimate})",
              flush=True)
        regenerate(experiment, options)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with interrupt_on_sigterm():  # SIGTERM unwinds like Ctrl-C: regenerate's staging folder is removed
            if args.command == "train":
                _train(args)
            elif args.command == "evaluate":
                _evaluate(args)
            elif args.command == "regenerate":
                _regenerate_all(args)
    except (ValueError, FileNotFoundError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except SaveError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Terminated:
        print("terminated: nothing was replaced", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("interrupted: nothing was replaced", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
