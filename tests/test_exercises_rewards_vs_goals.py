"""Every checker of chapter 1 (rewards versus goals) passes the reference and fails wrong answers helpfully."""

import numpy as np
import pytest

from goalmisgen.exercises import CheckFailed
from goalmisgen.exercises.rewards_vs_goals import (
    check_boltzmann_log_likelihood,
    check_inferred_goal,
    check_return_agreement,
    reference_boltzmann_log_likelihood,
    reference_inferred_goal,
    reference_return_agreement,
)


def loop_log_likelihood(costs, actions, beta):
    """A plain-loop answer, as a learner would write it."""
    out = []
    for c, a in zip(np.asarray(costs, dtype=float), actions):
        logits = -beta * (c - c.min())
        out.append(logits[a] - np.log(np.exp(logits).sum()))
    return np.array(out)


def stub(*args, **kwargs):
    raise NotImplementedError("exercise ex-rewards")


CHECKS = [
    (check_return_agreement, reference_return_agreement, "ex-rewards-agree"),
    (check_boltzmann_log_likelihood, reference_boltzmann_log_likelihood, "ex-rewards-boltzmann"),
    (check_boltzmann_log_likelihood, loop_log_likelihood, "ex-rewards-boltzmann"),
    (check_inferred_goal, reference_inferred_goal, "ex-rewards-verdict"),
]


@pytest.mark.parametrize("check, answer, label", CHECKS)
def test_checker_passes_a_correct_answer_with_one_line(check, answer, label, capsys):
    check(answer)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and label in out[0] and "passed" in out[0]


@pytest.mark.parametrize("check", [check_return_agreement, check_boltzmann_log_likelihood,
                                   check_inferred_goal])
def test_a_stub_is_reported_as_not_implemented(check, capsys):
    check(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(stub, strict=True)


@pytest.mark.parametrize("wrong, hint", [
    (lambda e: (float((e["coin_collected"].astype(bool) != e["reached_end"].astype(bool)).mean()), 1.0), "differ"),
    (lambda e: (float((e["coin_collected"].astype(bool) == e["reached_end"].astype(bool)).sum()), 1.0), "count"),
    (lambda e: (1.0, 1.0), "agreement"),
])
def test_agreement_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_return_agreement(wrong)


def test_agreement_checker_explains_an_undefined_correlation():
    def no_nan(e):
        rate, corr = reference_return_agreement(e)
        return rate, 1.0 if np.isnan(corr) else corr
    with pytest.raises(CheckFailed, match="no variance"):
        check_return_agreement(no_nan)


@pytest.mark.parametrize("wrong, hint", [
    (lambda c, a, b: -b * np.asarray(c, dtype=float)[np.arange(len(c)), a], "sum to 1"),
    (lambda c, a, b: reference_boltzmann_log_likelihood(-np.asarray(c, dtype=float), a, b), "sign"),
    (lambda c, a, b: np.log(np.exp(-b * np.asarray(c, dtype=float))[np.arange(len(c)), a]
                            / np.exp(-b * np.asarray(c, dtype=float)).sum(axis=1)), "underflows"),
    (lambda c, a, b: -b * np.asarray(c, dtype=float), "every action"),
])
def test_boltzmann_checker_names_the_mistake(wrong, hint):
    with np.errstate(all="ignore"), pytest.raises(CheckFailed, match=hint):
        check_boltzmann_log_likelihood(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda t, th: str(t.loc[t["posterior"].idxmax(), "goal"]), "bootstrap"),
    (lambda t, th: str(t.loc[t["score"].idxmin(), "goal"]), "highest score"),
    (lambda t, th: "undecided" if t.loc[t["score"].idxmax(), "goal"] == "none" else reference_inferred_goal(t, th), "random policy"),
    (lambda t, th: str(t.loc[t["score"].idxmax(), "goal"]) if t.loc[t["score"].idxmax(), "p_best"] > th else "undecided", "threshold"),
])
def test_verdict_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_inferred_goal(wrong)
