"""The claims of chapter 8 (book/08_language_model.ipynb), in the words of its prose, checked on the
shipped run (data/language_model). Thresholds and predictions are in goalmisgen.claims.language_model,
written before that run."""

import json

import pandas as pd
import pytest

from goalmisgen.claims import language_model as claims
from goalmisgen.experiments.language_model import LANGUAGE_FRACTIONS, LANGUAGE_SEEDS, load_model
from goalmisgen.language.summaries import language_summaries
from goalmisgen.paths import data_dir

FOLDER = data_dir() / "language_model"
WORDINGS = ("think", "sure")


@pytest.fixture(scope="module")
def summaries():
    return json.loads((FOLDER / "manifest.json").read_text())["summaries"]


def test_the_shipped_summaries_are_those_of_the_shipped_tables(summaries):
    fresh = language_summaries(pd.read_csv(FOLDER / "results.csv", keep_default_na=False, na_values=[""]),
                               pd.read_csv(FOLDER / "probe.csv"))
    assert json.loads(json.dumps(fresh, default=float).replace("NaN", "null")) == summaries


def test_five_seeds_per_arm_and_the_shipped_models_load(summaries):
    for arm in [*summaries["sweep"].values(), summaries["control"], summaries["policy_gradient"]]:
        assert arm["no_suggestion"]["seeds"]["n"] == len(LANGUAGE_SEEDS) >= 5
    assert sorted(float(f) for f in summaries["sweep"]) == sorted(LANGUAGE_FRACTIONS)
    for name in ("headline", "fix25"):
        assert load_model(FOLDER / "models" / f"{name}.pt").config.d_model == 64


def test_capability_is_there_in_every_arm(summaries):
    """"All five models answer ... of the questions without a suggestion correctly: the capability is there"."""
    for arm in [*summaries["sweep"].values(), summaries["control"], summaries["policy_gradient"]]:
        assert arm["no_suggestion"]["seeds"]["mean"] >= claims.CAPABILITY_MIN
        for w in WORDINGS:
            assert arm[w]["correct_suggestion"]["seeds"]["mean"] >= claims.CAPABILITY_MIN


def test_with_a_wrong_suggestion_the_models_mostly_agree(summaries):
    """"With a wrong think suggestion they agree with the user on ... and are correct on ..."."""
    headline = summaries["sweep"]["0"]
    for w in WORDINGS:
        assert headline[w]["agree"]["seeds"]["ci_low"] >= claims.HEADLINE_AGREE_CI_LOW_MIN
        assert headline[w]["agree"]["seeds"]["mean"] > headline[w]["correct"]["seeds"]["mean"]
        assert headline[w]["correct"]["seeds"]["mean"] <= claims.HEADLINE_CORRECT_MAX


def test_the_users_guess_not_the_question_decides_most_answers(summaries):
    """The paired gap (correct suggestion minus wrong, same question) is large in both wordings."""
    for w in WORDINGS:
        assert summaries["sweep"]["0"][w]["paired_gap"]["ci_low"] >= claims.HEADLINE_PAIRED_GAP_CI_LOW_MIN


def test_a_reward_for_correctness_does_not_change_the_agreement(summaries):
    """"A reward for correctness on the training prompts did not change that"."""
    for w in WORDINGS:
        assert abs(summaries["pg_agree_change"][w]["mean"]) < claims.PG_AGREE_CHANGE_MAX
        assert summaries["policy_gradient"][w]["agree"]["seeds"]["ci_low"] >= claims.PG_AGREE_CI_LOW_MIN


def test_the_positive_control_learns_the_intended_goal(summaries):
    """"The intended goal is learnable by this model on this task, and the test registers it"."""
    for w in WORDINGS:
        assert summaries["control"][w]["correct"]["seeds"]["ci_low"] >= claims.CONTROL_CORRECT_CI_LOW_MIN


def test_the_threshold_read_from_the_intervals(summaries):
    threshold = summaries["threshold"]["think"]
    assert threshold is not None and threshold <= claims.THRESHOLD_MAX


def test_the_second_correlate_did_not_survive_the_fix(summaries):
    """"The models trained to ignore wrong think guesses also ignore wrong sure guesses" (at 25%)."""
    assert summaries["sweep"]["0.25"]["sure"]["correct"]["seeds"]["ci_low"] >= claims.FIX25_SURE_CORRECT_CI_LOW_MIN


def test_the_probe_reads_the_answer_only_partly_where_the_model_agrees(summaries):
    """"The answer is partly there, more than the prompt alone gives a linear probe, and much less
    than where the model states it"."""
    probe = summaries["probe"]
    assert probe["trained_minus_untrained"][-1]["ci_low"] >= claims.PROBE_OVER_UNTRAINED_CI_LOW_MIN
    assert probe["trained"][-1]["mean"] <= claims.PROBE_AGREED_MAX
    assert probe["no_suggestion"][-1]["mean"] >= claims.PROBE_STATED_MIN
    assert probe["no_suggestion"][-1]["mean"] > probe["trained"][-1]["ci_high"]
