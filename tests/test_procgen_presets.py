"""The procgen presets, the reward normalization of procgen's baseline, and the sharded evaluation's
argument checks (the game itself is needed only where marked)."""

import numpy as np
import pytest

from goalmisgen.agents.presets import procgen_config
from goalmisgen.analysis.evaluate_procgen import evaluate_procgen_shards
from goalmisgen.envs.procgen_coinrun import ProcgenCoinRunOptions, available_backend


def test_the_gpu_preset_normalizes_rewards_and_both_presets_take_a_distribution_mode():
    gpu = procgen_config("gpu", seed=0, total_steps=1000)
    assert gpu.env_options["normalize_reward"] is True and gpu.env_options["distribution_mode"] == "easy"
    assert "normalize_reward" not in procgen_config("cpu", seed=0, total_steps=1000).env_options
    hard = procgen_config("cpu", seed=0, total_steps=1000, distribution_mode="hard", normalize_reward=True)
    assert hard.env_options["distribution_mode"] == "hard" and hard.env_options["normalize_reward"] is True
    assert procgen_config("gpu", 0, 1000, normalize_reward=False).env_options["normalize_reward"] is False


@pytest.mark.parametrize("kwargs, word", [
    ({"distribution_mode": "medium"}, "distribution_mode"),
    ({"normalize_reward": 1}, "normalize_reward"),
])
def test_procgen_config_refuses_unknown_values(kwargs, word):
    with pytest.raises(ValueError, match=word):
        procgen_config("gpu", 0, 1000, **kwargs)


def test_normalize_reward_must_be_a_bool():
    with pytest.raises(ValueError, match="normalize_reward"):
        ProcgenCoinRunOptions(normalize_reward="yes")


@pytest.mark.parametrize("kwargs, word", [
    ({"n_levels": 0}, "n_levels"),
    ({"start_level": -1}, "start_level"),
    ({"start_level": 2**31 - 2, "n_levels": 10}, "start_level"),
    ({"shard_size": 0}, "shard_size"),
    ({"workers": True}, "workers"),
    ({"filter_runs": 1.5}, "filter_runs"),
    ({"device": "tpu"}, "device"),
    ({"time_limit_s": 0}, "time_limit_s"),
])
def test_the_sharded_evaluation_checks_its_arguments_before_starting(kwargs, word):
    with pytest.raises(ValueError, match=word):
        evaluate_procgen_shards("agent.pt", **kwargs)


@pytest.mark.skipif(available_backend() is None, reason="needs the procgen game")
def test_normalized_rewards_are_the_game_rewards_scaled_by_the_running_return_std():
    from goalmisgen.envs.procgen_coinrun.env import REWARD_NORM_CLIP, ProcgenCoinRunVecEnv

    envs = [ProcgenCoinRunVecEnv(num_envs=8, distribution_mode="easy", normalize_reward=flag) for flag in (False, True)]
    for env in envs:
        env.reset(seed=3)
    rng = np.random.default_rng(0)
    raw_sum = 0.0
    for _ in range(300):
        actions = rng.choice([5, 7, 8], size=8)
        (_, raw, _, _, info_raw), (_, scaled, _, _, info_scaled) = (env.step(actions) for env in envs)
        if "episode" in info_raw:
            assert np.array_equal(info_raw["episode"]["coin_collected"], info_scaled["episode"]["coin_collected"])
        hit = raw > 0
        assert np.array_equal(hit, scaled > 0)
        assert np.all(np.abs(scaled) <= REWARD_NORM_CLIP)
        raw_sum += raw.sum()
    assert raw_sum > 0, "no coin in 300 steps: the test saw no reward to scale"
