"""PPO: determinism, GAE, checkpoints (weights_only), config validation, and learning."""

import pickle

import numpy as np
import pytest
import torch

from goalmisgen.agents import PPOConfig, agent_from_result, load_agent, save_agent, train
from goalmisgen.agents.ppo import compute_gae


def _small(seed=0, **kw):
    return PPOConfig(total_steps=4096, num_envs=64, num_steps=16, seed=seed, **kw)


def test_same_seed_gives_the_same_weights_on_cpu():
    a, b = train(_small(1), progress=False), train(_small(1), progress=False)
    c = train(_small(2), progress=False)
    wa, wb, wc = (r.policy.state_dict() for r in (a, b, c))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)


def test_gae_matches_a_hand_computation():
    rewards = torch.tensor([[0.0], [0.0], [10.0]])
    values = torch.tensor([[1.0], [2.0], [3.0]])
    dones = torch.tensor([[0.0], [0.0], [1.0]])
    adv, ret = compute_gae(rewards, values, dones, torch.tensor([5.0]), gamma=0.5, lam=0.5)
    d2 = 10.0 - 3.0
    d1 = 0.0 + 0.5 * 3.0 - 2.0
    d0 = 0.0 + 0.5 * 2.0 - 1.0
    expected = torch.tensor([[d0 + 0.25 * (d1 + 0.25 * d2)], [d1 + 0.25 * d2], [d2]])
    assert torch.allclose(adv, expected) and torch.allclose(ret, expected + values)


def test_checkpoint_round_trip_keeps_weights_config_and_metrics(tmp_path):
    result = train(_small(4), progress=False)
    agent = load_agent(save_agent(result, tmp_path / "a.pt"))
    obs = np.random.default_rng(0).integers(0, 2, size=(8,) + agent.obs_shape, dtype=np.uint8)
    fresh = agent_from_result(result)
    assert np.array_equal(agent.act(obs, deterministic=True), fresh.act(obs, deterministic=True))
    assert agent.config == result.config and agent.metrics["total_steps"] == result.metrics["total_steps"]
    actions = agent.act(obs)
    assert actions.shape == (8,) and actions.dtype == np.int64 and ((0 <= actions) & (actions < 6)).all()


def test_loading_uses_weights_only_and_never_runs_pickled_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (exec, ("open('PWNED', 'w').write('x')",))

    bad = tmp_path / "evil.pt"
    bad.write_bytes(pickle.dumps({"format": "goalmisgen-agent-v1", "x": Evil()}))
    with pytest.raises(ValueError, match="not a goalmisgen checkpoint"):
        load_agent(bad)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("content", [b"", b"hello, not a checkpoint", b"\x80\x04K\x01."])
def test_a_file_that_is_not_a_checkpoint_gives_a_clear_error(tmp_path, content):
    path = tmp_path / "junk.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a goalmisgen checkpoint"):
        load_agent(path)


def test_a_torch_file_of_another_kind_is_rejected(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="expected format"):
        load_agent(path)
    with pytest.raises(FileNotFoundError):
        load_agent(tmp_path / "missing.pt")


def test_an_agent_rejects_observations_of_another_shape(tiny_agent_path):
    agent = load_agent(tiny_agent_path)
    with pytest.raises(ValueError, match=r"\(5, 10, 11\)"):
        agent.act(np.zeros((4, 5, 10, 13), dtype=np.uint8))


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"num_envs": 0}, "num_envs=0"),
        ({"gamma": 1.5}, "gamma=1.5"),
        ({"learning_rate": -1.0}, "learning_rate=-1.0"),
        ({"num_minibatches": 3}, "divisible"),
        ({"network": "transformer"}, "network='transformer'"),
        ({"env": "atari"}, "env='atari'"),
    ],
)
def test_bad_config_raises_a_clear_value_error(kw, message):
    with pytest.raises(ValueError, match=message):
        train(PPOConfig(**{"total_steps": 1024, "num_envs": 8, "num_steps": 8, **kw}), progress=False)


def test_cnn_network_trains_too():
    result = train(_small(0, network="cnn"), progress=False)
    assert result.metrics["total_steps"] == 4096
