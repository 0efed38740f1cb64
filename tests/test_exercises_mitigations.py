"""Chapter 6's checkers pass the reference answers and fail typical wrong ones with a message that
names the problem; bad input is a ValueError naming the value. The sweep is a tiny manifest written
here; the predict exercise's fresh training is two PPO iterations."""

import json

import numpy as np
import pytest

from goalmisgen.curricula import positive_value_loss
from goalmisgen.exercises._check import CheckFailed, NotImplementedYet
from goalmisgen.exercises.mitigations import (
    ALPHA,
    DESIGN_KEYS,
    check_control_design,
    check_level_scores,
    check_replay_prediction,
    coin_difference,
    fresh_replay_share,
    limits_questions,
    load_sweep,
    reference_control_config,
    replayed_share,
    sweep_settings,
)
from goalmisgen.exercises.quiz import quiz

TINY_STEPS = 16_384  # two PPO iterations of 256 envs x 32 steps


def _manifest(plr_shares=((0.02, 0.03), (0.04, 0.05), (0.03, 0.04)), difference=(0.1, 0.02, 0.2)) -> dict:
    """A sweep of 3 seeds x {dr, plr} x alpha {0, 0.001}: PLR's (share_all, share_second_half) per seed
    at alpha 0.001, and PLR - DR on the coin rate on good levels (mean, ci_low, ci_high)."""
    trials = []
    for sampler in ("dr", "plr"):
        for alpha in (0.0, 0.001):
            for seed in range(3):
                config = {"curriculum": sampler, "random_fraction": alpha, "seed": seed, "steps": 3_000_000,
                          "n_levels": 1000, "filter_runs": 5}
                if sampler == "dr":
                    distinguishing = None
                else:
                    share_all, share_half = plr_shares[seed] if alpha else (0.0, 0.0)
                    distinguishing = {"steps": [8192], "levels_played": [300], "share": [share_all],
                                      "share_all": share_all, "share_second_half": share_half}
                trials.append({"config": config, "distinguishing": distinguishing})
    mean, low, high = difference
    return {"experiment": "curriculum-sweep", "trials": trials,
            "summaries": {"groups": {}, "plr_minus_dr_coin_good": {"0.001": {"mean": mean, "ci_low": low, "ci_high": high}}}}


@pytest.fixture
def sweep(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps(_manifest()))
    return tmp_path


# ---------------------------------------------------------------- ex-mitig-score


def test_score_checker_passes_the_reference_in_any_order(capsys):
    check_level_scores(positive_value_loss)
    assert "ex-mitig-score: all checks passed" in capsys.readouterr().out

    def reversed_order(advantages, level_seeds):
        seeds, scores = positive_value_loss(advantages, level_seeds)
        return list(seeds[::-1]), list(scores[::-1])

    check_level_scores(reversed_order)


def _per_level(rule):
    def level_scores(advantages, level_seeds):
        seeds = np.unique(level_seeds)
        return seeds, np.array([rule(advantages[level_seeds == s], advantages) for s in seeds])
    return level_scores


@pytest.mark.parametrize("rule, words", [
    (lambda a, _: np.abs(a).mean(), "|A|"),
    (lambda a, _: np.maximum(a, 0).sum(), "take the mean"),
    (lambda a, _: a.mean(), "clip each step first"),
    (lambda a, every: np.maximum(a, 0).sum() / every.size, "number of steps played on that level"),
    (lambda a, every: np.maximum(every, 0).mean(), "group the steps by their level"),
    (lambda a, _: max(a.mean(), 0.0), "averaged A over the level and then clipped"),
    (lambda a, _: np.maximum(a, 0).max(), "mean of max(A_t, 0)"),
])
def test_score_checker_names_the_mistake(rule, words):
    with pytest.raises(CheckFailed, match="ex-mitig-score") as failure:
        check_level_scores(_per_level(rule))
    assert words in str(failure.value)


def test_score_checker_refuses_duplicate_missing_seeds_and_changed_inputs():
    def per_env(advantages, level_seeds):  # one entry per (env, level): seeds repeat
        seeds, scores = [], []
        for n in range(level_seeds.shape[1]):
            s, v = positive_value_loss(advantages[:, n:n + 1], level_seeds[:, n:n + 1])
            seeds += list(s)
            scores += list(v)
        return seeds, scores

    with pytest.raises(CheckFailed, match="more than once"):
        check_level_scores(per_env)

    def drop_single(advantages, level_seeds):
        seeds, scores = positive_value_loss(advantages, level_seeds)
        keep = [np.count_nonzero(level_seeds == s) > 1 for s in seeds]
        return seeds[keep], scores[keep]

    with pytest.raises(CheckFailed, match=r"missing \[9\]"):
        check_level_scores(drop_single)

    def clips_in_place(advantages, level_seeds):
        np.maximum(advantages, 0, out=advantages)
        return positive_value_loss(advantages, level_seeds)

    with pytest.raises(CheckFailed, match="changed its inputs"):
        check_level_scores(clips_in_place)
    with pytest.raises(CheckFailed, match="a pair"):
        check_level_scores(lambda a, s: positive_value_loss(a, s)[1])


def test_score_checker_stub_and_strict(capsys):
    def stub(advantages, level_seeds):
        raise NotImplementedError("exercise ex-mitig-score")

    check_level_scores(stub)
    assert "not implemented yet" in capsys.readouterr().out
    with pytest.raises(NotImplementedYet):
        check_level_scores(stub, strict=True)


# ---------------------------------------------------------------- the manifest


def test_manifest_readers(sweep):
    assert load_sweep(sweep) == load_sweep(sweep / "manifest.json") == _manifest()
    shares = replayed_share(sweep)
    assert shares["seeds"] == [0, 1, 2] and shares["share_all"] == pytest.approx(0.03)
    assert shares["share_second_half"] == pytest.approx(0.04) and shares["steps"] == 3_000_000
    assert coin_difference(sweep)["ci_low"] == 0.02
    assert coin_difference(_manifest(difference=(float("nan"),) * 3)) is None
    assert sweep_settings(sweep) == {"steps": 3_000_000, "n_levels": 1000, "filter_runs": 5, "seeds": [0, 1, 2]}


@pytest.mark.parametrize("call, name", [
    (lambda tmp: load_sweep(42), "manifest=42"),
    (lambda tmp: load_sweep(tmp / "nowhere"), "manifest="),
    (lambda tmp: load_sweep({"trials": "x"}) and replayed_share({"trials": "x"}), "'trials' list"),
    (lambda tmp: replayed_share(_manifest(), alpha=0.5), "alpha=0.5"),
    (lambda tmp: replayed_share(_manifest(), alpha="0.1"), "alpha"),
    (lambda tmp: fresh_replay_share(steps=0), "steps"),
    (lambda tmp: fresh_replay_share(alpha=[0.1]), "alpha"),
    (lambda tmp: check_replay_prediction(lambda: {}, steps=-5), "steps"),
    (lambda tmp: check_control_design(lambda m: {}, manifest=3.5), "manifest=3.5"),
    (lambda tmp: positive_value_loss(np.zeros((2, 3)), np.zeros((3, 3))), "level_seeds"),
])
def test_bad_input_is_a_value_error(tmp_path, call, name):
    with pytest.raises(ValueError, match=name.replace("[", r"\[")):
        call(tmp_path)


# ---------------------------------------------------------------- ex-mitig-predict


def test_fresh_replay_share_counts_what_plr_handed_out():
    fresh = fresh_replay_share(alpha=0.5, steps=TINY_STEPS)
    assert fresh["steps"] == TINY_STEPS and fresh["levels"] > 0
    assert 0 < fresh["distinguishing"] < fresh["levels"]
    assert fresh["ci_low"] <= fresh["share"] <= fresh["ci_high"]


def test_predict_checker_records_a_close_prediction_and_reports_the_factor(sweep, capsys):
    check_replay_prediction(lambda: {"share": 0.03, "plr_coin_higher": True}, steps=None, manifest=sweep)
    out = capsys.readouterr().out
    assert "1.3 times too low" in out and "ex-mitig-predict: prediction recorded" in out
    assert "40.0 times alpha" in out and "Within a factor" in out


def test_predict_checker_records_far_predictions_with_the_factor_and_a_hint(sweep, capsys):
    check_replay_prediction(lambda: {"share": ALPHA, "plr_coin_higher": True}, steps=None, manifest=sweep, strict=True)
    out = capsys.readouterr().out
    assert "prediction recorded" in out and "40.0 times too low" in out and "factor 3" in out
    check_replay_prediction(lambda: {"share": 0.04, "plr_coin_higher": False}, steps=None, manifest=sweep)
    assert "the opposite about the coin rate" in capsys.readouterr().out
    undecided = _manifest(difference=(0.05, -0.02, 0.12))
    check_replay_prediction(lambda: {"share": 0.04, "plr_coin_higher": False}, steps=None, manifest=undecided)
    out = capsys.readouterr().out
    assert "the opposite about the coin rate" not in out and "Within a factor" in out


@pytest.mark.parametrize("answer, words", [
    ({"share": 4, "plr_coin_higher": True}, "not a percentage"),
    ({"share": "0.01", "plr_coin_higher": True}, "a number between 0 and 1"),
    ({"share": 0.01, "plr_coin_higher": "yes"}, "True or False"),
    ({"share": 0.01}, "the keys"),
    (0.01, "the keys"),
])
def test_predict_checker_refuses_malformed_answers(sweep, answer, words):
    with pytest.raises(CheckFailed, match=words):
        check_replay_prediction(lambda: answer, steps=None, manifest=sweep)


def test_predict_checker_runs_a_fresh_training(sweep, capsys):
    check_replay_prediction(lambda: {"share": 0.04, "plr_coin_higher": True}, steps=TINY_STEPS, manifest=sweep)
    out = capsys.readouterr().out
    assert f"trained here for {TINY_STEPS:,} steps" in out and "Against the shipped sweep" in out


def test_predict_checker_without_the_sweep_judges_on_the_fresh_run(monkeypatch, capsys):
    import goalmisgen.exercises.mitigations as mitigations

    def no_sweep(manifest=None):
        raise FileNotFoundError("no shipped sweep")

    monkeypatch.setattr(mitigations, "load_sweep", no_sweep)
    fresh = fresh_replay_share(ALPHA, TINY_STEPS)
    guess = fresh["share"] if fresh["share"] > 0 else 0.0
    check_replay_prediction(lambda: {"share": guess, "plr_coin_higher": True}, steps=TINY_STEPS)
    out = capsys.readouterr().out
    assert "Against the fresh run" in out and "needs the shipped sweep" in out
    with pytest.raises(FileNotFoundError):
        check_replay_prediction(lambda: {"share": guess, "plr_coin_higher": True}, steps=None)


def test_predict_checker_stub_does_not_train(sweep, capsys):
    def stub():
        raise NotImplementedError("exercise ex-mitig-predict")

    check_replay_prediction(stub, steps=10**6, manifest=sweep)  # would take minutes if it trained
    assert "not implemented yet" in capsys.readouterr().out


# ---------------------------------------------------------------- ex-mitig-design


def test_design_checker_passes_the_reference(sweep, capsys):
    check_control_design(reference_control_config, manifest=sweep)
    assert "ex-mitig-design: all checks passed" in capsys.readouterr().out
    assert set(reference_control_config(_manifest())) == set(DESIGN_KEYS)


def _changed(**change):
    def control_config(manifest):
        return {**reference_control_config(manifest), **change}
    return control_config


@pytest.mark.parametrize("answer, words", [
    (_changed(curriculum="plr"), "the arm under study"),
    (_changed(random_fraction=ALPHA), "already in the sweep"),
    (lambda m: {**reference_control_config(m), "random_fraction": replayed_share(m)["share_second_half"]},
     "second half's share"),
    (lambda m: {**reference_control_config(m), "random_fraction": 100 * replayed_share(m)["share_all"]},
     "not a percentage"),
    (_changed(random_fraction=0.2), "within 20%"),
    (_changed(seeds=[0, 1]), "at least 3"),
    (_changed(seeds=[0, 0, 1]), "at least 3"),
    (_changed(seeds="0,1,2"), "list of training seeds"),
    (_changed(steps=1_000_000), "steps=1000000, the sweep used 3000000"),
    (_changed(n_levels=200), "same held-out levels"),
    (_changed(filter_runs=1), "same filter"),
    (lambda m: {k: v for k, v in reference_control_config(m).items() if k != "seeds"}, "lacks ['seeds']"),
    (_changed(lr=0.1), "unknown keys"),
    (lambda m: [1, 2], "expected a dict"),
    (lambda m: {**reference_control_config(_manifest())}, "do not type it in"),
])
def test_design_checker_names_what_is_wrong(sweep, answer, words):
    with pytest.raises(CheckFailed, match="ex-mitig-design") as failure:
        check_control_design(answer, manifest=sweep)
    assert words in str(failure.value)


def test_design_checker_does_not_change_the_manifest(sweep):
    manifest = load_sweep(sweep)

    def spoils(m):
        m["trials"].clear()
        return {}

    with pytest.raises(CheckFailed):
        check_control_design(spoils, manifest=manifest)
    assert manifest == _manifest()


# ---------------------------------------------------------------- ex-mitig-limits


def test_limits_quiz_has_one_right_answer_per_question_with_feedback():
    questions = limits_questions()
    assert len(questions) >= 3
    for question in questions:
        assert sum(c.correct for c in question.choices) == 1
        assert all(c.feedback for c in question.choices)
    assert quiz(*questions) is not None
