"""Every checker of chapter 2 (causal versus spurious structure) passes the reference and fails
wrong answers helpfully."""

import math

import pytest

from goalmisgen.exercises import CheckFailed
from goalmisgen.exercises.causal_vs_spurious import (
    check_follow_rates,
    check_sufficient_fraction,
    check_support_design,
    reference_follow_rates,
    reference_sufficient_fraction,
)

GOOD_DESIGN = {"train": {"coin_placement": "end", "random_fraction": 0.25, "coin_support": "ground"},
               "test": {"coin_placement": "random", "coin_support": "ledge"},
               "control": {"coin_placement": "end", "random_fraction": 0.25, "coin_support": "any"}}


def stub(*args, **kwargs):
    raise NotImplementedError("exercise ex-causal")


def loop_sufficient_fraction(table, min_rate):
    """A learner's answer: walk the fractions from the largest down while they pass the bar."""
    rows = table.sort_values("fraction", ascending=False)
    best = None
    for fraction, low in zip(rows["fraction"], rows["ci_low"]):
        if low < min_rate:
            break
        best = float(fraction)
    return best


CHECKS = [
    (check_follow_rates, reference_follow_rates, "ex-causal-follow"),
    (check_sufficient_fraction, reference_sufficient_fraction, "ex-causal-threshold"),
    (check_sufficient_fraction, loop_sufficient_fraction, "ex-causal-threshold"),
    (check_support_design, lambda: GOOD_DESIGN, "ex-causal-design"),
    (check_support_design, lambda: {**GOOD_DESIGN, "train": {"random_fraction": 0.05, "coin_support": "ground"},
                                    "control": {"random_fraction": 0.05}}, "ex-causal-design"),
]


@pytest.mark.parametrize("check, answer, label", CHECKS)
def test_checker_passes_a_correct_answer_with_one_line(check, answer, label, capsys):
    check(answer)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and label in out[0] and "passed" in out[0]


@pytest.mark.parametrize("check", [check_follow_rates, check_sufficient_fraction, check_support_design])
def test_a_stub_is_reported_as_not_implemented(check, capsys):
    check(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(stub, strict=True)


@pytest.mark.parametrize("wrong, hint", [
    (lambda e: {"coin": float(e["coin_collected"].mean()), "end": float(e["reached_end"].mean())}, "good levels"),
    (lambda e: (0.1, 0.9), "keys 'coin' and 'end'"),
    (lambda e: {"coin": 0.0, "end": 0.0} if not e["good"].astype(bool).any() else reference_follow_rates(e), "nan"),
])
def test_follow_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_follow_rates(wrong)


def _first_crossing_of_mean(table, min_rate):
    rows = table.sort_values("fraction")
    above = rows[rows["mean"] >= min_rate]
    return float(above["fraction"].iloc[0]) if len(above) else None


def _first_crossing_of_low(table, min_rate):
    rows = table.sort_values("fraction")
    above = rows[rows["ci_low"] >= min_rate]
    return float(above["fraction"].iloc[0]) if len(above) else None


@pytest.mark.parametrize("wrong, hint", [
    (_first_crossing_of_mean, "lower end"),
    (_first_crossing_of_low, "every larger fraction"),
    (lambda table, min_rate: 0.02, "expected 0.01, got 0.02"),
])
def test_threshold_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_sufficient_fraction(wrong)


@pytest.mark.parametrize("design, hint", [
    ({**GOOD_DESIGN, "train": {"coin_placement": "end", "random_fraction": 0.0, "coin_support": "ground"}},
     "never see a moved coin"),
    ({**GOOD_DESIGN, "train": {**GOOD_DESIGN["train"], "coin_support": "any"}}, "keep the second correlate"),
    ({**GOOD_DESIGN, "test": {"coin_placement": "random", "coin_support": "ground"}}, "ledge top"),
    ({**GOOD_DESIGN, "control": {**GOOD_DESIGN["control"], "coin_support": "ground"}}, "one factor"),
    ({**GOOD_DESIGN, "control": {**GOOD_DESIGN["control"], "random_fraction": 1.0}}, "Change only coin_support"),
    ({**GOOD_DESIGN, "train": {**GOOD_DESIGN["train"], "coin_support": "floor"}}, "must be one of"),
    ({**GOOD_DESIGN, "train": {**GOOD_DESIGN["train"], "random_fraction": True}}, "number in"),
    ({**GOOD_DESIGN, "test": {"coin_placement": "random", "enemy": True}}, "does not use"),
    ({"train": {}, "test": {}}, "exactly the keys"),
])
def test_design_checker_names_the_rule_a_design_breaks(design, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_support_design(lambda: design)


def test_references_on_edge_cases():
    import pandas as pd

    empty = pd.DataFrame({"good": [0, 0], "coin_collected": [1, 0], "reached_end": [0, 1]})
    assert all(math.isnan(v) for v in reference_follow_rates(empty).values())
    table = pd.DataFrame({"fraction": [0.0, 0.01, 0.02], "ci_low": [0.1, 0.6, 0.4]})
    assert reference_sufficient_fraction(table, 0.5) is None
    assert reference_sufficient_fraction(table, 0.05) == 0.0
