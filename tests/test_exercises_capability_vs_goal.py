"""Every checker of chapter 3 (capability versus goal) passes the reference and fails wrong answers helpfully."""

import numpy as np
import pytest

from goalmisgen.exercises import CheckFailed
from goalmisgen.exercises.capability_vs_goal import (
    PREDICT_TOLERANCE,
    check_cheese_prediction,
    check_decision_square,
    check_feature_choice,
    measured_cheese,
    reference_chosen_features,
    reference_decision_square,
)


def loop_decision_square(a, b):
    """A plain-loop answer, as a learner would write it."""
    last = None
    for i, (p, q) in enumerate(zip(a, b)):
        if tuple(p) != tuple(q):
            return last
        last = (int(p[0]), int(p[1]))
    return None


def reference_prediction():
    return measured_cheese()["mean"]


def stub(*args, **kwargs):
    raise NotImplementedError("exercise ex-capgoal")


CHECKS = [
    (check_decision_square, reference_decision_square, "ex-capgoal-decision"),
    (check_decision_square, loop_decision_square, "ex-capgoal-decision"),
    (check_feature_choice, reference_chosen_features, "ex-capgoal-features"),
    (check_feature_choice, lambda: ["cheese_corner_path"], "ex-capgoal-features"),
]


@pytest.mark.parametrize("check, answer, label", CHECKS)
def test_checker_passes_a_correct_answer_with_one_line(check, answer, label, capsys):
    check(answer)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and label in out[0] and "passed" in out[0]


@pytest.mark.parametrize("check", [check_decision_square, check_cheese_prediction, check_feature_choice])
def test_a_stub_is_reported_as_not_implemented(check, capsys):
    check(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(stub, strict=True)


def first_after_split(a, b):
    for p, q in zip(a, b):
        if tuple(p) != tuple(q):
            return tuple(int(v) for v in p)
    return None


def no_none_case(a, b):
    """Forgets that one target may lie on the way to the other."""
    shared = 0
    while shared < min(len(a), len(b)) and tuple(a[shared]) == tuple(b[shared]):
        shared += 1
    return tuple(int(v) for v in a[shared - 1])


@pytest.mark.parametrize("wrong, hint", [
    (first_after_split, "first square after the split"),
    (lambda a, b: tuple(int(v) for v in a[0]), "start"),
    (lambda a, b: None, "do split"),
    (no_none_case, "Return None"),
])
def test_decision_square_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_decision_square(wrong)


def test_decision_square_checker_refuses_an_answer_that_edits_a_path():
    def pops(a, b):
        if isinstance(a, list):
            a.pop()
        return reference_decision_square(a, b)
    with pytest.raises(CheckFailed, match="changed a path"):
        check_decision_square(pops)


def test_a_close_prediction_is_recorded_in_one_line(capsys):
    check_cheese_prediction(reference_prediction)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "ex-capgoal-predict" in out[0] and "prediction recorded" in out[0]
    assert "Within" in out[0] and f"{measured_cheese()['mean']:.2f} of" in out[0]


def test_prediction_checker_says_which_way_a_prediction_is_off_and_does_not_fail_it(capsys):
    measured = measured_cheese()["mean"]
    if measured - PREDICT_TOLERANCE > 0:
        check_cheese_prediction(lambda: 0.0, strict=True)
        out = capsys.readouterr().out
        assert "prediction recorded" in out and "more often than you expected" in out
    if measured + PREDICT_TOLERANCE < 1:
        check_cheese_prediction(lambda: 1.0, strict=True)
        out = capsys.readouterr().out
        assert "prediction recorded" in out and "less often than you expected" in out


@pytest.mark.parametrize("wrong, hint", [(lambda: 60, "percentage"), (lambda: True, "number between 0 and 1"),
                                         (lambda: float("nan"), "number between 0 and 1"), (lambda: -0.1, "between 0 and 1")])
def test_prediction_checker_refuses_what_is_not_a_share(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_cheese_prediction(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda: ["decision_corner_path"], "from the corner says little"),
    (lambda: ["decision_cheese_path"], "coefficients"),
    (lambda: ["cheese_corner_euclid", "cheese_corner_path", "decision_cheese_euclid"], "one or two"),
    (lambda: ["cheese_corner_euclid", "cheese_corner_euclid"], "one or two"),
    (lambda: ["distance"], "not features"),
    (lambda: [], "list of one or two"),
])
def test_feature_checker_names_the_mistake(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_feature_choice(wrong)


def test_reference_decision_square_on_a_real_maze():
    """The definition agrees with the batch computation of analysis.decision_squares on generated mazes."""
    from goalmisgen.envs.maze.decision_squares import decision_squares, distances_from
    from goalmisgen.envs.maze import move
    from goalmisgen.envs import make_vec_env

    env = make_vec_env("maze", 1, cheese_placement="anywhere")
    levels = env.generate(np.arange(2_147_483_648, 2_147_483_648 + 40))
    table = decision_squares(levels)
    G = levels.wall.shape[1]
    dist = distances_from(levels, levels.origin, levels.origin)

    def path_to(i, x, y):
        path = [(int(x), int(y))]
        while dist[i, x, y] > 0:
            for a in range(4):
                nx, ny = move(levels.wall.reshape(-1), G, np.array([i]), np.array([x]), np.array([y]), np.array([a]))
                if dist[i, nx[0], ny[0]] == dist[i, x, y] - 1:
                    x, y = nx[0], ny[0]
                    break
            path.append((int(x), int(y)))
        return path[::-1]

    kx, ky = levels.corner
    for i in range(len(levels)):
        got = reference_decision_square(path_to(i, levels.cheese_x[i], levels.cheese_y[i]), path_to(i, kx[i], ky[i]))
        row = table.iloc[i]
        if row["has_decision_square"]:
            assert got == (row["decision_x"], row["decision_y"])
        else:
            assert got is None
