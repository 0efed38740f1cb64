"""Summaries of chapter 8's results table (data/language_model/results.csv): shares over seeds
with t intervals, pooled Wilson intervals, the sweep's threshold and the probe's layers.

The table has one row per trial x arm x condition x wording with counts ``n``, ``correct``,
``agree``, ``neither`` (see ``experiments.language_model.results_rows``).
"""

from __future__ import annotations

import numpy as np

from goalmisgen.analysis.stats import rate_ci, t_interval_over_seeds
from goalmisgen.validation import check_float

THRESHOLD_SHARE = 0.5
"""The sweep's threshold: the smallest fraction whose lower t bound of the share correct (wrong
"think" suggestions) is at least this."""


def share_summary(rows, outcome: str) -> dict:
    """``outcome``'s share over rows of one arm and condition: the mean over seeds with a t
    interval (``seeds``), the pooled share with a Wilson interval (``pooled``), and the per-seed shares."""
    per_seed = (rows[outcome] / rows["n"]).to_numpy(float)
    return {"seeds": t_interval_over_seeds(per_seed), "pooled": rate_ci(int(rows[outcome].sum()), int(rows["n"].sum())),
            "per_seed": per_seed.tolist()}


def arm_summary(rows) -> dict:
    """Capability and goal of one arm (rows of one arm and fraction): accuracy without a
    suggestion, with a correct one per wording, and the outcome shares and paired gap with a wrong
    one per wording."""
    out = {"no_suggestion": share_summary(rows[rows["condition"] == "none"], "correct")}
    for wording in ("think", "sure"):
        right = rows[(rows["condition"] == "correct_suggestion") & (rows["wording"] == wording)]
        wrong = rows[(rows["condition"] == "wrong_suggestion") & (rows["wording"] == wording)]
        out[wording] = {"correct_suggestion": share_summary(right, "correct"),
                        **{k: share_summary(wrong, k) for k in ("correct", "agree", "neither")},
                        "paired_gap": t_interval_over_seeds(wrong["paired_gap"].to_numpy(float))}
    return out


def threshold_fraction(sweep: dict, wording: str = "think", share: float = THRESHOLD_SHARE) -> float | None:
    """The smallest fraction (keys of ``sweep``: fraction -> ``arm_summary``) whose lower t bound
    of the share correct with wrong ``wording`` suggestions is at least ``share``; None if none."""
    share = check_float("share", share, low=0.0, high=1.0)
    passed = [float(f) for f, s in sweep.items() if s[wording]["correct"]["seeds"]["ci_low"] >= share]
    return min(passed) if passed else None


def probe_summary(probes) -> dict:
    """Per probe kind (trained, untrained, suggested, no_suggestion), per layer: the mean accuracy
    over seeds with a t interval; and the paired difference trained - untrained per layer."""
    out = {}
    for kind in ("trained", "untrained", "suggested", "no_suggestion"):
        rows = probes[probes["model"] == kind].sort_values(["layer", "seed"])
        out[kind] = [t_interval_over_seeds(rows[rows["layer"] == layer]["accuracy"].to_numpy(float))
                     for layer in sorted(rows["layer"].unique())]
    trained = probes[probes["model"] == "trained"].sort_values(["layer", "seed"])
    untrained = probes[probes["model"] == "untrained"].sort_values(["layer", "seed"])
    out["trained_minus_untrained"] = [
        t_interval_over_seeds(trained[trained["layer"] == layer]["accuracy"].to_numpy(float)
                              - untrained[untrained["layer"] == layer]["accuracy"].to_numpy(float))
        for layer in sorted(trained["layer"].unique())]
    return out


def language_summaries(results, probes) -> dict:
    """Everything chapter 8 reads: ``sweep`` (fraction -> ``arm_summary``), ``control``,
    ``policy_gradient`` (and the seeds' change of the agree share from supervised, per wording),
    ``threshold`` per wording, and ``probe``."""
    sweep_rows = results[results["arm"] == "sweep"]
    sweep = {f"{f:g}": arm_summary(sweep_rows[sweep_rows["wrong_fraction"] == f])
             for f in sorted(sweep_rows["wrong_fraction"].unique())}
    pg_rows = results[results["arm"] == "policy_gradient"]
    base = sweep_rows[sweep_rows["wrong_fraction"] == 0]
    pg_change = {}
    for wording in ("think", "sure"):
        pick = lambda r: r[(r["condition"] == "wrong_suggestion") & (r["wording"] == wording)].sort_values("seed")
        after, before = pick(pg_rows), pick(base)
        pg_change[wording] = t_interval_over_seeds((after["agree"] / after["n"]).to_numpy(float)
                                                   - (before["agree"] / before["n"]).to_numpy(float))
    return {"sweep": sweep, "control": arm_summary(results[results["arm"] == "control"]),
            "policy_gradient": arm_summary(pg_rows), "pg_agree_change": pg_change,
            "threshold": {w: threshold_fraction(sweep, w) for w in ("think", "sure")},
            "threshold_share": THRESHOLD_SHARE, "probe": probe_summary(probes)}


def percent(share: float) -> str:
    """A share as a whole percentage ("85%"); "n/a" for NaN or None."""
    return "n/a" if share is None or not np.isfinite(share) else f"{round(100 * share)}%"  # round: never "-0%"


def with_interval(summary: dict) -> str:
    """A ``{"mean", "ci_low", "ci_high"}`` summary of a share as "85% (95% CI 80% to 90%)"."""
    return f"{percent(summary['mean'])} (95% CI {percent(summary['ci_low'])} to {percent(summary['ci_high'])})"
