"""Every checker of chapter 5 (the real CoinRun) passes the reference and fails wrong answers helpfully;
the quizzes mark the right answer."""

import numpy as np
import pandas as pd
import pytest

from goalmisgen.envs.procgen_coinrun import state as ps
from goalmisgen.exercises import CheckFailed
from goalmisgen.exercises.real_coinrun import (
    check_coin_cells,
    check_coin_drop_by_level,
    license_question,
    make_level,
    predict_question,
    reference_coin_cells,
    reference_coin_drop_by_level,
)


def loop_coin_cells(grid, end_x):
    """A plain-loop answer, as a learner would write it from the chapter's rule."""
    wall = np.isin(grid, [ps.WALL_MID, ps.WALL_TOP])
    ground = [int(np.argmin(wall[:, x])) for x in range(grid.shape[1])]
    cells = []
    for x in range(5, end_x):
        y, before = ground[x], ground[x - 1]
        if y == before or grid[y, x] not in (ps.SPACE, ps.ENEMY_BARRIER):
            continue
        if grid[y, x - 1] == ps.ENEMY_BARRIER or (before > y and grid[before, x] == ps.ENEMY_BARRIER):
            cells.append((x, y))
    return cells


def merge_drop(episodes):
    """A merge-based answer."""
    e = episodes.astype({"coin_collected": bool, "good": bool})
    pairs = e[e.coin_placement == "end"].merge(e[e.coin_placement == "random"], on="level_seed", suffixes=("_end", "_moved"))
    pairs = pairs[pairs.good_moved].sort_values("level_seed")
    return (pairs.coin_collected_end.astype(float) - pairs.coin_collected_moved.astype(float)).to_numpy()


@pytest.mark.parametrize("check, answer, label", [
    (check_coin_cells, reference_coin_cells, "ex-procgen-cells"),
    (check_coin_cells, loop_coin_cells, "ex-procgen-cells"),
    (check_coin_drop_by_level, reference_coin_drop_by_level, "ex-procgen-pairs"),
    (check_coin_drop_by_level, merge_drop, "ex-procgen-pairs"),
])
def test_checkers_pass_correct_answers(check, answer, label, capsys):
    check(answer)
    assert f"{label}: all checks passed" in capsys.readouterr().out


def _fails(check, answer, *expected):
    with pytest.raises(CheckFailed) as info:
        check(answer)
    for text in expected:
        assert text in str(info.value), str(info.value)


def test_coin_cells_wrong_answers_get_hints():
    _fails(check_coin_cells, lambda g, e: [(x, y - 1) for x, y in reference_coin_cells(g, e)], "on top of the ground")
    _fails(check_coin_cells, lambda g, e: [(y, x) for x, y in reference_coin_cells(g, e)], "the column first")
    _fails(check_coin_cells, lambda g, e: reference_coin_cells(g, e)[::-1], "sort the cells by x")

    def every_step(grid, end_x):
        g = ps.ground_height(grid)
        return [(x, int(g[x])) for x in range(5, end_x) if g[x] != g[x - 1] and grid[g[x], x] in (ps.SPACE, ps.ENEMY_BARRIER)]

    _fails(check_coin_cells, every_step, "Pit edges")

    def left_only(grid, end_x):
        return [(x, y) for x, y in reference_coin_cells(grid, end_x) if grid[y, x - 1] == ps.ENEMY_BARRIER]

    _fails(check_coin_cells, left_only, "previous section's height")
    _fails(check_coin_cells, lambda g, e: reference_coin_cells(g, e + 1) + [(e, 1)], "never the end itself")
    _fails(check_coin_cells, lambda g, e: 3, "list of (x, y) pairs")


def test_coin_cells_refuses_an_answer_that_edits_the_grid():
    def edits(grid, end_x):
        cells = reference_coin_cells(grid, end_x)
        for x, y in cells:
            grid[y, x] = ps.GOAL
        return cells

    _fails(check_coin_cells, edits, "changed the grid")


def test_generated_levels_look_like_coinrun_levels():
    grid, end_x = make_level(np.random.default_rng(0), 6)
    assert grid.shape == (64, 64) and grid[:, end_x].tolist().count(ps.GOAL) == 1
    assert len(reference_coin_cells(grid, end_x)) >= 5


def test_coin_drop_wrong_answers_get_hints():
    def by_position(episodes):
        end = episodes[episodes.coin_placement == "end"]
        moved = episodes[episodes.coin_placement == "random"]
        keep = moved.good.astype(bool).to_numpy()
        return end.coin_collected.astype(float).to_numpy()[: len(moved)][keep] - moved.coin_collected.astype(float).to_numpy()[keep]

    _fails(check_coin_drop_by_level, by_position, "match the rows by `level_seed`")

    def all_levels(episodes):
        e = episodes.astype({"coin_collected": float})
        end = e[e.coin_placement == "end"].set_index("level_seed").coin_collected
        moved = e[e.coin_placement == "random"].set_index("level_seed").coin_collected
        return (end - moved).dropna().sort_index().to_numpy()

    _fails(check_coin_drop_by_level, all_levels, "keep only the good levels")

    def good_from_end(episodes):
        e = episodes.astype({"coin_collected": bool, "good": bool})
        end = e[e.coin_placement == "end"].set_index("level_seed")
        moved = e[e.coin_placement == "random"].set_index("level_seed")
        levels = np.sort(end.index[end.good].intersection(moved.index).to_numpy())
        return end.loc[levels].coin_collected.to_numpy(dtype=float) - moved.loc[levels].coin_collected.to_numpy(dtype=float)

    _fails(check_coin_drop_by_level, good_from_end, "'random' rows")
    _fails(check_coin_drop_by_level, lambda e: merge_drop(e)[::-1], "increasing level seed")

    def edits(episodes):
        episodes["good"] = episodes["good"].astype(bool)
        return merge_drop(episodes)

    _fails(check_coin_drop_by_level, edits, "changed the table")


def test_license_question_marks_the_answer_the_interval_supports():
    above = license_question(0.28, 0.46, 205)
    straddles = license_question(-0.02, 0.35, 44)
    assert [c.correct for c in above.choices] == [True, False, False, False]
    assert [c.correct for c in straddles.choices] == [False, False, False, True]
    assert "205" in above.text and "[-0.02, 0.35]" in straddles.text
    with pytest.raises(ValueError, match="ci_high"):
        license_question(0.3, 0.1, 10)
    with pytest.raises(ValueError, match="n"):
        license_question(0.1, 0.3, 0)


def test_predict_question_has_one_correct_choice():
    assert sum(c.correct for c in predict_question().choices) == 1


def test_the_reference_pairs_levels_by_seed():
    episodes = pd.DataFrame({
        "level_seed": [3, 1, 1, 3, 2],
        "coin_placement": ["end", "random", "end", "random", "end"],
        "coin_collected": [1, 0, 1, 1, 0],
        "good": [0, 1, 0, 1, 1],
    })
    assert reference_coin_drop_by_level(episodes).tolist() == [1.0, 0.0]
