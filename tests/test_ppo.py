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
    """Exact by construction: both trainings run in this process on this machine. Across machines
    torch's kernels round differently and a fresh training is one more seed (``analysis.replication``)."""
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
    c, h, w = agent.obs_shape
    with pytest.raises(ValueError, match=rf"\({c}, {h}, {w}\)"):
        agent.act(np.zeros((4, c, h, w + 2), dtype=np.uint8))


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


@pytest.mark.parametrize("kw, message", [
    ({"gamma": True}, "gamma=True"),
    ({"num_envs": True}, "num_envs=True"),
    ({"seed": -1}, "seed=-1"),
    ({"learning_rate": float("nan")}, "learning_rate=nan"),
    ({"clip_coef": 0.0}, "clip_coef=0.0"),
    ({"device": 3}, "device=3"),
    ({"env_options": ["end"]}, "env_options="),
    ({"network": None}, "network=None"),
])
def test_config_follows_the_validation_rules(kw, message):
    with pytest.raises(ValueError, match=message):
        PPOConfig(**kw)


def test_config_accepts_numpy_scalars_and_stores_python_numbers():
    c = PPOConfig(gamma=np.float32(0.99), num_envs=np.int64(32), seed=np.int32(3))
    assert type(c.gamma) is float and type(c.num_envs) is int and c.seed == 3
    assert c.gamma == pytest.approx(0.99)


# ---- truncation: a timed-out episode is bootstrapped from its final observation ----

class _TimeoutVecEnv:
    """Two envs whose episodes last exactly 2 steps, reward 1 per step. Env 0 always times out
    (truncated), env 1 always ends by itself (terminated). Observations are zeros; the final
    observation of env i is filled with 3 * (i + 1)."""

    def __init__(self, num_envs=2, report_final_obs=True, **_):
        import gymnasium

        assert num_envs == 2
        self.num_envs, self.report_final_obs, self.t = 2, report_final_obs, 0
        self.single_observation_space = gymnasium.spaces.Box(0, 255, (1, 1, 2), np.uint8)
        self.single_action_space = gymnasium.spaces.Discrete(2)

    def reset(self, seed=None):
        self.t = 0
        return np.zeros((2, 1, 1, 2), np.uint8), {}

    def step(self, actions):
        self.t += 1
        end = self.t % 2 == 0
        terminated, truncated = np.array([False, end]), np.array([end, False])
        info = {}
        if end:
            done = terminated | truncated
            info["final_info"] = {"coin_collected": np.array([False, True]), "reached_end": np.array([False, True]),
                                  "died": np.array([False, False]), "steps": np.array([2, 2])}
            info["_final_info"] = done
            if self.report_final_obs:
                info["final_obs"] = np.stack([np.full((1, 1, 2), 3, np.uint8), np.full((1, 1, 2), 6, np.uint8)])
                info["_final_obs"] = done
        return np.zeros((2, 1, 1, 2), np.uint8), np.ones(2, np.float32), terminated, truncated, info


class _SumValue(torch.nn.Module):
    """Uniform policy whose value is the sum of the observation: V(zeros) = 0, V(final of env 0) = 6."""

    def forward(self, obs):
        flat = obs.float().flatten(1)
        return torch.zeros(len(obs), 2), flat.sum(1)


def _rollout(report_final_obs):
    from goalmisgen.agents.ppo import Rollout, collect_rollout

    env = _TimeoutVecEnv(report_final_obs=report_final_obs)
    rollout = Rollout.empty(3, 2, (1, 1, 2), torch.uint8, "cpu")
    obs, _ = env.reset()
    episodes = {"coin_collected": [], "reached_end": [], "died": [], "steps": []}
    collect_rollout(env, _SumValue(), rollout, obs, torch.Generator().manual_seed(0), 0.5, episodes)
    return rollout, episodes


def test_a_truncated_episode_is_bootstrapped_from_its_final_observation():
    rollout, episodes = _rollout(report_final_obs=True)
    # step 1 ends both episodes: env 0 timed out -> 1 + gamma * V(final obs) = 1 + 0.5 * 6;
    # env 1 terminated -> no bootstrap, although its final observation has a value too
    assert rollout.rewards.tolist() == [[1.0, 1.0], [4.0, 1.0], [1.0, 1.0]]
    assert rollout.dones.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    assert [e.tolist() for e in episodes["coin_collected"]] == [[False, True]]
    adv, _ = compute_gae(rollout.rewards, rollout.values, rollout.dones, torch.zeros(2), gamma=0.5, lam=1.0)
    # the advantage at the timeout is r + gamma * V(final) - V(s) = 4, not 1 as for a death
    assert adv[1].tolist() == [4.0, 1.0]


def test_without_final_observations_a_timeout_is_treated_as_an_ending():
    rollout, _ = _rollout(report_final_obs=False)
    assert rollout.rewards.tolist() == [[1.0, 1.0]] * 3


def test_episode_statistics_are_read_from_final_info_or_the_older_episode_key():
    from goalmisgen.agents.ppo import finished_episodes

    stats = {"coin_collected": np.array([True, False]), "reached_end": np.array([True, False]),
             "died": np.array([False, True]), "steps": np.array([5, 7])}
    for key in ("final_info", "episode"):
        got, mask = finished_episodes({key: stats, "_" + key: np.array([True, False])})
        assert got is stats and mask.tolist() == [True, False]
    # Gymnasium's RecordEpisodeStatistics puts {"r", "l", "t"} under "episode": not ours, ignored
    assert finished_episodes({"episode": {"r": np.ones(2), "l": np.ones(2), "t": np.ones(2)},
                              "_episode": np.array([True, True])}) is None
    assert finished_episodes({}) is None


def test_train_runs_on_an_env_with_timeouts(monkeypatch):
    from goalmisgen.envs.coinrun import GOALS
    from goalmisgen.envs.spec import GAMES, GameSpec

    monkeypatch.setitem(GAMES, "timeout-test", GameSpec("timeout-test", "timeouts", _TimeoutVecEnv, GOALS, grid=False))
    result = train(PPOConfig(env="timeout-test", env_options={}, total_steps=64, num_envs=2, num_steps=8,
                             num_minibatches=2), progress=False)
    assert result.metrics["coin_rate"] == 0.5 and result.metrics["mean_episode_steps"] == 2.0


def test_sb3_adapter_reports_timeouts_and_terminal_observations():
    pytest.importorskip("stable_baselines3")
    from goalmisgen.envs import coinrun
    from goalmisgen.envs.sb3_adapter import SB3CoinRunVecEnv

    adapter = SB3CoinRunVecEnv(2, seed=0)
    adapter.env = _TimeoutVecEnv()
    adapter.reset()
    adapter.step_async(np.zeros(2, dtype=np.int64))
    _, _, dones, infos = adapter.step_wait()
    assert dones.tolist() == [False, False] and infos == [{}, {}]
    adapter.step_async(np.zeros(2, dtype=np.int64))
    _, _, dones, infos = adapter.step_wait()
    assert dones.tolist() == [True, True]
    assert infos[0]["TimeLimit.truncated"] is True and infos[1]["TimeLimit.truncated"] is False
    assert infos[0]["terminal_observation"].tolist() == [[[3, 3]]]
    assert infos[1]["episode"] == {"r": coinrun.COIN_REWARD, "l": 2} and infos[0]["episode"]["r"] == 0.0


def test_coinrun_grid_timeouts_are_bootstrapped_with_the_value_of_the_final_observation():
    from goalmisgen.agents.networks import make_network
    from goalmisgen.agents.ppo import Rollout, collect_rollout
    from goalmisgen.envs import make_vec_env

    env = make_vec_env("coinrun", 32, max_steps=3)
    obs, _ = env.reset(seed=0)
    shape = env.single_observation_space.shape
    torch.manual_seed(0)
    policy = make_network("mlp", shape, 6, 16)
    torch.nn.init.constant_(policy.v.bias, 2.0)  # every state is worth about 2
    rollout = Rollout.empty(6, 32, shape, torch.uint8, "cpu")
    collect_rollout(env, policy, rollout, obs, torch.Generator().manual_seed(0), 0.9)
    timed_out = (rollout.dones == 1) & (rollout.rewards != 0)
    # with max_steps=3 most episodes time out at steps 2 and 5, and each gets 0 + 0.9 * V(final obs)
    assert timed_out[2].sum() > 16 and timed_out[5].sum() > 16
    assert torch.allclose(rollout.rewards[timed_out], torch.full_like(rollout.rewards[timed_out], 1.8), atol=0.2)


@pytest.mark.parametrize("env", ["maze", "keys-chests"])
def test_train_runs_on_the_new_grid_games_and_logs_their_return(env):
    result = train(PPOConfig(env=env, env_options={"max_steps": 8}, total_steps=512, num_envs=16, num_steps=16,
                             num_minibatches=2), progress=False)
    assert np.isfinite(result.metrics["mean_return"]) and result.metrics["mean_episode_steps"] <= 8
    assert np.isnan(result.metrics["coin_rate"])  # these games have no coin: not reported, not made up


@pytest.mark.parametrize("env, intended", [("maze", "cheese_collected"), ("keys-chests", "opened_max_chests")])
def test_the_new_grid_games_log_their_intended_rate(env, intended):
    result = train(PPOConfig(env=env, env_options={"max_steps": 8}, total_steps=512, num_envs=16, num_steps=16,
                             num_minibatches=2), progress=False)
    assert 0.0 <= result.metrics["intended_rate"] <= 1.0 and np.isfinite(result.history[-1]["intended_rate"])


def _sized(total_steps, seed=0, **kw):
    return PPOConfig(total_steps=total_steps, num_envs=64, num_steps=16, seed=seed, **kw)


def test_a_warm_start_begins_from_the_source_weights_and_leaves_the_source_alone():
    source = train(_small(seed=1), progress=False)
    before = {k: v.clone() for k, v in source.policy.state_dict().items()}
    # learning rate 0: the network the run starts from is the one it ends with
    frozen = train(_sized(1024, seed=2, learning_rate=0.0), progress=False, initial=source)
    for k, v in frozen.policy.state_dict().items():
        assert torch.equal(v, before[k]), k
    # it continues training from there: the weights move, the source's do not
    moved = train(_sized(2048, seed=2), progress=False, initial=source.policy.state_dict())
    assert any(not torch.equal(v, before[k]) for k, v in moved.policy.state_dict().items())
    for k, v in source.policy.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_a_warm_start_from_another_architecture_is_refused():
    source = train(_sized(1024, hidden=32), progress=False)
    with pytest.raises(ValueError, match="initial is not allowed.*shape"):
        train(_sized(1024, hidden=64), progress=False, initial=source)
    with pytest.raises(ValueError, match="initial is not allowed.*same network"):
        train(_sized(1024, network="cnn"), progress=False, initial=source)
    with pytest.raises(ValueError, match="initial=str is not allowed"):
        train(_sized(1024), progress=False, initial="weights.pt")



def test_before_any_reward_the_policy_does_not_follow_the_value_heads_noise():
    """The failure of the runs that never learned: with no reward yet, the advantages are the value
    head's noise, and normalizing them to unit size moved the policy as much as a real signal. Here
    no reward can come (10-step episodes end long before the coin): with the floor on their scale
    (``adv_std_floor``) the policy moves at most a third as far per update once the value head has
    settled, and stays closer to random (higher entropy)."""
    from goalmisgen.agents import PPOConfig, train

    def history(floor):
        config = PPOConfig(total_steps=1024 * 20, num_envs=64, num_steps=16, seed=4, adv_std_floor=floor,
                           env_options={"max_steps": 10})
        rows = train(config, progress=False).history
        assert all(not (h["coin_rate"] > 0) for h in rows)  # no reward was ever seen: nan or 0
        return rows

    assert PPOConfig().adv_std_floor == 0.0  # the plain normalization, as every shipped agent
    plain, floored = history(0.0), history(0.01)
    kl = [sum(h["approx_kl"] for h in rows[10:]) / 10 for rows in (plain, floored)]
    assert kl[1] < kl[0] / 3, kl
    assert floored[-1]["entropy"] > plain[-1]["entropy"]
