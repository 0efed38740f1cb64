"""Coin placement options the randomization sweep and the second-correlate experiment stand on:
``random_fraction`` at fractions below a whole percent, and ``coin_support`` (ground or ledge top)."""

import functools

import numpy as np
import pytest

from goalmisgen.analysis.stats import rate_ci
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import CoinRunGridVecEnv, CoinRunOptions
from goalmisgen.envs.grid.options import HELD_OUT_START

SEEDS = np.arange(5000)
N_FRACTION = 400_000  # seeds 0 .. N-1: a fixed sample, so the checks below are deterministic


@functools.lru_cache(maxsize=None)
def random_share(p):
    """Which of the first N_FRACTION training levels have a random coin at random_fraction=p."""
    return lv.generate_levels(np.arange(N_FRACTION), coin_placement="end", random_fraction=p, num_sections=1).coin_is_random


def _first_column_of_a_section(levels):
    return (levels.coin_x[:, None] == levels.section_x0).any(axis=1)


@pytest.mark.parametrize("p", [0.005, 0.01, 0.02])
def test_random_fraction_randomizes_that_share_of_levels_below_a_whole_percent(p):
    ci = rate_ci(int(random_share(p).sum()), N_FRACTION, level=0.999)
    assert ci["ci_low"] <= p <= ci["ci_high"], (p, ci)


def test_half_a_percent_differs_from_both_whole_percents_around_it():
    share = {p: random_share(p).mean() for p in (0.0, 0.005, 0.01)}
    assert share[0.0] == 0.0
    assert 0.004 < share[0.005] < 0.006 < 0.009 < share[0.01] < 0.011  # not rounded to 0% or 1%


def test_levels_randomized_at_a_smaller_fraction_are_randomized_at_a_larger_one():
    small, large = random_share(0.005), random_share(0.02)
    assert small.sum() > 0 and (large[small]).all() and large.sum() > small.sum()


@pytest.mark.parametrize("start", [0, HELD_OUT_START])
def test_ground_support_never_puts_the_coin_on_a_ledge_and_keeps_the_column(start):
    seeds = start + SEEDS
    anywhere = lv.generate_levels(seeds, coin_placement="random")
    ground = lv.generate_levels(seeds, coin_placement="random", coin_support="ground")
    rows = np.arange(len(seeds))
    assert not lv.coin_on_ledge(ground).any()
    assert (ground.coin_y == ground.floor[rows, ground.coin_x]).all()  # standing on the floor
    assert ground.solid[rows, ground.coin_x, ground.coin_y - 1].all() and not ground.solid[rows, ground.coin_x, ground.coin_y].any()
    assert (ground.coin_x == anywhere.coin_x).all() and _first_column_of_a_section(ground).all()
    # the default puts a sizeable share of coins on ledge tops: the option changes something
    moved = lv.coin_on_ledge(anywhere)
    assert 0.08 < moved.mean() < 0.2
    assert (ground.coin_y[moved] == anywhere.coin_y[moved] - 2).all() and (ground.coin_y[~moved] == anywhere.coin_y[~moved]).all()


def test_ledge_support_puts_the_coin_on_the_ledge_top_wherever_its_section_has_one():
    anywhere = lv.generate_levels(SEEDS, coin_placement="random")
    ledge = lv.generate_levels(SEEDS, coin_placement="random", coin_support="ledge")
    rows = np.arange(len(SEEDS))
    section = (ledge.coin_x[:, None] >= ledge.section_x0).sum(axis=1) - 1
    in_ledge_section = ledge.kinds[rows, section] == lv.LEDGE
    on_top = lv.coin_on_ledge(ledge)
    assert (on_top == in_ledge_section).all()
    assert 0.2 < on_top.mean() < 0.3  # about the share of ledge sections (25%)
    # standing on the ledge: the ledge cell is solid below the coin, the coin's cell is free
    assert ledge.solid[rows[on_top], ledge.coin_x[on_top], ledge.coin_y[on_top] - 1].all()
    assert not ledge.solid[rows, ledge.coin_x, ledge.coin_y].any()
    assert (ledge.coin_y[on_top] == ledge.floor[rows[on_top], ledge.coin_x[on_top]] + 2).all()
    assert (ledge.coin_x == anywhere.coin_x).all()
    # every coin the default put on a ledge top is there under "ledge" too
    assert on_top[lv.coin_on_ledge(anywhere)].all()


def test_coin_support_changes_only_the_random_coin():
    a = lv.generate_levels(SEEDS, random_fraction=0.3)
    b = lv.generate_levels(SEEDS, random_fraction=0.3, coin_support="ledge")
    for name, arr in lv.layout_arrays(a).items():
        assert np.array_equal(arr, lv.layout_arrays(b)[name]), name
    assert (a.coin_is_random == b.coin_is_random).all()
    end = ~a.coin_is_random
    assert (a.coin_x[end] == b.coin_x[end]).all() and (a.coin_y[end] == b.coin_y[end]).all()
    assert not lv.coin_on_ledge(a)[end].any()


def test_coin_support_is_an_env_option():
    env = CoinRunGridVecEnv(num_envs=len(SEEDS[:500]), coin_placement="random", coin_support="ledge")
    levels = env.generate(SEEDS[:500])
    assert (levels.coin_y == lv.generate_levels(SEEDS[:500], coin_placement="random", coin_support="ledge").coin_y).all()
    env.reset(seed=0, options={"levels": levels})
    assert (env.state.coin_y == levels.coin_y).all()
    assert CoinRunOptions.from_kwargs({"coin_support": "ground"}).coin_support == "ground"
    assert CoinRunOptions().coin_support == "any"


@pytest.mark.parametrize("value", ["floor", True, None, 1])
def test_bad_coin_support_is_refused(value):
    with pytest.raises(ValueError, match=f"coin_support={value!r} is not allowed: coin_support must be one of 'any', 'ground', 'ledge'"):
        CoinRunOptions(coin_support=value)
    with pytest.raises(ValueError, match="coin_support="):
        lv.generate_levels(SEEDS[:3], coin_support=value)
