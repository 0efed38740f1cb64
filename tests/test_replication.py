"""analysis.replication: re-runs compared with shipped rows in ways that hold on any machine."""

import numpy as np
import pytest

from goalmisgen.analysis.replication import new_seed_agreement, rerun_agreement
from goalmisgen.analysis.stats import pooled_seed_sd, seed_prediction_interval


def test_identical_outcomes_are_called_identical():
    x = np.array([0, 1, 1, 0, 1])
    check = rerun_agreement(x, x.astype(bool))
    assert check["verdict"] == "identical" and check["agrees"] and check["p_value"] == 1.0
    assert check["n_identical"] == 5 and check["mean"] == 0.0


def test_a_few_flipped_levels_cannot_fail_the_rerun_check():
    rng = np.random.default_rng(0)
    shipped = rng.integers(0, 2, size=1000)
    flipped = np.flatnonzero(shipped == 0)[:7]  # seven levels flipped, all the same way
    fresh = shipped.copy()
    fresh[flipped] = 1
    check = rerun_agreement(fresh, shipped)
    assert check["verdict"] == "agrees" and check["fresh_only"] == 7 and check["shipped_only"] == 0


def test_a_systematic_change_of_the_rate_fails_the_rerun_check():
    rng = np.random.default_rng(1)
    shipped = (rng.random(1000) < 0.5).astype(int)
    fresh = np.where(shipped == 1, (rng.random(1000) < 0.8).astype(int), 0)  # a fifth of the successes lost
    check = rerun_agreement(fresh, shipped)
    assert check["verdict"] == "differs" and not check["agrees"] and check["ci_high"] < 0


def test_rerun_agreement_refuses_unpaired_or_non_binary_outcomes():
    with pytest.raises(ValueError, match="paired level by level"):
        rerun_agreement([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="0/1"):
        rerun_agreement([0, 2], [0, 1])
    with pytest.raises(ValueError, match="no levels"):
        rerun_agreement([], [])
    with pytest.raises(ValueError, match="alpha"):
        rerun_agreement([0, 1], [0, 1], alpha=1.5)


def test_the_prediction_interval_is_wider_than_the_interval_for_the_mean():
    x = np.array([0.30, 0.36, 0.35])
    pi = seed_prediction_interval(x, level=0.95)
    half = 4.302652729911275 * x.std(ddof=1) * np.sqrt(1 + 1 / 3)
    assert pi["pi_low"] == pytest.approx(x.mean() - half) and pi["pi_high"] == pytest.approx(x.mean() + half)
    assert np.isnan(seed_prediction_interval([0.3])["pi_low"])


def test_pooling_the_seed_spread_over_groups_adds_degrees_of_freedom():
    groups = [np.array([0.1, 0.2, 0.3]), np.array([0.5, 0.5, 0.8]), np.array([0.4])]
    spread = pooled_seed_sd(groups)
    assert spread["df"] == 4
    assert spread["sd"] == pytest.approx(np.sqrt((0.02 + 0.06) / 4))
    narrow = seed_prediction_interval(groups[0], level=0.99, spread=spread)
    wide = seed_prediction_interval(groups[0], level=0.99)
    assert narrow["df"] == 4 and narrow["pi_high"] - narrow["pi_low"] < wide["pi_high"] - wide["pi_low"]
    with pytest.raises(ValueError, match="spread must be"):
        seed_prediction_interval(groups[0], spread={"sd": 0.1})


def test_a_fresh_seed_inside_the_shipped_spread_agrees_and_one_far_outside_does_not():
    seeds = [0.53, 0.60, 0.64]
    spread = {"sd": 0.047, "df": 40}  # the Keys-and-Chests seeds pooled over checkpoints and ratios
    assert new_seed_agreement(0.58, seeds, spread)["verdict"] == "within the seed spread"
    assert new_seed_agreement(0.05, seeds, spread)["verdict"] == "outside the seed spread"
    assert new_seed_agreement(0.05, seeds)["agrees"], "three seeds alone predict almost anything at 99%"
    with pytest.raises(ValueError, match="at least 2"):
        new_seed_agreement(0.5, [0.5])
    with pytest.raises(ValueError, match="fresh_rate"):
        new_seed_agreement(1.5, seeds)
