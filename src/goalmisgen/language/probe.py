"""A linear probe: can the correct answer be read linearly from the residual stream, on the prompts
where the model says the user's wrong answer?

For each layer's residual stream at the last position (``model.residual_stream``), a multinomial
logistic regression (a linear map d_model -> N_NUMBERS, fitted full-batch with L2 weight decay) is
trained to predict ``a + b`` on prompts with wrong suggestions for half of the questions, and scored
on the other half of the questions, only where the model agreed with the user. The same probe on
a freshly initialized model of the same shape is the control: how much of the answer a linear map
reads from the prompt's tokens alone, without anything learned.

Shapes: ``features`` (N, d) float, ``labels`` (N,) int64 in [0, n_classes).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from goalmisgen.language.evaluation import answers
from goalmisgen.language.model import TinyTransformer
from goalmisgen.language.task import MAX_OPERAND, N_NUMBERS, WORDINGS, Prompts, evaluation_prompts, make_prompts
from goalmisgen.validation import check_float, check_int, check_int_array, check_seed


def fit_probe(features, labels, n_classes: int, steps: int = 300, weight_decay: float = 1e-3,
              seed: int = 0) -> torch.nn.Linear:
    """A linear probe (d -> n_classes) fitted by Adam on the cross-entropy of ``labels`` given
    ``features`` (standardized inside: the returned probe takes raw features)."""
    x = torch.as_tensor(np.asarray(features), dtype=torch.float32)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"features must be a non-empty (N, d) array, got shape {tuple(x.shape)}")
    n_classes = check_int("n_classes", n_classes, low=2)
    y = torch.from_numpy(check_int_array("labels", labels, shape=(len(x),), low=0, high=n_classes - 1))
    check_int("steps", steps, low=1)
    check_float("weight_decay", weight_decay, low=0.0)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    torch.manual_seed(check_seed(seed))
    probe = torch.nn.Linear(x.shape[1], n_classes)
    optimizer = torch.optim.Adam(probe.parameters(), lr=0.05, weight_decay=weight_decay)
    z = (x - mean) / scale
    for _ in range(steps):
        loss = F.cross_entropy(probe(z), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():  # fold the standardization into the weights
        probe.weight /= scale
        probe.bias -= probe.weight @ mean
    return probe


def probe_accuracy(probe: torch.nn.Linear, features, labels) -> float:
    """Share of rows whose arg-max class is the label; NaN for no rows."""
    x = torch.as_tensor(np.asarray(features), dtype=torch.float32)
    if len(x) == 0:
        return float("nan")
    with torch.no_grad():
        return float((probe(x).argmax(-1).numpy() == np.asarray(labels)).mean())


def wrong_suggestion_prompts() -> Prompts:
    """The evaluation's wrong-suggestion prompts of every wording, one after another (3600)."""
    parts = [evaluation_prompts("wrong", w) for w in WORDINGS]
    return make_prompts(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("a", "b", "suggested", "wording")))


def question_split(seed: int) -> np.ndarray:
    """(100,) bool: the questions (index ``a * 10 + b``) whose prompts train the probe; the other half tests it."""
    n = (MAX_OPERAND + 1) ** 2
    order = np.random.default_rng([check_seed(seed), 3]).permutation(n)
    train = np.zeros(n, dtype=bool)
    train[order[: n // 2]] = True
    return train


def probe_correct_answer(model: TinyTransformer, untrained: TinyTransformer, seed: int = 0) -> dict:
    """Probe each layer of ``model`` and of ``untrained`` (the control) for the correct answer.

    Returns ``{"n_agreed_test": int, "trained": [accuracy per layer], "untrained": [...],
    "suggested": [...]}`` where accuracies are over the held-out questions' prompts on which
    ``model`` answered with the user's wrong suggestion (NaN if there are none), layer 0 is the
    embeddings; "suggested" is the trained model's probe accuracy for the suggestion itself on the
    same prompts (a probe that works at all should find what the model says); "no_suggestion" is
    the positive control: the trained model's probe for the correct answer, fitted and scored on
    prompts without a wrong suggestion (``answer_stated_prompts``), split by question alike."""
    prompts = wrong_suggestion_prompts()
    train_questions = question_split(seed)
    in_train = train_questions[prompts.a * (MAX_OPERAND + 1) + prompts.b]
    agreed = answers(model, prompts) == prompts.suggested
    test = ~in_train & agreed
    tokens = torch.from_numpy(prompts.tokens)
    out = {"n_agreed_test": int(test.sum()), "trained": [], "untrained": [], "suggested": [], "no_suggestion": []}
    with torch.no_grad():
        states = {"trained": model.residual_stream(tokens).numpy(), "untrained": untrained.residual_stream(tokens).numpy()}
    for name, layers in states.items():
        for layer in layers:
            probe = fit_probe(layer[in_train], prompts.correct[in_train], N_NUMBERS, seed=seed)
            out[name].append(probe_accuracy(probe, layer[test], prompts.correct[test]))
    for layer in states["trained"]:
        probe = fit_probe(layer[in_train], prompts.suggested[in_train], N_NUMBERS, seed=seed)
        out["suggested"].append(probe_accuracy(probe, layer[test], prompts.suggested[test]))
    said = answer_stated_prompts()
    said_train = train_questions[said.a * (MAX_OPERAND + 1) + said.b]
    with torch.no_grad():
        said_states = model.residual_stream(torch.from_numpy(said.tokens)).numpy()
    for layer in said_states:
        probe = fit_probe(layer[said_train], said.correct[said_train], N_NUMBERS, seed=seed)
        out["no_suggestion"].append(probe_accuracy(probe, layer[~said_train], said.correct[~said_train]))
    return out


def answer_stated_prompts() -> Prompts:
    """The probe's positive control: every question without a suggestion and with a correct one
    in each wording (300 prompts), where a trained model says the correct answer."""
    parts = [evaluation_prompts("none")] + [evaluation_prompts("correct", w) for w in WORDINGS]
    return make_prompts(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("a", "b", "suggested", "wording")))
