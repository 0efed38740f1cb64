"""Confidence intervals: coverage, edge cases and bad input."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from goalmisgen.analysis.coverage import CrossedModel, coverage
from goalmisgen.analysis.stats import (
    bootstrap_ci,
    crossed_bootstrap_ci,
    hierarchical_bootstrap_ci,
    paired_difference_ci,
    rate_ci,
    seed_group_difference_ci,
    seed_mean_ci,
    seed_paired_difference_ci,
    t_interval_over_seeds,
)


def _coverage(n: int, p: float, method: str) -> float:
    """Exact coverage of the binomial interval at (n, p): the probability that it contains p."""
    covers = np.array([(lambda c: c["ci_low"] <= p <= c["ci_high"])(rate_ci(k, n, method=method))
                       for k in range(n + 1)])
    return float(scipy_stats.binom.pmf(np.arange(n + 1), n, p)[covers].sum())


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.8])
def test_wilson_interval_covers_about_95_percent(p):
    assert 0.92 <= _coverage(150, p, "wilson") <= 0.98


@pytest.mark.parametrize("p", [0.02, 0.3, 0.5])
def test_exact_interval_never_undercovers(p):
    assert _coverage(60, p, "exact") >= 0.95


def test_wilson_coverage_by_simulation():
    rng = np.random.default_rng(0)
    n, p = 300, 0.1
    table = [rate_ci(k, n) for k in range(n + 1)]
    hits = [table[k]["ci_low"] <= p <= table[k]["ci_high"] for k in rng.binomial(n, p, size=4000)]
    assert 0.93 <= np.mean(hits) <= 0.97


@pytest.mark.parametrize("method", ["wilson", "exact"])
def test_zero_and_all_successes_do_not_collapse(method):
    zero = rate_ci(0, 300, method=method)
    assert zero["mean"] == 0.0 and zero["ci_low"] == 0.0 and 0.005 < zero["ci_high"] < 0.02
    full = rate_ci(300, 300, method=method)
    assert full["ci_high"] == pytest.approx(1.0) and 0.98 < full["ci_low"] < 0.995


def test_rate_ci_accepts_numpy_integers_and_handles_empty():
    assert rate_ci(np.int64(3), np.int32(10))["mean"] == pytest.approx(0.3)
    empty = rate_ci(0, 0)
    assert empty["n"] == 0 and all(math.isnan(empty[k]) for k in ("mean", "ci_low", "ci_high"))


def _correlated_levels(rng, n_seeds=5, n_levels=200):
    """0/1 outcomes where each level has its own difficulty shared by all seeds (true mean 0.5)."""
    p_level = rng.beta(1.0, 1.0, size=n_levels)
    return (rng.random((n_seeds, n_levels)) < p_level).astype(float)


def test_crossed_bootstrap_is_wider_than_iid_when_levels_correlate():
    rng = np.random.default_rng(1)
    values = _correlated_levels(rng)
    crossed = crossed_bootstrap_ci(values)
    naive = bootstrap_ci(values.reshape(-1))
    assert crossed["mean"] == pytest.approx(values.mean())
    assert crossed["ci_high"] - crossed["ci_low"] > 1.4 * (naive["ci_high"] - naive["ci_low"])


def test_crossed_bootstrap_covers_the_population_mean_where_iid_does_not():
    rng = np.random.default_rng(2)
    crossed_hits, naive_hits = [], []
    for i in range(80):
        values = _correlated_levels(rng, n_seeds=5, n_levels=100)
        c = crossed_bootstrap_ci(values, n_boot=400, seed=i)
        b = bootstrap_ci(values.reshape(-1), n_boot=400, seed=i)
        crossed_hits.append(c["ci_low"] <= 0.5 <= c["ci_high"])
        naive_hits.append(b["ci_low"] <= 0.5 <= b["ci_high"])
    assert np.mean(crossed_hits) >= 0.88
    assert np.mean(naive_hits) < np.mean(crossed_hits) - 0.1


def test_crossed_bootstrap_estimand_is_mean_of_seed_means_over_present_levels():
    values = np.array([[1.0, 0.0, np.nan, np.nan],
                       [1.0, 1.0, 1.0, 0.0],
                       [np.nan, np.nan, np.nan, np.nan]])
    out = crossed_bootstrap_ci(values, n_boot=200)
    assert out["mean"] == pytest.approx((0.5 + 0.75) / 2)
    assert out["n_seeds"] == 2 and out["n_levels"] == 4
    assert out["ci_low"] <= out["mean"] <= out["ci_high"]


def test_crossed_bootstrap_is_reproducible_and_handles_empty():
    values = _correlated_levels(np.random.default_rng(3), n_levels=40)
    assert crossed_bootstrap_ci(values, seed=4) == crossed_bootstrap_ci(values, seed=4)
    empty = crossed_bootstrap_ci(np.full((3, 5), np.nan))
    assert empty["n_seeds"] == 0 and math.isnan(empty["mean"])


def test_paired_difference_is_narrower_than_unpaired_for_correlated_pairs():
    rng = np.random.default_rng(5)
    reached_end = _correlated_levels(rng, n_seeds=1, n_levels=400)[0]
    coin = reached_end * (rng.random(400) < 0.8)
    paired = paired_difference_ci(reached_end, coin)
    assert paired["mean"] == pytest.approx(reached_end.mean() - coin.mean())
    assert paired["n"] == 400
    boot = np.random.default_rng(0)
    unpaired = (reached_end[boot.integers(0, 400, (2000, 400))].mean(axis=1)
                - coin[boot.integers(0, 400, (2000, 400))].mean(axis=1))
    unpaired_width = np.subtract(*np.quantile(unpaired, [0.975, 0.025]))
    assert paired["ci_high"] - paired["ci_low"] < 0.8 * unpaired_width
    assert paired["ci_low"] > 0


def test_paired_difference_over_seeds_and_levels():
    rng = np.random.default_rng(6)
    a = _correlated_levels(rng, n_seeds=4, n_levels=100)
    b = a * (rng.random(a.shape) < 0.5)
    a[0, :10] = np.nan
    out = paired_difference_ci(a.astype(float), b.astype(bool))
    assert out["n"] == 390 and out["n_seeds"] == 4 and out["n_levels"] == 100
    d = a - b
    assert out["mean"] == pytest.approx(np.mean([np.nanmean(row) for row in d]))
    assert 0 < out["ci_low"] < out["mean"] < out["ci_high"]


def test_t_interval_over_seeds():
    means = np.array([0.2, 0.3, 0.25, 0.4])
    out = t_interval_over_seeds(means)
    half = scipy_stats.t.ppf(0.975, 3) * means.std(ddof=1) / 2
    assert out["mean"] == pytest.approx(0.2875)
    assert out["ci_low"] == pytest.approx(0.2875 - half) and out["ci_high"] == pytest.approx(0.2875 + half)
    one = t_interval_over_seeds([0.5])
    assert one["mean"] == 0.5 and math.isnan(one["ci_low"])


def test_bootstrap_ci_unchanged_and_empty():
    out = bootstrap_ci([0, 1, 1, 0, 1])
    assert out["mean"] == pytest.approx(0.6) and out["ci_low"] < 0.6 < out["ci_high"]
    assert bootstrap_ci([])["n"] == 0
    assert hierarchical_bootstrap_ci([[1, 0, 1], [0, 0]])["n"] == 2


@pytest.mark.parametrize("call, match", [
    (lambda: rate_ci(5, 3), "successes"),
    (lambda: rate_ci(-1, 3), "successes"),
    (lambda: rate_ci(1.5, 3), "successes"),
    (lambda: rate_ci(True, 3), "successes"),
    (lambda: rate_ci(1, -2), "n="),
    (lambda: rate_ci(1, 3, level=1.0), "level"),
    (lambda: rate_ci(1, 3, level=float("nan")), "level"),
    (lambda: rate_ci(1, 3, method="clopper"), "method"),
    (lambda: bootstrap_ci([1.0, float("nan")]), "NaN"),
    (lambda: bootstrap_ci([1.0, float("inf")]), "finite"),
    (lambda: bootstrap_ci(["a", "b"]), "numbers"),
    (lambda: bootstrap_ci([1, 0], n_boot=10), "n_boot"),
    (lambda: bootstrap_ci([1, 0], n_boot=True), "n_boot"),
    (lambda: crossed_bootstrap_ci([1.0, 0.0]), "shape"),
    (lambda: crossed_bootstrap_ci(np.ones((2, 2)), level=0), "level"),
    (lambda: crossed_bootstrap_ci(np.ones((2, 2)), seed=-1), "seed"),
    (lambda: paired_difference_ci(np.ones(3), np.ones(4)), "same shape"),
    (lambda: paired_difference_ci(np.ones((2, 2, 2)), np.ones((2, 2, 2))), "shape"),
    (lambda: t_interval_over_seeds([0.1, float("nan")]), "NaN"),
    (lambda: t_interval_over_seeds([0.1, 0.2], level=95), "level"),
])
def test_bad_input_is_refused_with_a_clear_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_crossed_bootstrap_never_claims_certainty_for_a_rate_that_is_all_zero_or_all_one():
    zeros = np.zeros((3, 346))
    out = crossed_bootstrap_ci(zeros)
    wilson = rate_ci(0, 346)
    assert out["mean"] == 0.0 and out["ci_low"] == 0.0
    assert out["ci_high"] == pytest.approx(wilson["ci_high"]) and out["ci_high"] > 0.005
    ones = crossed_bootstrap_ci(np.ones((2, 100)))
    assert ones["ci_high"] == 1.0 and ones["ci_low"] < 0.99
    mixed = np.zeros((3, 346))
    mixed[0, 0] = 1
    assert crossed_bootstrap_ci(mixed)["ci_high"] > 0


def test_a_paired_difference_of_identical_outcomes_is_not_treated_as_a_rate():
    a = np.ones((2, 50))
    out = paired_difference_ci(a, a)
    assert out["mean"] == 0.0 and out["ci_low"] == 0.0 and out["ci_high"] == 0.0


def test_group_difference_ci_covers_a_planted_gap_and_shares_levels():
    from goalmisgen.analysis.stats import group_difference_ci

    rng = np.random.default_rng(3)
    hardness = rng.uniform(0, 1, 400)  # a level hard for one group is hard for the other
    a = (rng.uniform(size=(5, 400)) < np.clip(0.9 - 0.5 * hardness, 0, 1)).astype(float)
    b = (rng.uniform(size=(4, 400)) < np.clip(0.6 - 0.5 * hardness, 0, 1)).astype(float)
    out = group_difference_ci(a, b)
    assert out["n_seeds_a"] == 5 and out["n_seeds_b"] == 4 and out["n_levels"] == 400
    assert out["mean"] == pytest.approx(a.mean() - b.mean())
    assert out["ci_low"] < 0.3 < out["ci_high"] and out["ci_low"] > 0.15
    same = group_difference_ci(a, a.copy())
    assert same["mean"] == 0 and same["ci_low"] <= 0 <= same["ci_high"]


def test_group_difference_ci_rejects_different_levels():
    from goalmisgen.analysis.stats import group_difference_ci

    with pytest.raises(ValueError, match="same levels"):
        group_difference_ci(np.zeros((2, 10)), np.zeros((2, 11)))


# --- the policy: intervals over training seeds ------------------------------------------------


def test_seed_mean_ci_is_the_t_interval_over_seeds_when_levels_add_nothing():
    """Every level alike for every seed (no level effect, no cell noise): the policy's interval is
    the plain t-interval over the seeds' means."""
    x = np.repeat(np.array([[0.1], [0.3], [0.2], [0.5]]), 40, axis=1)
    policy, plain = seed_mean_ci(x), t_interval_over_seeds(x[:, 0])
    assert policy["df"] == 3 and policy["n_seeds"] == 4 and policy["n_levels"] == 40
    for key in ("mean", "ci_low", "ci_high"):
        assert math.isclose(policy[key], plain[key])


def test_seed_mean_ci_widens_for_the_levels_the_seeds_share():
    """Seeds that agree level by level on a few very different levels: the seeds' means barely
    differ, yet another draw of levels would move them all; the interval sees the levels."""
    rng = np.random.default_rng(3)
    levels = rng.random(12) < 0.5
    x = np.tile(levels, (5, 1)).astype(float)
    x[0, 0] = 1 - x[0, 0]
    policy = seed_mean_ci(x)
    plain = t_interval_over_seeds(x.mean(axis=1))
    assert policy["ci_high"] - policy["ci_low"] > 3 * (plain["ci_high"] - plain["ci_low"])


def test_seed_mean_ci_of_a_rate_stays_in_zero_one_and_never_claims_certainty():
    x = np.zeros((3, 50))
    x[0, :2] = 1
    ci = seed_mean_ci(x)
    assert ci["ci_low"] == 0.0 and 0 < ci["ci_high"] <= 1
    never = seed_mean_ci(np.zeros((5, 100)))
    assert never["ci_low"] == 0.0 and never["ci_high"] > 0.01 and "Wilson" in never["interval"]


def test_seed_mean_ci_with_missing_cells_counts_each_seed_once():
    x = np.array([[1.0, 1.0, np.nan, np.nan], [0.0, 0.0, 0.0, 1.0], [np.nan] * 4])
    ci = seed_mean_ci(x)
    assert ci["n_seeds"] == 2 and math.isclose(ci["mean"], (1.0 + 0.25) / 2)


def test_seed_mean_ci_with_one_seed_gives_no_interval_over_seeds():
    ci = seed_mean_ci(np.array([[0.0, 1.0, 1.0, 0.0]]))
    assert ci["mean"] == 0.5 and math.isnan(ci["ci_low"]) and math.isnan(ci["ci_high"])


def test_seed_paired_difference_is_the_policy_on_the_differences():
    rng = np.random.default_rng(4)
    a = (rng.random((5, 200)) < 0.9).astype(float)
    b = (rng.random((5, 200)) < 0.1).astype(float)
    d = seed_paired_difference_ci(a, b)
    direct = seed_mean_ci(a - b, rate=False)
    assert d["n"] == 1000 and all(math.isclose(d[k], direct[k]) for k in ("mean", "ci_low", "ci_high"))
    assert 0.7 < d["ci_low"] < d["mean"] < d["ci_high"] < 0.9
    same = seed_paired_difference_ci(np.ones((3, 10)), np.zeros((3, 10)))
    assert same["mean"] == 1.0 and same["ci_low"] == same["ci_high"] == 1.0


def test_seed_group_difference_covers_a_known_difference():
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(300):
        a = rng.random((4, 100)) < 0.5 + rng.normal(0, 0.05, size=(4, 1))
        b = rng.random((6, 100)) < 0.3 + rng.normal(0, 0.05, size=(6, 1))
        ci = seed_group_difference_ci(a, b)
        hits += ci["ci_low"] <= 0.2 <= ci["ci_high"]
    assert 0.92 <= hits / 300 <= 0.995
    assert ci["n_seeds_a"] == 4 and ci["n_seeds_b"] == 6 and ci["df"] > 3


@pytest.mark.parametrize("call", [
    lambda: seed_mean_ci(np.zeros(5)),
    lambda: seed_mean_ci(np.zeros((3, 4)), level=1.5),
    lambda: seed_mean_ci(np.full((2, 2), np.inf)),
    lambda: seed_mean_ci(np.zeros((2, 2)), rate="yes"),
    lambda: seed_paired_difference_ci(np.zeros((2, 3)), np.zeros((3, 2))),
    lambda: seed_group_difference_ci(np.zeros((2, 3)), np.zeros((2, 4))),
])
def test_policy_intervals_refuse_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_coverage_simulation_policy_near_95_percent_and_crossed_bootstrap_too_narrow():
    """The synthetic crossed design (``analysis.coverage``, known between-seed spread): the policy's
    95% interval covers the population rate about 95% of the time at 3, 5 and 10 seeds, never far
    below; the percentile bootstrap over seeds and levels (the book's interval until 2026-12-06)
    covers it significantly less than 95% of the time at 3 and 5 seeds. Thresholds set before this
    test's first run: the policy within [0.92, 0.995]; the bootstrap's Wilson upper end below 0.95."""
    rows = coverage(CrossedModel(), seeds=(3, 5, 10), n_tables=300, methods=("policy", "crossed bootstrap"),
                    n_boot=400, seed=0)
    table = {(r["n_seeds"], r["method"]): r for r in rows}
    for k in (3, 5, 10):
        assert 0.92 <= table[k, "policy"]["coverage"] <= 0.995, table[k, "policy"]
        assert table[k, "policy"]["coverage"] >= table[k, "crossed bootstrap"]["coverage"], k
    for k in (3, 5):
        assert table[k, "crossed bootstrap"]["coverage_ci_high"] < 0.95, table[k, "crossed bootstrap"]


def test_coverage_simulation_levels_dominating():
    """Seeds nearly alike on a few very different shared levels: the t-interval over the seeds'
    means (levels fixed) undercovers the population rate, more with more seeds; the policy does not."""
    model = CrossedModel(seed_sd=0.1, level_sd=1.5, n_levels=50)
    rows = coverage(model, seeds=(3, 10), n_tables=300, methods=("policy", "t over seed means"), seed=1)
    table = {(r["n_seeds"], r["method"]): r["coverage"] for r in rows}
    assert table[3, "policy"] >= 0.93 and table[10, "policy"] >= 0.93, table
    assert table[10, "t over seed means"] < 0.85, table


def test_coverage_rejects_unknown_methods_and_bad_models():
    with pytest.raises(ValueError, match="method"):
        coverage(methods=("jackknife",), n_tables=2)
    with pytest.raises(ValueError, match="level_sd"):
        CrossedModel(level_sd=-1.0)
