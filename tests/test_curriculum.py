"""The curriculum: stages of env options, each warm-started from the last, one result."""

import numpy as np
import pytest
import torch

from goalmisgen.agents import PPOConfig
from goalmisgen.agents.curriculum import Stage, stage_configs, train_curriculum


def _base(**kw):
    return PPOConfig(env="maze", env_options={"view": "centred", "max_steps": 30}, num_envs=16, num_steps=16,
                     num_minibatches=2, **kw)


def test_a_two_stage_curriculum_runs_and_records_every_stage():
    stages = [Stage({"max_size": 7}, 512), Stage({"max_size": 11}, 768)]
    result = train_curriculum(_base(), stages, progress=False)
    assert result.config.env_options == {"view": "centred", "max_steps": 30, "max_size": 11}
    assert result.metrics["total_steps"] == 512 + 768 and result.metrics["stages"] == 2
    assert result.metrics["stage0_total_steps"] == 512 and result.metrics["stage1_total_steps"] == 768
    assert [row["stage"] for row in result.history] == [0, 0, 1, 1, 1]
    assert [row["steps"] for row in result.history] == [256, 512, 768, 1024, 1280]
    assert np.all(np.diff([row["time_s"] for row in result.history]) > 0)
    assert np.isfinite(result.metrics["stage1_mean_return"])


def test_the_second_stage_starts_from_the_first_stages_weights():
    first = train_curriculum(_base(), [Stage({"max_size": 7}, 512)], progress=False)
    # a second stage that cannot learn (learning rate 0) ends where the first stage ended
    both = train_curriculum(_base(), [Stage({"max_size": 7}, 512)], progress=False)
    frozen = train_curriculum(_base(learning_rate=0.0), [Stage({"max_size": 9}, 256)], progress=False,
                              initial=both.policy)
    for k, v in frozen.policy.state_dict().items():
        assert torch.equal(v, first.policy.state_dict()[k]), k


def test_stages_are_checked():
    with pytest.raises(ValueError, match="stages=.*non-empty list of Stage"):
        stage_configs(_base(), [])
    with pytest.raises(ValueError, match="total_steps"):
        Stage({"max_size": 7}, 0)
    with pytest.raises(ValueError, match="env_options"):
        Stage(["max_size"], 100)
