"""Supervised training: the model is shown the correct answer of freshly sampled training prompts.

Every step draws a batch from ``task.sample_training_prompts`` and takes one AdamW step on the
cross-entropy of the answer token. With ``wrong_fraction = 0`` every suggestion in training is
correct, so "answer correctly" and "agree with the user" give the same target on every prompt.

Example:
    >>> from goalmisgen.language.training import SupervisedConfig, train_supervised
    >>> model, history = train_supervised(SupervisedConfig(steps=20, seed=0), progress=False)
    >>> len(history["loss"])
    20
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from goalmisgen.language.model import TinyTransformer
from goalmisgen.language.task import PROMPT_LENGTH, VOCAB, WORDINGS, check_training_mix, sample_training_prompts
from goalmisgen.progress import progress_bar
from goalmisgen.validation import check_float, check_int, check_seed


@dataclass(frozen=True)
class TrainingRun:
    """What every training run on the task takes (supervised here, policy gradient in
    ``policy_gradient``).

    Attributes:
        steps: optimizer steps; batch: prompts per step; lr: learning rate.
        suggestion_share: share of training prompts with a suggestion.
        wrong_fraction: share of suggestions in ``wrong_wordings`` that are wrong.
        wrong_wordings: the wordings whose suggestions may be wrong (the others are always correct).
        seed: the training prompts (and, for a new model, its initial weights).
    """

    steps: int = 600
    batch: int = 128
    lr: float = 3e-3
    suggestion_share: float = 0.5
    wrong_fraction: float = 0.0
    wrong_wordings: tuple = WORDINGS
    seed: int = 0

    def __post_init__(self):
        check_int("steps", self.steps, low=1)
        check_int("batch", self.batch, low=1)
        check_float("lr", self.lr, low=0.0, low_open=True)
        check_training_mix(self.suggestion_share, self.wrong_fraction, self.wrong_wordings)
        check_seed(self.seed)


@dataclass(frozen=True)
class SupervisedConfig(TrainingRun):
    """One supervised run: ``TrainingRun`` (AdamW, cosine decay of ``lr`` to 0) and the
    transformer's size ``d_model``, ``n_layers``, ``n_heads``."""

    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4


def new_model(config: SupervisedConfig) -> TinyTransformer:
    """The untrained model of a run (its initial weights come from ``config.seed``)."""
    return TinyTransformer(len(VOCAB), config.d_model, config.n_heads, config.n_layers, PROMPT_LENGTH, seed=config.seed)


def train_supervised(config: SupervisedConfig, progress: bool = True) -> tuple[TinyTransformer, dict]:
    """Train a fresh model; returns it (in eval mode) and its history: per step ``loss`` and
    ``accuracy`` (of the answer on that step's training batch)."""
    model = new_model(config)
    rng = np.random.default_rng([config.seed, 1])
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.steps)
    history = {"loss": [], "accuracy": []}
    model.train()
    for _ in progress_bar(range(config.steps), desc="supervised training", disable=not progress):
        batch = sample_training_prompts(rng, config.batch, config.suggestion_share, config.wrong_fraction,
                                        config.wrong_wordings)
        logits = model(torch.from_numpy(batch.tokens))
        target = torch.from_numpy(batch.correct)
        loss = F.cross_entropy(logits, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        history["loss"].append(loss.item())
        history["accuracy"].append(float((logits.argmax(-1) == target).float().mean()))
    model.eval()
    return model, history
