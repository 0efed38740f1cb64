"""Checkers for the exercises of chapter 6 (level curricula against domain randomization).

* ``ex-mitig-score``: the learner writes ``level_scores(advantages, level_seeds)``, prioritized
  level replay's regret score (the positive value loss of each level played in a rollout);
  reference: ``curricula.positive_value_loss``. The chapter's one transcription exercise.
* ``ex-mitig-predict``: ``predicted_replay()`` -> {"share": ..., "plr_coin_higher": ...}, predicted
  before the results are shown: the share of distinguishing levels PLR hands out over the second
  half of training at alpha = 0.1%, and whether its coin rate on good levels beats domain
  randomization's. ``check_replay_prediction`` trains a short PLR agent (``fresh_replay_share``)
  and reads the shipped sweep (``replayed_share``), and says how far off the prediction was.
* ``ex-mitig-design``: ``control_config(manifest)`` -> the config of the control arm that separates
  "PLR plays more distinguishing levels" from "PLR picks the right ones": domain randomization
  with alpha equal to the share PLR reached, everything else as in the sweep; checked by
  ``check_control_design`` against the sweep's configs (nothing is trained); reference:
  ``reference_control_config``.
* ``ex-mitig-limits``: a quiz, ``limits_questions()`` (show it with ``quiz(*limits_questions())``).

The sweep is read from a manifest: ``None`` means the shipped ``data/curriculum_sweep``; a folder,
a ``manifest.json`` path or an already loaded dict may be given instead (``load_sweep``).
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from goalmisgen.curricula import positive_value_loss
from goalmisgen.exercises._check import CheckFailed, Recorded, call, checker, share_answer
from goalmisgen.exercises.quiz import Choice, Question
from goalmisgen.validation import check_float, check_int, check_seed

# ---------------------------------------------------------------- the sweep's manifest

SWEEP_FOLDER = "curriculum_sweep"
"""The shipped sweep's folder in ``data/``."""
ALPHA = 0.001
"""The alpha of the prediction and the design: 0.1% of the training distribution's levels
distinguish the goals (coin not at the end)."""


def load_sweep(manifest=None) -> dict:
    """The sweep's manifest as a dict: ``None`` reads the shipped ``data/curriculum_sweep/manifest.json``;
    a dict is returned as it is; a path may name the folder or the ``manifest.json`` in it.

    Raises:
        ValueError: for anything else, or a path without a manifest.
        FileNotFoundError: when ``manifest`` is None and the shipped sweep is not there.
    """
    if isinstance(manifest, dict):
        return manifest
    if manifest is None:
        from goalmisgen.paths import data_dir

        path = data_dir() / SWEEP_FOLDER / "manifest.json"
        if not path.is_file():
            raise FileNotFoundError(f"the shipped sweep {path} is not there; make it with "
                                    "`python -m goalmisgen regenerate curriculum-sweep`")
    elif isinstance(manifest, (str, Path)):
        path = Path(manifest)
        path = path / "manifest.json" if path.is_dir() else path
        if not path.is_file():
            raise ValueError(f"manifest={str(manifest)!r} is not allowed: it must be a sweep folder or its "
                             "manifest.json, and there is no such file")
    else:
        raise ValueError(f"manifest={manifest!r} is not allowed: give None (the shipped sweep), a folder, "
                         "a manifest.json path or a loaded manifest dict")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"manifest={str(path)!r} is not allowed: it is not JSON ({error})") from None


def _trials(manifest: dict) -> list[dict]:
    trials = manifest.get("trials")
    if not isinstance(trials, list) or not all(isinstance(t, dict) and isinstance(t.get("config"), dict)
                                                for t in trials):
        raise ValueError("manifest is not allowed: it needs a 'trials' list whose entries have a 'config' "
                         "(a curriculum sweep's manifest)")
    return trials


def replayed_share(manifest=None, alpha: float = ALPHA, sampler: str = "plr") -> dict:
    """What ``sampler``'s trials at ``alpha`` handed out in the sweep: the share of distinguishing
    levels over the whole of training (``share_all``) and over its second half
    (``share_second_half``), each the mean over seeds, with the per-seed values
    (``per_seed_all``, ``per_seed_second_half``) and the ``seeds``.

    Raises:
        ValueError: when the manifest has no trial of ``sampler`` at ``alpha`` with a replay history.
    """
    manifest = load_sweep(manifest)
    alpha = check_float("alpha", alpha, low=0.0, high=1.0)
    rows = [t for t in _trials(manifest) if t["config"].get("curriculum") == sampler
            and math.isclose(float(t["config"].get("random_fraction", -1)), alpha) and t.get("distinguishing")]
    rows = [t for t in rows if t["distinguishing"].get("share_all") is not None
            and t["distinguishing"].get("share_second_half") is not None]
    if not rows:
        raise ValueError(f"manifest is not allowed: it has no {sampler!r} trial at alpha={alpha:g} with a replay "
                         "history (trials[i]['distinguishing'])")
    rows.sort(key=lambda t: t["config"]["seed"])
    per_all = [float(t["distinguishing"]["share_all"]) for t in rows]
    per_half = [float(t["distinguishing"]["share_second_half"]) for t in rows]
    return {"sampler": sampler, "alpha": alpha, "seeds": [int(t["config"]["seed"]) for t in rows],
            "share_all": float(np.mean(per_all)), "share_second_half": float(np.mean(per_half)),
            "per_seed_all": per_all, "per_seed_second_half": per_half,
            "steps": int(rows[0]["config"]["steps"])}


def coin_difference(manifest=None, alpha: float = ALPHA) -> dict | None:
    """PLR minus domain randomization on the coin rate on good levels at ``alpha`` (runs that learned
    their training task), ``{"mean", "ci_low", "ci_high", ...}`` from the manifest's summaries, or None
    when the sweep has no such difference (no run learned, or the alpha is not in the sweep)."""
    manifest = load_sweep(manifest)
    alpha = check_float("alpha", alpha, low=0.0, high=1.0)
    found = manifest.get("summaries", {}).get("plr_minus_dr_coin_good", {}).get(f"{alpha:g}")
    if not isinstance(found, dict) or any(found.get(k) is None for k in ("mean", "ci_low", "ci_high")):
        return None
    if any(not math.isfinite(float(found[k])) for k in ("mean", "ci_low", "ci_high")):
        return None
    return found


# ---------------------------------------------------------------- ex-mitig-score


def reference_level_scores(advantages, level_seeds):
    """The reference: ``curricula.positive_value_loss`` (distinct seeds sorted, their scores)."""
    return positive_value_loss(advantages, level_seeds)


def _episodes_seeds(rng, T: int, N: int, pool) -> np.ndarray:
    """(T, N) level seeds as the envs play them: each env plays levels one after another, episodes of
    random length, levels drawn from ``pool`` (so the same level appears in several envs)."""
    seeds = np.empty((T, N), dtype=np.int64)
    for n in range(N):
        t = 0
        while t < T:
            length = int(rng.integers(1, 6))
            seeds[t:t + length, n] = rng.choice(pool)
            t += length
    return seeds


def _score_cases() -> list[tuple[np.ndarray, np.ndarray, str]]:
    rng = np.random.default_rng(6)
    small_adv = np.array([[0.5, -1.0, 2.0], [-0.5, 1.5, -2.0], [1.0, -0.25, 0.0], [3.0, 0.5, -1.0]])
    small_seeds = np.array([[7, 3, 11], [7, 3, 11], [7, 3, 5], [9, 7, 5]])  # 9: one step; 7: in two envs
    negative = rng.normal(size=(6, 4))
    negative_seeds = _episodes_seeds(rng, 6, 4, [40, 41, 42])
    negative[negative_seeds == 41] = -np.abs(negative[negative_seeds == 41]) - 0.1  # a level the critic overrated
    long_seeds = _episodes_seeds(rng, 32, 8, np.arange(1000, 1012))
    return [
        (small_adv, small_seeds, "a 4 x 3 rollout (level 9 played for one step, level 7 in two envs)"),
        (rng.normal(size=(32, 8)), long_seeds, "a 32 x 8 rollout over 12 levels shared by the envs"),
        (negative, negative_seeds, "a rollout with a level whose advantages are all negative"),
        (rng.normal(size=(5, 1)), np.full((5, 1), 123, dtype=np.int64), "one env playing one level"),
    ]


def _by_seed(seeds, scores) -> dict[int, float]:
    return {int(s): float(v) for s, v in zip(np.asarray(seeds).ravel(), np.asarray(scores, dtype=float).ravel())}


def _score_mistakes(adv: np.ndarray, seeds: np.ndarray) -> dict[str, dict[int, float]]:
    """What common mistakes return, seed -> score."""
    flat_a, flat_s = adv.ravel(), seeds.ravel()
    out = {}
    unique = np.unique(flat_s)
    clipped = np.maximum(flat_a, 0.0)
    out["abs"] = {int(s): float(np.abs(flat_a[flat_s == s]).mean()) for s in unique}
    out["sum"] = {int(s): float(clipped[flat_s == s].sum()) for s in unique}
    out["unclipped"] = {int(s): float(flat_a[flat_s == s].mean()) for s in unique}
    out["all steps"] = {int(s): float(clipped[flat_s == s].sum() / flat_a.size) for s in unique}
    out["one mean"] = {int(s): float(clipped.mean()) for s in unique}
    out["mean then clip"] = {int(s): float(max(flat_a[flat_s == s].mean(), 0.0)) for s in unique}
    return out


_SCORE_HINTS = {
    "abs": "you took |A|; the score counts only the steps where the agent did *better* than its critic expected: "
           "max(A, 0), so a negative advantage adds 0, not its size.",
    "sum": "you summed max(A, 0) over the level's steps; take the mean, so that a level played for many steps does "
           "not score higher just for that.",
    "unclipped": "you averaged A itself; clip each step first, max(A, 0), then average over the level's steps "
                 "(negative steps would otherwise cancel the positive ones).",
    "all steps": "you divided each level's sum by the number of steps in the whole rollout; divide by the number "
                 "of steps played on that level.",
    "one mean": "every level got the same score, the mean over the whole rollout; group the steps by their level "
                "seed and average within each group.",
    "mean then clip": "you averaged A over the level and then clipped; clip each step first (max(A_t, 0)), then "
                      "average.",
}


@checker("ex-mitig-score")
def check_level_scores(level_scores: Callable) -> None:
    """Check ``level_scores(advantages, level_seeds)`` -> (seeds, scores), matched by seed (any order)."""
    for adv, seeds, what in _score_cases():
        before = (adv.copy(), seeds.copy())
        got = call(level_scores, adv, seeds)
        if not (np.array_equal(adv, before[0]) and np.array_equal(seeds, before[1])):
            raise CheckFailed(f"for {what} your function changed its inputs. Hint: read them, do not edit them.")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailed(f"for {what} expected a pair (seeds, scores), got {type(got).__name__} {got!r:.80}")
        try:
            got_seeds = np.asarray(got[0]).ravel()
            got_scores = np.asarray(got[1], dtype=float).ravel()
        except (TypeError, ValueError):
            raise CheckFailed(f"for {what} expected seeds and scores as arrays of numbers, got {got!r:.80}") from None
        if got_seeds.shape != got_scores.shape:
            raise CheckFailed(f"for {what} you returned {got_seeds.size} seeds and {got_scores.size} scores: give "
                              "one score per seed.")
        if len(np.unique(got_seeds)) != len(got_seeds):
            raise CheckFailed(f"for {what} a seed appears more than once in your seeds ({got_seeds.tolist()}). Hint: "
                              "one entry per distinct level (np.unique), with the mean over all its steps, in every "
                              "env.")
        exp_seeds, exp_scores = reference_level_scores(adv, seeds)
        expected = _by_seed(exp_seeds, exp_scores)
        if set(int(s) for s in got_seeds) != set(expected):
            missing = sorted(set(expected) - set(int(s) for s in got_seeds))
            extra = sorted(set(int(s) for s in got_seeds) - set(expected))
            raise CheckFailed(f"for {what} your seeds are {sorted(int(s) for s in got_seeds)}, expected the levels "
                              f"played, {sorted(expected)} (missing {missing}, not played {extra}). Hint: the "
                              "distinct values of level_seeds, every level that appears at least once.")
        mine = _by_seed(got_seeds, got_scores)
        if all(np.isclose(mine[s], expected[s]) for s in expected):
            continue
        for name, wrong in _score_mistakes(adv, seeds).items():
            if all(np.isclose(mine[s], wrong[s]) for s in expected):
                raise CheckFailed(f"for {what} your scores differ from the positive value loss. Hint: {_SCORE_HINTS[name]}")
        seed = next(s for s in expected if not np.isclose(mine[s], expected[s]))
        raise CheckFailed(f"for {what} level {seed} should score {expected[seed]:.4f}, got {mine[seed]:.4f}. Hint: "
                          "the mean of max(A_t, 0) over the steps (t, n) with level_seeds[t, n] equal to that seed.")


# ---------------------------------------------------------------- ex-mitig-predict

PREDICT_STEPS = 300_000
"""Steps of the checker's fresh PLR training (about half a minute of one core)."""
PREDICT_FACTOR = 3.0
"""A predicted share passes when it lies within this factor of the measured one (either way)."""


def fresh_replay_share(alpha: float = ALPHA, steps: int = PREDICT_STEPS, seed: int = 0) -> dict:
    """Train a CoinRun-grid PPO agent for ``steps`` steps with prioritized level replay (default
    parameters), the coin random on a fraction ``alpha`` of the training distribution's levels, and
    return what PLR handed out over the second half of training: ``levels`` handed out,
    ``distinguishing`` of them, their ``share`` with a Wilson 95% interval (``ci_low``,
    ``ci_high``), the pooled ``share_all`` over all of training, ``steps``, and ``history`` (one
    dict per PPO iteration with ``steps``, ``levels_played`` and ``distinguishing_share``). Shows a
    progress bar while it trains; cached per arguments, so a later call returns the same run."""
    return _fresh_replay_share(check_float("alpha", alpha, low=0.0, high=1.0),
                               check_int("steps", steps, low=1, high=10_000_000), check_seed(seed))


@functools.cache
def _fresh_replay_share(alpha: float, steps: int, seed: int) -> dict:
    from goalmisgen.agents import PPOConfig, train
    from goalmisgen.analysis.stats import rate_ci

    result = train(PPOConfig(total_steps=steps, seed=seed, level_sampler="plr",
                             env_options={"coin_placement": "end", "random_fraction": alpha}), progress=True)
    history = result.history
    played = np.array([h["levels_played"] for h in history], dtype=float)
    share = np.nan_to_num(np.array([h["distinguishing_share"] for h in history], dtype=float))
    half = slice(len(history) // 2, None)
    n, hits = int(played[half].sum()), int(round(float((share * played)[half].sum())))
    ci = rate_ci(hits, n) if n else {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    total = played.sum()
    return {"alpha": alpha, "steps": int(history[-1]["steps"]) if history else 0, "levels": n, "distinguishing": hits,
            "share": ci["mean"], "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
            "share_all": float((share * played).sum() / total) if total else math.nan,
            "history": [{k: float(h[k]) for k in ("steps", "levels_played", "distinguishing_share")} for h in history]}


def _factor_words(guess: float, measured: float) -> tuple[float, str]:
    """(factor >= 1, words) saying how far ``guess`` is from ``measured``."""
    if measured == 0 and guess == 0:
        return 1.0, "exactly right"
    if measured == 0:
        return math.inf, "too high: none was handed out"
    if guess == 0:
        return math.inf, "too low: you predicted none"
    ratio = guess / measured
    if ratio >= 1:
        return ratio, f"{ratio:.1f} times too high"
    return 1 / ratio, f"{1 / ratio:.1f} times too low"


def _prediction(got) -> tuple[float, bool]:
    if not isinstance(got, dict) or set(got) != {"share", "plr_coin_higher"}:
        raise CheckFailed(f"expected a dict with the keys 'share' and 'plr_coin_higher', got {got!r:.100}")
    share = share_answer(got["share"], "your predicted share", "levels handed out")
    higher = got["plr_coin_higher"]
    if not isinstance(higher, (bool, np.bool_)):
        raise CheckFailed(f"'plr_coin_higher' should be True or False, got {type(higher).__name__} {higher!r}.")
    return share, bool(higher)


def _check_replay_prediction(predicted_replay: Callable, steps: int | None, manifest) -> None:
    guess, higher = _prediction(call(predicted_replay))
    lines = [f"you predicted that PLR hands out a share {guess:.4f} of distinguishing levels over the second half "
             f"of training at alpha = {100 * ALPHA:g}% (domain randomization: {ALPHA:g} by construction), and that "
             f"PLR's coin rate on good levels will {'exceed' if higher else 'not exceed'} domain randomization's."]
    try:
        shipped = replayed_share(manifest)
        difference = coin_difference(manifest)
    except FileNotFoundError:
        if steps is None:
            raise
        shipped, difference = None, None
    reference = None
    if steps is not None:
        fresh = fresh_replay_share(ALPHA, steps)
        lines.append(f"A fresh PLR agent trained here for {fresh['steps']:,} steps handed out {fresh['distinguishing']} "
                     f"distinguishing levels among the {fresh['levels']:,} of its second half: a share of "
                     f"{fresh['share']:.4f} (95% CI {fresh['ci_low']:.4f}-{fresh['ci_high']:.4f}), "
                     f"{fresh['share'] / ALPHA:.1f} times alpha.")
        reference = ("the fresh run", fresh["share"])
    if shipped is not None:
        per_seed = ", ".join(f"{s:.4f}" for s in shipped["per_seed_second_half"])
        lines.append(f"In the shipped sweep ({len(shipped['seeds'])} seeds x {shipped['steps']:,} steps), PLR's share "
                     f"over the second half was {shipped['share_second_half']:.4f} on average (per seed: {per_seed}), "
                     f"{shipped['share_second_half'] / ALPHA:.1f} times alpha.")
        reference = ("the shipped sweep", shipped["share_second_half"])  # the full-length runs decide
    source, measured = reference
    factor, words = _factor_words(guess, measured)
    lines.append(f"Against {source}, your share is {words}.")
    verdict_coin = None
    if difference is not None:
        span = (f"{difference['mean']:+.3f} (95% CI {difference['ci_low']:+.3f} to {difference['ci_high']:+.3f})")
        if difference["ci_low"] > 0:
            verdict_coin = True
        elif difference["ci_high"] < 0:
            verdict_coin = False
        lines.append(f"PLR minus domain randomization on the coin rate on good levels: {span}; "
                     + ("the interval excludes 0." if verdict_coin is not None else
                        "the interval includes 0, so the sweep cannot tell, and either answer stands."))
    else:
        lines.append("The coin-rate comparison is not checked here: " +
                     ("the shipped sweep has no PLR-DR difference at this alpha (no run learned its training task)."
                      if shipped is not None else "it needs the shipped sweep, which is not there."))
    report = " ".join(lines)
    problems = []
    if not factor <= PREDICT_FACTOR:
        problems.append(f"Your share is off by more than a factor {PREDICT_FACTOR:g}. Hint: PLR replays the levels "
                        "whose positive value loss is highest about half of the time; ask how often a level with a "
                        "moved coin surprises the critic, and how long such a level stays in the buffer.")
    if verdict_coin is not None and verdict_coin != higher:
        problems.append("The sweep says the opposite about the coin rate. Hint: playing distinguishing levels more "
                        "often is not the same as learning from them; compare the two arms' coin rates in the table.")
    if problems:
        raise Recorded(report + " " + " ".join(problems) + " Write down why you were off.")
    raise Recorded(report + f" Within a factor {PREDICT_FACTOR:g}, and no disagreement with the sweep on the coin rate.")


def check_replay_prediction(predicted_replay: Callable, strict: bool = False, *, steps: int | None = PREDICT_STEPS,
                            manifest=None) -> None:
    """Check ``predicted_replay()`` -> {"share": float in [0, 1], "plr_coin_higher": bool}.

    Trains a fresh PLR agent for ``steps`` steps (``fresh_replay_share``; None skips it) and reads the
    sweep ``manifest`` (None: the shipped one; without it only the fresh run is used). The share
    passes within a factor ``PREDICT_FACTOR`` of the shipped sweep's second-half share (of the fresh
    run's without the sweep); the coin answer must agree with the sweep when its 95% CI for PLR minus
    DR excludes 0. Prints the prediction, what was measured and how far off the prediction was, with a
    hint where it is off; it is not failed for that (only an answer of the wrong form is refused)."""
    if steps is not None:
        steps = check_int("steps", steps, low=1, high=10_000_000)
    if manifest is not None:
        manifest = load_sweep(manifest)
    checker("ex-mitig-predict")(lambda f: _check_replay_prediction(f, steps, manifest))(predicted_replay, strict)


check_replay_prediction.exercise_label = "ex-mitig-predict"


# ---------------------------------------------------------------- ex-mitig-design

DESIGN_KEYS = ("curriculum", "random_fraction", "seeds", "steps", "n_levels", "filter_runs")
"""A control arm's config: the sampler, alpha, the training seeds, and the sweep's settings."""
DESIGN_TOLERANCE = 0.2
"""How far (relative) the control's alpha may lie from the share PLR reached over training."""
MIN_SEEDS = 3


def sweep_settings(manifest=None) -> dict:
    """The settings every trial of the sweep shares: ``steps``, ``n_levels``, ``filter_runs``, and the
    ``seeds`` of its PLR trials at ``ALPHA``.

    Raises:
        ValueError: when the trials disagree on a setting or there is no PLR trial at ``ALPHA``.
    """
    manifest = load_sweep(manifest)
    trials = _trials(manifest)
    settings = {}
    for key in ("steps", "n_levels", "filter_runs"):
        values = {t["config"].get(key) for t in trials}
        if len(values) != 1 or None in values:
            raise ValueError(f"manifest is not allowed: its trials do not share one value of {key!r} ({values})")
        settings[key] = int(values.pop())
    settings["seeds"] = replayed_share(manifest)["seeds"]
    return settings


def reference_control_config(manifest: dict) -> dict:
    """Domain randomization with alpha equal to PLR's share of distinguishing levels over the whole of
    training at ``ALPHA`` (mean over seeds), the sweep's seeds, steps and evaluation."""
    settings = sweep_settings(manifest)
    return {"curriculum": "dr", "random_fraction": replayed_share(manifest)["share_all"], "seeds": settings["seeds"],
            "steps": settings["steps"], "n_levels": settings["n_levels"], "filter_runs": settings["filter_runs"]}


def _check_config(config, manifest: dict, what: str) -> None:
    if not isinstance(config, dict):
        raise CheckFailed(f"{what}: expected a dict with the keys {list(DESIGN_KEYS)}, got {type(config).__name__}")
    missing, unknown = [k for k in DESIGN_KEYS if k not in config], sorted(set(config) - set(DESIGN_KEYS), key=str)
    if missing or unknown:
        raise CheckFailed(f"{what}: the config " + (f"lacks {missing}" if missing else "")
                          + (" and " if missing and unknown else "") + (f"has unknown keys {unknown}" if unknown else "")
                          + f"; give exactly {list(DESIGN_KEYS)}.")
    settings, shares = sweep_settings(manifest), replayed_share(manifest)
    if config["curriculum"] != "dr":
        hint = (" PLR is the arm under study; the control must play as many distinguishing levels without anyone "
                "choosing which." if config["curriculum"] == "plr" else "")
        raise CheckFailed(f"{what}: curriculum={config['curriculum']!r}; the control arm is domain randomization, "
                          f"'dr'.{hint}")
    alpha = share_answer(config["random_fraction"], f"{what}: random_fraction", "training levels")
    target = shares["share_all"]
    close = (lambda x, y: abs(x - y) <= DESIGN_TOLERANCE * y) if target > 0 else (lambda x, y: x == y)
    if not close(alpha, target):
        shown = (f"{what}: random_fraction={alpha:g}, but PLR at alpha = {ALPHA:g} handed out a share {target:.5f} of "
                 f"distinguishing levels over training (mean over seeds of share_all); the control needs an alpha "
                 f"within {100 * DESIGN_TOLERANCE:g}% of it.")
        if math.isclose(alpha, ALPHA):
            hint = ("that is PLR's alpha: domain randomization at it is already in the sweep. The question is whether "
                    "*as many* distinguishing levels, picked at random, do what PLR does.")
        elif close(alpha, shares["share_second_half"]):
            hint = ("that is the second half's share; domain randomization plays the same share all along, so match "
                    "the exposure over the whole of training (share_all).")
        elif target > 0 and close(alpha, 100 * target):
            hint = "you gave a percentage; alpha is a share between 0 and 1."
        else:
            hint = "read manifest['trials'], keep PLR's trials at alpha 0.001, and average distinguishing['share_all']."
        raise CheckFailed(f"{shown} Hint: {hint}")
    seeds = config["seeds"]
    if not isinstance(seeds, (list, tuple)) or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                                                       and s >= 0 for s in seeds):
        raise CheckFailed(f"{what}: seeds={seeds!r} should be a list of training seeds (non-negative ints).")
    need = max(MIN_SEEDS, len(settings["seeds"]))
    if len(set(int(s) for s in seeds)) < need:
        raise CheckFailed(f"{what}: {len(set(int(s) for s in seeds))} distinct seeds; the PLR arm has "
                          f"{len(settings['seeds'])} ({settings['seeds']}). Hint: use at least {need}, so the control's "
                          "interval is as tight as the arm it is compared with.")
    for key, why in (("steps", "an agent trained for a different number of steps differs in more than its levels"),
                     ("n_levels", "the coin rates must be measured on the same held-out levels"),
                     ("filter_runs", "good levels must be chosen by the same filter as in the sweep")):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) != settings[key]:
            raise CheckFailed(f"{what}: {key}={value!r}, the sweep used {settings[key]!r}. Hint: change only the "
                              f"level sampler's alpha; {why}.")


def _halved(manifest: dict) -> dict:
    """A copy of ``manifest`` whose PLR trials at ``ALPHA`` handed out half as many distinguishing levels."""
    other = copy.deepcopy(manifest)
    for t in other["trials"]:
        d = t.get("distinguishing")
        if t["config"].get("curriculum") == "plr" and d:
            for key in ("share_all", "share_second_half"):
                if d.get(key) is not None:
                    d[key] = d[key] / 2
    return other


def _check_control_design(control_config: Callable, manifest) -> None:
    manifest = load_sweep(manifest)
    _check_config(call(control_config, copy.deepcopy(manifest)), manifest, "for the sweep's manifest")
    other = _halved(manifest)
    try:
        _check_config(call(control_config, copy.deepcopy(other)), other, "for a manifest in which PLR handed out half "
                      "as many distinguishing levels")
    except CheckFailed as failure:
        raise CheckFailed(f"{failure} Hint: your config passes for the sweep's manifest only: read every value from "
                          "the manifest your function is given, do not type it in.") from None


def check_control_design(control_config: Callable, strict: bool = False, *, manifest=None) -> None:
    """Check ``control_config(manifest)`` -> a dict with ``DESIGN_KEYS`` against the sweep in ``manifest``
    (None: the shipped one): domain randomization, alpha within ``DESIGN_TOLERANCE`` of PLR's share over
    training at ``ALPHA``, at least as many seeds as PLR's arm (and ``MIN_SEEDS``), the sweep's steps,
    levels and filter. Also called with a copy of the manifest whose shares are halved, so that a
    typed-in answer fails. Trains nothing."""
    manifest = load_sweep(manifest)
    checker("ex-mitig-design")(lambda f: _check_control_design(f, manifest))(control_config, strict)


check_control_design.exercise_label = "ex-mitig-design"


# ---------------------------------------------------------------- ex-mitig-limits


def limits_questions() -> list[Question]:
    """``ex-mitig-limits``: what a level curriculum can and cannot do (true by construction, whatever
    the sweep measured). Show with ``quiz(*limits_questions())``."""
    return [
        Question(
            "At alpha = 0 no level of the training distribution has the coin away from the end. What can "
            "prioritized level replay do about the coin?",
            [
                Choice("It finds the levels with the highest regret and so creates the missing ones.",
                       feedback="PLR scores and replays levels; it never edits one. New levels come from the same "
                                "distribution as in domain randomization (an editor such as ACCEL's could move the "
                                "coin, PLR cannot)."),
                Choice("Nothing: it only replays levels it drew from the training distribution, and none of them "
                       "tells 'coin' from 'end'.", correct=True,
                       feedback="Yes: PLR changes how often levels are played, not what levels exist. Its share of "
                                "distinguishing levels is 0 whatever their scores."),
                Choice("It helps a little: rare levels get replayed more often.",
                       feedback="A level that is never drawn cannot be replayed; at alpha = 0 the rare levels are "
                                "absent, not rare."),
            ]),
        Question(
            "Chapter 2's second correlate: in training the moved coin always stood on the floor, and nobody "
            "randomized that. Would prioritized level replay fix it?",
            [
                Choice("Yes: levels where the agent misses the coin score high, so PLR replays them.",
                       feedback="Only if such levels are in the training distribution. With the coin always on the "
                                "floor, a ledge-top coin never appears, so no level can score for it."),
                Choice("Yes, if the buffer is large enough.",
                       feedback="A larger buffer holds more of the same levels; none of them has the coin on a ledge."),
                Choice("No: no training level has the coin on a ledge top, so there is nothing to replay; a curriculum "
                       "only amplifies the variation the designers already put in.", correct=True,
                       feedback="Yes: the fix for a correlate nobody identified is to identify it; a curriculum acts "
                                "on the training distribution it is given."),
            ]),
        Question(
            "A level has a high positive value loss in the last rollout. What does that say?",
            [
                Choice("The level is too hard: the agent fails on it.",
                       feedback="A level the agent always fails, and whose failure the critic expects, has advantages "
                                "near 0 and scores low; the score measures surprise, not failure."),
                Choice("The agent has learned the intended goal on that level.",
                       feedback="The score says nothing about which goal the agent pursues; a moved coin it picked up "
                                "by chance can score as high as one it aimed for."),
                Choice("On that level the agent often did better than its critic predicted: its value estimate is "
                       "still wrong there, so there is something left to learn.", correct=True,
                       feedback="Yes: max(A, 0) averages the surprises in the agent's favour, a cheap stand-in for "
                                "regret."),
                Choice("The level has the coin away from the end.",
                       feedback="Not by definition: any level where the critic underestimates the return scores "
                                "high, a hard jump the agent happened to clear as well as a moved coin."),
            ]),
    ]
