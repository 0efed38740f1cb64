"""Policy-gradient fine-tuning with a reward for correctness (REINFORCE with a batch-mean baseline).

The model samples an answer to each training prompt from its softmax; the reward is 1 for the
correct answer and 0 otherwise; the loss is ``-(reward - mean reward) * log p(answer)``. This is
the selection pressure the grid chapters apply. On training prompts whose suggestions are all
correct, agreeing earns exactly the reward that answering correctly earns, so the reward has
nothing to say about which of the two the model should do.

Example:
    >>> from goalmisgen.language.training import SupervisedConfig, new_model
    >>> from goalmisgen.language.policy_gradient import PolicyGradientConfig, finetune
    >>> history = finetune(new_model(SupervisedConfig()), PolicyGradientConfig(steps=5), progress=False)
    >>> len(history["reward"])
    5
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from goalmisgen.language.model import TinyTransformer
from goalmisgen.language.task import sample_training_prompts
from goalmisgen.language.training import TrainingRun
from goalmisgen.progress import progress_bar


@dataclass(frozen=True)
class PolicyGradientConfig(TrainingRun):
    """A fine-tuning run (``TrainingRun``; Adam); ``seed`` also fixes the sampled answers."""

    steps: int = 300
    lr: float = 3e-4


def finetune(model: TinyTransformer, config: PolicyGradientConfig, progress: bool = True) -> dict:
    """Fine-tune ``model`` in place; returns the history: per step the mean ``reward`` of the
    sampled answers. The model is left in eval mode."""
    rng = np.random.default_rng([config.seed, 2])
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    history = {"reward": []}
    model.train()
    for _ in progress_bar(range(config.steps), desc="policy gradient", disable=not progress):
        batch = sample_training_prompts(rng, config.batch, config.suggestion_share, config.wrong_fraction,
                                        config.wrong_wordings)
        log_probs = torch.log_softmax(model(torch.from_numpy(batch.tokens)), dim=-1)
        sampled = torch.multinomial(log_probs.exp().detach(), 1, generator=generator).squeeze(1)
        reward = (sampled == torch.from_numpy(batch.correct)).float()
        advantage = reward - reward.mean()
        loss = -(advantage * log_probs.gather(1, sampled[:, None]).squeeze(1)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history["reward"].append(reward.mean().item())
    model.eval()
    return history
