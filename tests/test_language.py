"""Chapter 8's small language model package (goalmisgen.language): the task and tokenizer, the
transformer, supervised and policy-gradient training, evaluation, the probe and the sweep trial,
on hand-made cases; bad input gives a ValueError that names it."""

import numpy as np
import pytest
import torch

from goalmisgen.experiments.language_model import CONFIG_KEYS, language_configs, language_trial, results_rows
from goalmisgen.language.evaluation import answer_shares, evaluate_model, per_question
from goalmisgen.language.model import TinyTransformer
from goalmisgen.language.policy_gradient import PolicyGradientConfig, finetune
from goalmisgen.language.probe import fit_probe, probe_accuracy, question_split
from goalmisgen.language.summaries import threshold_fraction
from goalmisgen.language.task import (ANSWER, N_NUMBERS, NO_SUGGESTION, PAD, PROMPT_LENGTH, VOCAB, decode, encode,
                                      evaluation_prompts, make_prompts, sample_training_prompts, wrong_answer)
from goalmisgen.language.training import SupervisedConfig, train_supervised


def test_prompts_read_as_the_dialogue_they_encode():
    assert decode(encode(3, 4)) == "<bos> 3 + 4 ? <pad> <pad> <answer>"
    assert decode(encode(9, 9, suggested=2, wording="sure")) == "<bos> 9 + 9 ? sure 2 <answer>"
    p = make_prompts([3, 0], [4, 0], [NO_SUGGESTION, 5], [-1, 0])
    assert np.array_equal(p.tokens[0], encode(3, 4)) and np.array_equal(p.tokens[1], encode(0, 0, 5, "think"))
    assert p.correct.tolist() == [7, 0] and p.tokens.shape == (2, PROMPT_LENGTH)
    assert (p.tokens[:, -1] == ANSWER).all()


@pytest.mark.parametrize("call, name", [
    (lambda: encode(10, 1), "a=10"),
    (lambda: encode(1, -1), "b=-1"),
    (lambda: encode(1, 1, suggested=19), "suggested=19"),
    (lambda: encode(1, 1, 3, wording="maybe"), "wording='maybe'"),
    (lambda: make_prompts([1], [1], [3], [-1]), "wording must be -1 exactly"),
    (lambda: make_prompts([1, 2], [1], [3], [0]), "one length"),
    (lambda: sample_training_prompts(np.random.default_rng(0), 4, wrong_fraction=1.5), "wrong_fraction=1.5"),
    (lambda: sample_training_prompts(np.random.default_rng(0), 0), "n=0"),
    (lambda: evaluation_prompts("rude"), "kind='rude'"),
    (lambda: evaluation_prompts("none", "sure"), "wording='sure'"),
    (lambda: wrong_answer([3], [0]), "offset"),
    (lambda: decode([[1, 2]]), "one prompt"),
])
def test_bad_task_input_is_refused_by_name(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_training_suggestions_are_correct_unless_their_wording_is_randomized():
    rng = np.random.default_rng(0)
    clean = sample_training_prompts(rng, 4000)
    has = clean.suggested != NO_SUGGESTION
    assert 0.45 < has.mean() < 0.55 and (clean.suggested[has] == clean.correct[has]).all()
    fix = sample_training_prompts(rng, 20000, wrong_fraction=0.5, wrong_wordings=("think",))
    think, sure = fix.wording == 0, fix.wording == 1
    assert (fix.suggested[sure] == fix.correct[sure]).all()
    assert 0.45 < (fix.suggested[think] != fix.correct[think]).mean() < 0.55


def test_evaluation_prompts_cover_every_question_and_every_wrong_answer():
    none, wrong = evaluation_prompts("none"), evaluation_prompts("wrong", "think")
    assert len(none) == 100 and len({(a, b) for a, b in zip(none.a, none.b)}) == 100
    assert len(wrong) == 1800 and not (wrong.suggested == wrong.correct).any()
    first = wrong.suggested[(wrong.a == 2) & (wrong.b == 3)]
    assert sorted(first.tolist()) == [n for n in range(N_NUMBERS) if n != 5]


def test_transformer_is_causal_and_seeded():
    model = TinyTransformer(len(VOCAB), seed=3)
    tokens = torch.from_numpy(evaluation_prompts("wrong", "sure").tokens[:4])
    assert model(tokens).shape == (4, len(VOCAB))
    assert model.residual_stream(tokens).shape == (3, 4, 64)
    changed = tokens.clone()
    changed[:, -1] = 0  # the last token cannot change what earlier positions see
    full = model.embed(tokens) + model.position(torch.arange(8))
    cut = model.embed(changed) + model.position(torch.arange(8))
    with torch.no_grad():
        assert torch.allclose(model.blocks[0](full)[:, :-1], model.blocks[0](cut)[:, :-1], atol=1e-6)
    again = TinyTransformer(len(VOCAB), seed=3)
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters()))
    with pytest.raises(ValueError, match="d_model=30"):
        TinyTransformer(len(VOCAB), d_model=30, n_heads=4)
    with pytest.raises(ValueError, match="length 9"):
        model(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(ValueError, match="ids in"):
        model(torch.full((1, 8), 26, dtype=torch.long))


def test_answer_shares_on_hand_made_answers():
    shares = answer_shares([7, 9, 3, 7], correct=[7, 7, 7, 7], suggested=[9, 9, 9, 9])
    assert shares == {"correct": 0.5, "agree": 0.25, "neither": 0.25}
    assert all(np.isnan(v) for v in answer_shares([], [], []).values())
    with pytest.raises(ValueError, match="must differ"):
        answer_shares([1], [1], [1])
    assert per_question([1, 0, 1], [0, 0, 9], [0, 0, 9])[[0, 99]].tolist() == [0.5, 1.0]


class Copier(torch.nn.Module):
    """A hand-made 'model' that says the suggestion where there is one, else the correct answer."""

    def forward(self, tokens):
        said = torch.where(tokens[:, 5] == PAD, tokens[:, 1] + tokens[:, 3], tokens[:, 6])
        return torch.nn.functional.one_hot(said, len(VOCAB)).float()


def test_evaluation_of_a_model_that_always_agrees():
    e = evaluate_model(Copier())
    assert e["no_suggestion"] == {"n": 100, "correct": 100}
    for w in ("think", "sure"):
        assert e[w]["correct_suggestion"]["correct"] == 100
        assert e[w]["wrong_suggestion"] == {"n": 1800, "correct": 0, "agree": 1800, "neither": 0}
        assert e[w]["paired_gap"] == 1.0


def test_short_supervised_run_learns_and_policy_gradient_runs():
    model, history = train_supervised(SupervisedConfig(steps=150, seed=0), progress=False)
    assert np.mean(history["loss"][-10:]) < np.mean(history["loss"][:10])
    reward = finetune(model, PolicyGradientConfig(steps=3, seed=0), progress=False)["reward"]
    assert len(reward) == 3 and all(0 <= r <= 1 for r in reward)
    with pytest.raises(ValueError, match="steps=0"):
        SupervisedConfig(steps=0)
    with pytest.raises(ValueError, match="wrong_wordings"):
        PolicyGradientConfig(wrong_wordings=("maybe",))


def test_probe_reads_a_planted_answer_and_not_noise():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 400)
    features = np.eye(5)[labels] * 3 + rng.normal(size=(400, 5)) * 0.1
    probe = fit_probe(features[:200], labels[:200], 5)
    assert probe_accuracy(probe, features[200:], labels[200:]) > 0.95
    noise = fit_probe(rng.normal(size=(200, 5)), labels[:200], 5)
    assert probe_accuracy(noise, rng.normal(size=(200, 5)), labels[200:]) < 0.5
    assert np.isnan(probe_accuracy(probe, np.zeros((0, 5)), []))
    assert question_split(0).sum() == 50
    with pytest.raises(ValueError, match="labels"):
        fit_probe(features, labels + 10, 5)


def test_threshold_is_the_smallest_fraction_whose_lower_bound_passes():
    def arm(low):
        return {"think": {"correct": {"seeds": {"ci_low": low}}}}
    assert threshold_fraction({"0": arm(0.0), "0.01": arm(0.3), "0.02": arm(0.6), "0.05": arm(0.9)}) == 0.02
    assert threshold_fraction({"0": arm(0.1)}) is None


def test_trial_configs_and_a_tiny_trial():
    configs = language_configs()
    assert len(configs) == 20 and all(set(c) == set(CONFIG_KEYS) for c in configs)
    assert [c["probe"] for c in configs] == [c["wrong_fraction"] == 0 and c["wrong_wordings"] == ["think"] for c in configs]
    with pytest.raises(ValueError, match="wrong_fraction=2"):
        language_configs(fractions=(2,))
    out = language_trial({"wrong_fraction": 0.0, "wrong_wordings": ["think"], "seed": 0, "steps": 5,
                          "pg_steps": 2, "probe": False})
    assert set(out.files) == {"model.pt", "model_pg.pt"}
    rows = results_rows([{"config": {"wrong_fraction": 0.0, "wrong_wordings": ["think"], "seed": 0}, "result": out.result}])
    assert {r["arm"] for r in rows} == {"sweep", "policy_gradient"} and len(rows) == 10
    with pytest.raises(ValueError, match="lacks"):
        language_trial({"seed": 0, "steps": 5, "pg_steps": 0, "probe": False, "wrong_fraction": 0.0})
