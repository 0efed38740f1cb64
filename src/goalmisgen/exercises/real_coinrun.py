"""Checkers and quizzes for the exercises of chapter 5 (the real procgen CoinRun).

* ``ex-procgen-predict`` (quiz, before the results): predict how the coin rate with the coin moved
  differs between all levels and the good levels.
* ``ex-procgen-cells``: ``coin_cells(grid, end_x)``, the state edit's placement rule written
  against the parsed level grid; reference: ``envs.procgen_coinrun.state.section_starts``.
* ``ex-procgen-pairs``: ``coin_drop_by_level(episodes)``, the per-level paired difference
  "coin collected with the coin at the end minus with the coin moved", aligned by level seed.
* ``ex-procgen-license`` (quiz, after the paired difference): what the interval licenses; the
  correct answer is computed from the interval (``license_question``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from goalmisgen.envs.procgen_coinrun import state as ps
from goalmisgen.exercises._check import CheckFailed, call, checker
from goalmisgen.exercises.quiz import Choice, Question
from goalmisgen.validation import check_float, check_int

# ---- ex-procgen-cells: where the moved coin may go ---------------------------------------------


def reference_coin_cells(grid: np.ndarray, end_x: int) -> list[tuple[int, int]]:
    """The candidate cells of the moved coin: ``section_starts`` of the package's state edit."""
    return [(int(x), int(y)) for x, y in ps.section_starts(np.asarray(grid), int(end_x))]


def make_level(rng: np.random.Generator, n_sections: int = 5, pits: bool = True) -> tuple[np.ndarray, int]:
    """A (64, 64) CoinRun-like grid [y, x] built as the game builds its levels: sections of different
    heights from x = 5, each boundary marked by an enemy barrier, pits of lava inside sections,
    the coin at the end and wall to its right. Returns (grid, end_x)."""
    grid = np.full((ps.GRID_H, ps.GRID_W), ps.SPACE, dtype=np.int32)
    grid[0, :] = ps.WALL_MID
    x, previous = 0, 1
    heights = [1]
    widths = [ps.FIRST_SECTION_X]
    for _ in range(n_sections):
        heights.append(int(rng.choice([h for h in range(1, 13) if h != heights[-1]])))
        widths.append(int(rng.integers(3, 9)))
    for i, (h, w) in enumerate(zip(heights, widths)):
        grid[1:h, x : x + w] = ps.WALL_MID
        grid[h - 1, x : x + w] = ps.WALL_TOP if h > 1 else ps.WALL_MID
        if i > 0:
            if h > previous:
                grid[h, x - 1] = ps.ENEMY_BARRIER
            else:
                grid[previous, x] = ps.ENEMY_BARRIER
        if pits and i > 0 and w >= 5 and rng.random() < 0.6:
            pit = x + int(rng.integers(2, w - 1))
            grid[1:h, pit] = ps.SPACE
            grid[1, pit] = ps.LAVA_TOP
        x, previous = x + w, h
    end_x = x
    grid[1:previous, end_x:] = ps.WALL_MID
    grid[previous, end_x] = ps.GOAL
    grid[:, end_x + 1 :] = ps.WALL_MID
    return grid, end_x


def _as_cells(got: object, what: str) -> list[tuple[int, int]]:
    try:
        cells = [tuple(int(v) for v in cell) for cell in got]
    except TypeError:
        raise CheckFailed(f"for {what} expected a list of (x, y) pairs, got {type(got).__name__}") from None
    if any(len(cell) != 2 for cell in cells):
        raise CheckFailed(f"for {what} expected (x, y) pairs, got {got!r}")
    return cells


@checker("ex-procgen-cells")
def check_coin_cells(coin_cells: Callable) -> None:
    """Check ``coin_cells(grid, end_x)`` on generated levels: the list of (x, y), sorted by x."""
    rng = np.random.default_rng(5)
    no_pits = make_level(np.random.default_rng(1), 4, pits=False)
    cases = [(*no_pits, "a level of 4 sections without pits")]
    cases += [(*make_level(rng, int(rng.integers(3, 8))), f"generated level {i} (with pits)") for i in range(12)]
    cases.append((no_pits[0], ps.FIRST_SECTION_X + 1, "the same level with end_x just past the first section start"))
    mistakes = [
        (lambda g, e: [(x, y - 1) for x, y in reference_coin_cells(g, e)],
         "those cells are the ground itself. The coin goes on top of the ground: the first free cell, at the ground height."),
        (lambda g, e: _every_step(g, e),
         "you counted every change of the ground height. Pit edges change it too; only the boundaries the generator "
         "marked with an enemy barrier start a new section."),
        (lambda g, e: _left_marks_only(g, e),
         "where a section is lower than the one before, the barrier is not left of it (that cell is solid): it sits in "
         "the section's first column, at the previous section's height."),
    ]
    for grid, end_x, what in cases:
        before = grid.copy()
        expected = reference_coin_cells(grid, end_x)
        got = _as_cells(call(coin_cells, grid, end_x), what)
        if not np.array_equal(grid, before):
            raise CheckFailed(f"for {what} your function changed the grid. Hint: only read it.")
        if got == expected:
            continue
        hint = "a cell (x, y) is a candidate when x is the first column of a section (left of end_x) and y its ground height."
        if sorted(got) == expected:
            hint = "sort the cells by x (left to right)."
        elif got == [(y, x) for x, y in expected]:
            hint = "return (x, y), the column first."
        elif got == reference_coin_cells(grid.T, end_x):
            hint = "the grid is indexed [y, x]: the row (height) first, the column second."
        else:
            for mistake, explanation in mistakes:
                if got == mistake(grid, end_x):
                    hint = explanation
                    break
            else:
                if any(x >= end_x or x < ps.FIRST_SECTION_X for x, _ in got):
                    hint = f"keep columns from x = {ps.FIRST_SECTION_X} (the first section) up to end_x - 1: never the end itself."
        missing = [c for c in expected if c not in got]
        extra = [c for c in got if c not in expected]
        raise CheckFailed(f"for {what} (end_x = {end_x}) expected {expected}, got {got} (missing {missing}, extra {extra}). Hint: {hint}")


def _every_step(grid: np.ndarray, end_x: int) -> list[tuple[int, int]]:
    """A known mistake: every change of ground height is a section start."""
    g = ps.ground_height(grid)
    return [(x, int(g[x])) for x in range(ps.FIRST_SECTION_X, end_x) if g[x] != g[x - 1] and grid[g[x], x] in (ps.SPACE, ps.ENEMY_BARRIER)]


def _left_marks_only(grid: np.ndarray, end_x: int) -> list[tuple[int, int]]:
    """A known mistake: only barriers left of a section mark its start."""
    g = ps.ground_height(grid)
    return [(x, int(g[x])) for x in range(ps.FIRST_SECTION_X, end_x)
            if g[x] != g[x - 1] and grid[g[x], x] in (ps.SPACE, ps.ENEMY_BARRIER) and grid[g[x], x - 1] == ps.ENEMY_BARRIER]


# ---- ex-procgen-pairs: one difference per level ------------------------------------------------


def reference_coin_drop_by_level(episodes: pd.DataFrame) -> np.ndarray:
    """(n,) float: for each level good with the coin moved and played both ways, coin collected
    with the coin at the end minus with it moved, in increasing level seed."""
    table = episodes.assign(coin_collected=episodes["coin_collected"].astype(bool), good=episodes["good"].astype(bool))
    end = table[table["coin_placement"] == "end"].set_index("level_seed")["coin_collected"]
    moved = table[table["coin_placement"] == "random"].set_index("level_seed")
    good = moved.index[moved["good"]]
    levels = np.sort(good.intersection(end.index).to_numpy())
    return end.loc[levels].to_numpy(dtype=float) - moved.loc[levels, "coin_collected"].to_numpy(dtype=float)


def make_episodes(rng: np.random.Generator, n: int = 40, shuffle: bool = True, drop: int = 0) -> pd.DataFrame:
    """A long table like ``data/procgen_coinrun*/episodes.csv``: one row per level and placement."""
    seeds = rng.choice(10_000, size=n, replace=False)
    seeds = seeds if shuffle else np.sort(seeds)
    good_moved = rng.random(n) < 0.4
    end = pd.DataFrame({"level_seed": seeds, "coin_placement": "end", "coin_collected": rng.random(n) < 0.8,
                        "good": rng.random(n) < 0.5})
    moved = pd.DataFrame({"level_seed": seeds, "coin_placement": "random", "coin_collected": rng.random(n) < 0.3,
                          "good": good_moved})
    table = pd.concat([end, moved.iloc[drop:]], ignore_index=True)
    return table.sample(frac=1.0, random_state=int(rng.integers(1 << 30))).reset_index(drop=True) if shuffle else table


@checker("ex-procgen-pairs")
def check_coin_drop_by_level(coin_drop_by_level: Callable) -> None:
    """Check ``coin_drop_by_level(episodes)`` on long tables (one row per level and placement)."""
    rng = np.random.default_rng(7)
    ordered = make_episodes(rng, 30, shuffle=False)
    cases = [
        (ordered, "a table with all 'end' rows first, then the 'random' rows, both in increasing level seed"),
        (make_episodes(rng, 50), "a table whose rows are shuffled"),
        (make_episodes(rng, 50, drop=6), "a table where 6 levels were played only with the coin at the end"),
        (make_episodes(rng, 40).astype({"coin_collected": int, "good": int}), "0/1 integer columns (as read back from a CSV)"),
    ]
    for episodes, what in cases:
        before = episodes.copy()
        expected = reference_coin_drop_by_level(episodes)
        got = call(coin_drop_by_level, episodes)
        if not episodes.equals(before):
            raise CheckFailed(f"for {what} your function changed the table. Hint: work on a copy, or only read it.")
        try:
            got = np.asarray(got, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise CheckFailed(f"for {what} expected an array of numbers, got {type(got).__name__}") from None
        if got.shape == expected.shape and np.allclose(got, expected):
            continue
        end_good = _good_from_end_rows(episodes)
        if got.shape == end_good.shape and np.allclose(got, end_good):
            hint = ("you took the good levels from the 'end' rows. A level is good for the coin-moved test: read the "
                    "`good` column of the 'random' rows.")
        elif len(got) == (episodes["coin_placement"] == "random").sum() and not np.array_equal(got, expected):
            hint = "keep only the good levels (the `good` column of the 'random' rows)."
        elif got.shape == expected.shape and sorted(got) == sorted(expected):
            hint = "order the differences by increasing level seed."
        elif got.shape == expected.shape:
            hint = ("each difference must compare the same level with itself: match the rows by `level_seed` "
                    "(set it as the index, or merge on it), never by row position.")
        else:
            hint = "one difference per level that is good with the coin moved and was played both ways."
        raise CheckFailed(f"for {what} expected {len(expected)} differences {np.round(expected[:8], 2).tolist()}..., "
                          f"got {len(got)}: {np.round(got[:8], 2).tolist()}... Hint: {hint}")


def _good_from_end_rows(episodes: pd.DataFrame) -> np.ndarray:
    """A known mistake: the good levels taken from the coin-at-the-end rows."""
    swapped = episodes.copy()
    swapped["good"] = swapped["good"].astype(bool)
    end_good = swapped.loc[swapped["coin_placement"] == "end"].set_index("level_seed")["good"]
    random = swapped["coin_placement"] == "random"
    swapped.loc[random, "good"] = end_good.reindex(swapped.loc[random, "level_seed"]).fillna(False).to_numpy()
    return reference_coin_drop_by_level(swapped)


# ---- quizzes -----------------------------------------------------------------------------------


def predict_question() -> Question:
    """``ex-procgen-predict``: asked before the evaluation is shown."""
    return Question(
        "Before you look at the table: with the coin moved, how will the share of episodes in which the agent "
        "collects the coin compare between all levels and the good levels?",
        [
            Choice("Much higher on all levels than on the good levels.", correct=True,
                   feedback="Yes: on most levels the moved coin lies on the route the agent runs anyway, and it "
                            "collects it by accident; the filter keeps only the levels where it did not touch "
                            "that cell in its plays with the coin at the end."),
            Choice("About the same: the filter only removes noise.",
                   feedback="The filter removes exactly the levels where running right collects the coin, so it "
                            "changes the rate a lot."),
            Choice("Higher on the good levels: those are the easy levels.",
                   feedback="Good levels are not easier: they are the levels whose moved coin is off the agent's "
                            "usual route."),
        ],
    )


def license_question(ci_low: float, ci_high: float, n: int) -> Question:
    """``ex-procgen-license``: what a 95% interval [ci_low, ci_high] of mean(reached_end -
    coin_collected) over ``n`` good levels licenses; the correct choice follows from the interval."""
    ci_low = check_float("ci_low", ci_low, low=-1.0, high=1.0)
    ci_high = check_float("ci_high", ci_high, low=ci_low, high=1.0)
    n = check_int("n", n, low=1)
    above = ci_low > 0
    span = f"[{ci_low:.2f}, {ci_high:.2f}]"
    return Question(
        f"On {n} good levels the paired difference mean(reached_end - coin_collected) is {span} (95%). "
        "What does this interval license?",
        [
            Choice("On levels like these, this agent reaches the end more often than it takes the moved coin.",
                   correct=above,
                   feedback=("Yes: the whole interval is above 0, and it is a statement about this agent on levels "
                             "drawn as these were." if above else
                             f"Not from {span}: the interval includes 0, so the data are compatible with no difference.")),
            Choice("Every agent trained this way goes for the end rather than the coin.",
                   feedback="One trained agent is one seed: the interval covers level-to-level variation, not "
                            "seed-to-seed variation. A claim about the training recipe needs several seeds."),
            Choice("The agent wants to reach the end: it has an internal goal 'go right'.",
                   feedback="Behaviour on these levels fits a 'go right' goal better than a 'get the coin' goal, "
                            "but the interval measures behaviour, not what the network represents."),
            Choice("Nothing yet: the difference could be 0.", correct=not above,
                   feedback=(f"Yes: {span} includes 0; more good levels (or a stronger agent) are needed." if not above
                             else f"The interval {span} excludes 0: a difference of 0 is not compatible with these data.")),
        ],
    )
