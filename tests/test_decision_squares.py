"""Decision squares: found where the paths part on hand-made mazes, exact features on a tiny maze,
agreement with the core's search on generated mazes, and a fit that finds a planted dependence
and nothing in noise."""

import numpy as np
import pandas as pd
import pytest

from goalmisgen.analysis.decision_squares import fit_l1_logistic
from goalmisgen.envs.maze.decision_squares import FEATURES, decision_squares, distances_from
from goalmisgen.envs.maze import levels as lv
from goalmisgen.envs.maze import shortest_paths_to
from goalmisgen.envs.maze.levels import MazeLevels

# 5 x 5 perfect mazes as lists of open squares (x, y), y from the bottom; start (0, 0), corner (4, 4)
COMB = [(x, 0) for x in range(5)] + [(x, y) for x in (0, 2, 4) for y in range(1, 5)]
"""A bottom corridor with three teeth going up (x = 0, 2, 4): the corner is at the top of the right tooth."""
HOOK = [(x, 0) for x in range(5)] + [(4, y) for y in range(1, 5)] + [(3, 4), (2, 4), (2, 3), (2, 2)] \
    + [(0, 1), (0, 2), (0, 3), (0, 4)]
"""Bottom corridor, up the right side to the corner, then on along the top and down into (2, 2)."""


def _maze(open_squares, cheese, grid=5, origin=0, seed=0):
    wall = np.ones((1, grid, grid), dtype=bool)
    for x, y in open_squares:
        wall[0, origin + x, origin + y] = False
    return MazeLevels(seeds=np.array([seed]), wall=wall, size=np.array([5]), origin=np.array([origin]),
                      cheese_x=np.array([origin + cheese[0]]), cheese_y=np.array([origin + cheese[1]]))


def test_hand_made_mazes_are_perfect():
    for squares in (COMB, HOOK):
        assert len(set(squares)) == 9 + 8  # 9 rooms joined by 8 passages: a tree
        d = distances_from(_maze(squares, (2, 4)), np.array([0]), np.array([0]))
        assert (d[0][~_maze(squares, (2, 4)).wall[0]] >= 0).all()


@pytest.mark.parametrize("squares, cheese, expected, has", [
    (COMB, (2, 4), (2, 0), True),    # up the middle tooth: the paths part at its foot
    (COMB, (0, 3), (0, 0), True),    # up the left tooth: they part at the start
    (COMB, (3, 0), (3, 0), False),   # on the way to the corner: no decision to make
    (COMB, (4, 2), (4, 2), False),
    (HOOK, (2, 2), (4, 4), False),   # past the corner: the corner is on the way to the cheese
    (HOOK, (0, 2), (0, 0), True),
])
def test_the_decision_square_is_where_the_paths_part(squares, cheese, expected, has):
    for origin, grid in ((0, 5), (3, 11)):  # also inside a larger grid, as smaller mazes are
        row = decision_squares(_maze(squares, cheese, grid, origin)).iloc[0]
        assert (row.decision_x - origin, row.decision_y - origin) == expected
        assert row.has_decision_square == has
        assert row.cheese_on_corner_path == (cheese == expected)


def test_features_on_a_tiny_known_maze():
    row = decision_squares(_maze(COMB, (2, 4))).iloc[0]
    assert row.start_cheese_path == 6 and row.start_corner_path == 8
    assert row.cheese_corner_path == 10  # down the tooth (4), along the corridor (2), up the right tooth (4)
    assert row.decision_cheese_path == 4 and row.decision_corner_path == 6
    assert row.cheese_corner_euclid == pytest.approx(2.0)
    assert row.decision_cheese_euclid == pytest.approx(4.0)
    assert row.decision_corner_euclid == pytest.approx(np.hypot(2, 4))
    hook = decision_squares(_maze(HOOK, (2, 2))).iloc[0]
    assert hook.cheese_corner_path == 4 and hook.decision_corner_path == 0 and hook.decision_cheese_path == 4


def test_distances_agree_with_the_core_search_on_generated_mazes():
    levels = lv.generate_levels(np.arange(300), 5, 15, "anywhere", 1)
    table = decision_squares(levels)
    n = np.arange(len(levels))
    cheese = np.zeros_like(levels.wall)
    cheese[n, levels.cheese_x, levels.cheese_y] = True
    corner = np.zeros_like(levels.wall)
    corner[(n, *levels.corner)] = True
    assert (table.start_cheese_path.to_numpy() == shortest_paths_to(levels, cheese)).all()
    assert (table.start_corner_path.to_numpy() == shortest_paths_to(levels, corner)).all()
    # one path between two squares of a perfect maze: cheese -> corner passes the decision square
    assert (table.cheese_corner_path == table.decision_cheese_path + table.decision_corner_path).all()
    assert 0.05 < table.has_decision_square.mean() < 0.95


def _synthetic(n, planted, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES)))
    p = 1 / (1 + np.exp(-(0.8 - 3.0 * X[:, 0]))) if planted else np.full(n, 0.7)
    table = pd.DataFrame(X, columns=list(FEATURES))
    table["cheese_collected"] = rng.random(n) < p
    return table


def test_the_fit_recovers_a_planted_dependence():
    fit = fit_l1_logistic(_synthetic(3000, planted=True))
    coef = fit["coefficients"]
    assert fit["accuracy"] > fit["base_rate"] + 0.1
    assert fit["accuracy_ci"]["ci_low"] > fit["base_rate"]
    assert coef["cheese_corner_euclid"] < -1.5  # the planted feature, with its sign
    assert all(abs(c) < 0.15 for f, c in coef.items() if f != "cheese_corner_euclid")


def test_the_fit_finds_nothing_in_noise():
    fit = fit_l1_logistic(_synthetic(3000, planted=False))
    assert abs(fit["accuracy"] - fit["base_rate"]) < 0.03
    assert 0.6 < fit["outcome_rate"] < 0.8


def test_the_fit_refuses_bad_input():
    table = _synthetic(100, planted=True)
    with pytest.raises(ValueError, match="lacks the column"):
        fit_l1_logistic(table, features=["nope"])
    with pytest.raises(ValueError, match="test_fraction"):
        fit_l1_logistic(table, test_fraction=1.0)
    with pytest.raises(ValueError, match="too few rows"):
        fit_l1_logistic(table.head(2), test_fraction=0.5)


def _pooled_rows(n_mazes=300, seeds=(0, 1, 2), effect=-1.5, seed=0):
    """Rows for several agents on shared mazes: got the cheese falls with the distance (``effect``
    per standard deviation), with a maze size that correlates with it."""
    rng = np.random.default_rng(seed)
    dist = rng.normal(size=n_mazes)
    size = 0.7 * dist + 0.7 * rng.normal(size=n_mazes)
    rows = []
    for s in seeds:
        got = rng.random(n_mazes) < 1 / (1 + np.exp(-(effect * dist - 0.5 * size)))
        rows.append(pd.DataFrame({"seed": s, "level_seed": np.arange(n_mazes), "cheese_corner_euclid": dist,
                                  "maze_size": size, "cheese_collected": got}))
    return pd.concat(rows, ignore_index=True)


def test_the_maze_split_never_puts_one_maze_on_both_sides_and_the_seed_split_holds_out_one_seed():
    from goalmisgen.analysis.decision_squares import fit_l1_logistic as fit

    rows = _pooled_rows()
    by_maze = fit(rows, features=["cheese_corner_euclid", "maze_size"], split="maze")
    assert by_maze["n_test"] % 3 == 0 and by_maze["n_test"] == 3 * round(0.3 * 300)
    by_seed = fit(rows, features=["cheese_corner_euclid", "maze_size"], split="seed", held_out_seed=1)
    assert by_seed["n_test"] == 300 and by_seed["majority"] in ("got the cheese", "no cheese")
    with pytest.raises(ValueError, match="held_out_seed"):
        fit(rows, split="seed", held_out_seed=7, features=["maze_size"])
    with pytest.raises(ValueError, match="split"):
        fit(rows, split="levels", features=["maze_size"])


def test_the_coefficient_difference_finds_a_planted_difference_and_not_a_missing_one():
    from goalmisgen.analysis.decision_squares import coefficient_difference

    steep, flat, same = _pooled_rows(effect=-2.5, seed=1), _pooled_rows(effect=0.0, seed=2), _pooled_rows(effect=-2.5, seed=3)
    planted = coefficient_difference(steep, flat, "cheese_corner_euclid", n_boot=200)
    assert planted["ci_high"] < 0 and planted["a"] < planted["b"]
    none = coefficient_difference(steep, same, "cheese_corner_euclid", n_boot=200)
    assert none["ci_low"] <= 0 <= none["ci_high"]


def test_the_three_outcomes_add_up_to_one_per_k():
    from goalmisgen.analysis.decision_squares import outcome_rates, with_decision_squares

    seeds = np.arange(40)
    rng = np.random.default_rng(0)
    cheese = rng.random(80) < 0.3
    episodes = pd.DataFrame({"k": np.repeat([1, 5], 40), "seed": 0, "level_seed": np.tile(seeds, 2),
                             "cheese_collected": cheese, "reached_corner": rng.random(80) < 0.5})
    table = with_decision_squares(episodes, cheese_placement="anywhere")
    assert (table[["cheese", "corner", "neither"]].sum(axis=1) == 1).all()
    rates = outcome_rates(table)
    assert np.allclose(rates.groupby("k")["mean"].sum(), 1.0)
