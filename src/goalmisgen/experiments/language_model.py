"""Chapter 8's experiment: small transformers trained on addition questions where the user may
suggest an answer (``goalmisgen.language``), on the sweep runner
(``python -m goalmisgen regenerate language-model``, data/language_model).

Trials, 5 seeds each:

* the **sweep**: supervised training with a share ``wrong_fraction`` of the "think" suggestions
  wrong (0, 2, 25%); "sure" suggestions are always correct (the second correlate,
  which nobody randomized). At 0% every suggestion in training is correct: the headline arm. Those
  trials also fine-tune by policy gradient with a correctness reward (the second arm) and probe
  the residual stream.
* the **positive control**: 25% of the suggestions of *both* wordings wrong.
"""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from goalmisgen.experiments.common import DATA, RUNS, SweepRunner, check_trial_config, sweep_provenance, write_manifest
from goalmisgen.language.task import WORDINGS

LANGUAGE_FRACTIONS = (0.0, 0.02, 0.25)
"""Shares of "think" suggestions that are wrong in training."""
CONTROL_FRACTION = 0.25
"""The positive control's share of wrong suggestions, in both wordings."""
LANGUAGE_SEEDS = (0, 1, 2, 3, 4)
SUPERVISED_STEPS = 600
PG_STEPS = 300
SHIPPED_MODELS = {"headline": (0.0, ("think",)), "fix25": (0.25, ("think",))}
"""Models shipped in data/language_model/models/ (the first seed's): name -> (wrong_fraction, wrong_wordings)."""
CONFIG_KEYS = ("wrong_fraction", "wrong_wordings", "seed", "steps", "pg_steps", "probe")
RESULTS_COLUMNS = ("arm", "wrong_fraction", "wrong_wordings", "seed", "condition", "wording", "n", "correct", "agree",
                   "neither", "paired_gap")


def language_configs(fractions=LANGUAGE_FRACTIONS, seeds=LANGUAGE_SEEDS, steps: int = SUPERVISED_STEPS,
                     pg_steps: int = PG_STEPS) -> list[dict]:
    """The trial configs: the sweep (think-only wrong suggestions; at fraction 0 with policy
    gradient and probes), then the positive control (both wordings); ValueError on a bad value."""
    from goalmisgen.validation import check_float, check_int, check_seed

    fractions = [check_float("wrong_fraction", f, low=0.0, high=1.0) for f in fractions]
    seeds = [check_seed(s) for s in seeds]
    if not fractions or not seeds:
        raise ValueError(f"fractions={fractions!r}, seeds={seeds!r} are not allowed: both must be non-empty")
    steps, pg_steps = check_int("steps", steps, low=1), check_int("pg_steps", pg_steps, low=0)
    sweep = [{"wrong_fraction": f, "wrong_wordings": ["think"], "seed": s, "steps": steps,
              "pg_steps": pg_steps if f == 0 else 0, "probe": f == 0} for f in fractions for s in seeds]
    control = [{"wrong_fraction": CONTROL_FRACTION, "wrong_wordings": list(WORDINGS), "seed": s, "steps": steps,
                "pg_steps": 0, "probe": False} for s in seeds]
    return sweep + control


def language_trial(config: dict):
    """Train one model (supervised; then, if ``pg_steps``, a copy fine-tuned by policy gradient),
    evaluate each (``evaluation.evaluate_model``) and, if ``probe``, probe the supervised one.
    Returns a ``sweeps.TrialOutput`` with the weights as ``model.pt`` (and ``model_pg.pt``)."""
    import copy

    from goalmisgen.language.evaluation import evaluate_model
    from goalmisgen.language.policy_gradient import PolicyGradientConfig, finetune
    from goalmisgen.language.probe import probe_correct_answer
    from goalmisgen.language.training import SupervisedConfig, new_model, train_supervised
    from goalmisgen.sweeps import TrialOutput

    check_trial_config("language_trial", config, CONFIG_KEYS)
    sl = SupervisedConfig(steps=config["steps"], wrong_fraction=config["wrong_fraction"],
                          wrong_wordings=tuple(config["wrong_wordings"]), seed=config["seed"])
    start = time.perf_counter()
    model, history = train_supervised(sl, progress=False)
    timings = {"train_s": time.perf_counter() - start}
    result = {"supervised": evaluate_model(model), "final_train_loss": float(np.mean(history["loss"][-50:]))}
    files = {"model.pt": _weights(model)}
    if config["probe"]:
        start = time.perf_counter()
        result["probe"] = probe_correct_answer(model, new_model(sl), seed=config["seed"])
        timings["probe_s"] = time.perf_counter() - start
    if config["pg_steps"]:
        tuned = copy.deepcopy(model)
        start = time.perf_counter()
        pg = finetune(tuned, PolicyGradientConfig(steps=config["pg_steps"], wrong_fraction=config["wrong_fraction"],
                                                  wrong_wordings=tuple(config["wrong_wordings"]), seed=config["seed"]),
                      progress=False)
        timings["pg_s"] = time.perf_counter() - start
        result["policy_gradient"] = evaluate_model(tuned)
        result["pg_mean_reward_last50"] = float(np.mean(pg["reward"][-50:]))
        files["model_pg.pt"] = _weights(tuned)
    return TrialOutput(result, files=files, timings=timings)


def _weights(model) -> bytes:
    buffer = io.BytesIO()
    torch.save({"settings": model.settings(), "state_dict": model.state_dict()}, buffer)
    return buffer.getvalue()


def load_model(path: Path | str):
    """A shipped model (``models/NAME.pt``), loaded with ``weights_only=True``, in eval mode."""
    from goalmisgen.language.model import TinyTransformer

    saved = torch.load(Path(path), weights_only=True)
    model = TinyTransformer(**saved["settings"])
    model.load_state_dict(saved["state_dict"])
    return model.eval()


def _arm(config: dict) -> str:
    return "sweep" if config["wrong_wordings"] == ["think"] else "control"


def results_rows(records: list[dict]) -> list[dict]:
    """One row per trial x arm (supervised / policy_gradient) x condition x wording: counts."""
    rows = []
    for r in records:
        c, res = r["config"], r["result"]
        for training in ("supervised", "policy_gradient"):
            if training not in res:
                continue
            e, arm = res[training], _arm(c) if training == "supervised" else "policy_gradient"
            base = {"arm": arm, "wrong_fraction": c["wrong_fraction"], "wrong_wordings": "+".join(c["wrong_wordings"]),
                    "seed": c["seed"]}
            rows.append({**base, "condition": "none", "wording": "", "n": e["no_suggestion"]["n"],
                         "correct": e["no_suggestion"]["correct"], "agree": 0, "neither": 0, "paired_gap": np.nan})
            for w in WORDINGS:
                right, wrong = e[w]["correct_suggestion"], e[w]["wrong_suggestion"]
                rows.append({**base, "condition": "correct_suggestion", "wording": w, "n": right["n"],
                             "correct": right["correct"], "agree": right["correct"], "neither": 0, "paired_gap": np.nan})
                rows.append({**base, "condition": "wrong_suggestion", "wording": w, **wrong,
                             "paired_gap": e[w]["paired_gap"]})
    return rows


def language_model(out_dir: Path | str = DATA / "language_model", records_dir: Path | str | None = None,
                   runner: SweepRunner = SweepRunner(), fractions=LANGUAGE_FRACTIONS, seeds=LANGUAGE_SEEDS,
                   steps: int = SUPERVISED_STEPS, pg_steps: int = PG_STEPS,
                   command: str = "python -m goalmisgen regenerate language-model") -> dict:
    """Run every trial of ``language_configs()`` on ``runner`` (records in ``records_dir``, default
    ``runs/language_model``, so an interrupted sweep resumes) and write into ``out_dir``:
    ``results.csv`` (``results_rows``), ``probe.csv`` (per seed and layer), ``models/`` (the
    ``SHIPPED_MODELS``) and ``manifest.json`` (configs, timings, summaries). Returns the manifest.

    Cost: a supervised run (600 steps) took 35 s on one core of a lightly loaded 2-core machine. The
    shipped run (2026-12-06, 3 workers on that machine shared with other jobs, load about 20) took
    20 minutes: 107-265 s of wall time per supervised run, about 80-140 s more for policy gradient
    and 40-67 s for the probes of each fraction-0 trial.
    """
    import pandas as pd

    from goalmisgen.language.summaries import language_summaries

    configs = language_configs(fractions, seeds, steps, pg_steps)
    records_dir = Path(records_dir) if records_dir is not None else RUNS / "language_model"
    out = Path(out_dir)
    records, sweep_wall = runner.run(language_trial, configs, records_dir)
    results = pd.DataFrame(results_rows(records), columns=list(RESULTS_COLUMNS))
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "results.csv", index=False)
    probes = [{"seed": r["config"]["seed"], "layer": layer, "model": model, "accuracy": acc,
               "n_agreed_test": r["result"]["probe"]["n_agreed_test"]}
              for r in records if "probe" in r["result"]
              for model in ("trained", "untrained", "suggested", "no_suggestion")
              for layer, acc in enumerate(r["result"]["probe"][model])]
    pd.DataFrame(probes).to_csv(out / "probe.csv", index=False)
    shutil.rmtree(out / "models", ignore_errors=True)
    (out / "models").mkdir()
    for name, (fraction, wordings) in SHIPPED_MODELS.items():
        record = next(r for r in records if r["config"]["wrong_fraction"] == fraction
                      and r["config"]["wrong_wordings"] == list(wordings) and r["config"]["seed"] == seeds[0])
        shutil.copyfile(records_dir / record["key"] / "model.pt", out / "models" / f"{name}.pt")
    trials = [{"key": r["key"], "config": r["config"], "run": r["run"],
               "final_train_loss": r["result"]["final_train_loss"],
               "pg_mean_reward_last50": r["result"].get("pg_mean_reward_last50")} for r in records]
    sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()
             and p.name != "manifest.json"}
    description = ("decoder-only transformers (d_model 64, 2 layers, 4 heads) trained on 0-9 + 0-9 questions, half "
                   "with a user's suggestion ('think' or 'sure'); a share of 'think' suggestions wrong in training "
                   f"({[f'{100 * f:g}%' for f in fractions]}), seeds {list(seeds)}, "
                   f"{steps} supervised steps of 128 prompts; at 0% also {pg_steps} policy-gradient steps "
                   f"with a correctness reward and linear probes; positive control: {100 * CONTROL_FRACTION:g}% of "
                   "both wordings wrong. Evaluated on every question without a suggestion, with a correct one, and "
                   "with every wrong one, in each wording.")
    estimand = ("per arm: mean over training seeds of each seed's share over the fixed prompt set, with t intervals "
                "over seeds; per trial: Wilson intervals from the counts; paired gap: per question, accuracy with a "
                "correct suggestion minus share correct with a wrong one")
    return write_manifest(out, "language-model", command, (description, estimand),
                          sweep_provenance(runner, sweep_wall, records), "results.csv", sized=False,
                          file_sizes_bytes=sizes, summaries=language_summaries(results, pd.DataFrame(probes)),
                          shipped_models={k: {"wrong_fraction": f, "wrong_wordings": list(w), "seed": seeds[0]}
                                          for k, (f, w) in SHIPPED_MODELS.items()},
                          trials=trials)
