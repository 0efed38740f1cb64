"""The shipped procgen evaluation manifests: summaries that match their per-episode tables, and no
rate reported with a degenerate interval ([0, 0] for 0 of N, [1, 1] for N of N)."""

import json
import math

import pandas as pd
import pytest

from goalmisgen.analysis.evaluation import RATE_METRICS
from goalmisgen.analysis.evaluate_procgen import procgen_summaries
from goalmisgen.paths import data_dir

PROCGEN = sorted(data_dir().glob("procgen_coinrun*/manifest.json"))


def rate_intervals(node, where=""):
    """Every {"mean", "ci_low", "ci_high"} under a key naming a rate, with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}/{key}"
            if key in RATE_METRICS and isinstance(value, dict) and {"mean", "ci_low", "ci_high"} <= value.keys():
                yield path, value
            else:
                yield from rate_intervals(value, path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from rate_intervals(value, f"{where}[{i}]")


def test_the_procgen_manifests_are_found():
    assert {p.parent.name for p in PROCGEN} == {"procgen_coinrun", "procgen_coinrun_cpu"}


@pytest.mark.parametrize("path", PROCGEN, ids=lambda p: p.parent.name)
def test_no_rate_has_a_degenerate_interval(path):
    found = list(rate_intervals(json.loads(path.read_text())))
    assert len(found) > 20
    degenerate = [(where, ci) for where, ci in found
                  if ci.get("n", 1) and not math.isnan(ci["mean"]) and ci["ci_high"] - ci["ci_low"] <= 0]
    assert not degenerate, f"{path}: rates with a zero-width interval (use Wilson, rate_ci): {degenerate[:3]}"


@pytest.mark.parametrize("path", PROCGEN, ids=lambda p: p.parent.name)
def test_the_procgen_summary_is_the_one_its_episode_table_gives(path):
    manifest = json.loads(path.read_text())
    episodes = pd.read_csv(path.parent / manifest["episodes_file"])
    expected = json.loads(json.dumps(procgen_summaries(episodes, int(manifest["seed"]))))
    assert _same(manifest["evaluation"], expected)
    assert "episodes.csv" in manifest["evaluation_summary"] and "procgen_summaries" in manifest["evaluation_summary"]
    paired = manifest["evaluation"]["paired"]["end_minus_coin"]
    assert paired["n"] == manifest["evaluation"]["random"]["n_good_levels"]


def _same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def test_a_zero_rate_gets_an_upper_bound_above_zero():
    rows = []
    for placement in ("end", "random"):
        for level in range(50):
            rows.append({"coin_placement": placement, "level_seed": level, "good": level % 2 == 0,
                         "coin_collected": placement == "end", "reached_end": True, "died": False, "timed_out": False})
    summary = procgen_summaries(pd.DataFrame(rows))
    coin = summary["random"]["coin_collected"]
    assert coin["mean"] == 0.0 and coin["ci_low"] == 0.0 and 0.0 < coin["ci_high"] < 0.1
    assert summary["paired"]["coin_end_minus_moved"]["mean"] == 1.0
    assert summary["paired"]["end_minus_coin"]["n"] == 25


def test_a_table_without_the_needed_columns_is_refused():
    with pytest.raises(ValueError, match="good"):
        procgen_summaries(pd.DataFrame({"coin_placement": ["end"], "level_seed": [0], "coin_collected": [True], "reached_end": [True]}))
