"""Level samplers (goalmisgen.curricula): domain randomization reproduces PPO's own level draws,
prioritized level replay's buffer, scores and sampling on hand-made cases, PLR on CoinRun-grid,
and the chapter-6 trial end to end."""

import numpy as np
import pytest
import torch

from goalmisgen.agents import PPOConfig, train
from goalmisgen.curricula import (DomainRandomization, LevelSource, PrioritizedLevelReplay, make_sampler,
                                  positive_value_loss)
from goalmisgen.envs.coinrun import CoinRunGridVecEnv
from goalmisgen.envs.grid.levels import LevelQueue
from goalmisgen.envs.grid.vector import GridVecEnv
from goalmisgen.experiments.curriculum_sweep import (CURRICULUM_COLUMNS, curriculum_configs, curriculum_sweep,
                                                     curriculum_trial)
from goalmisgen.experiments.common import SweepRunner
from goalmisgen.experiments.randomization_sweep import CoinGrid, randomization_sweep, randomization_trial

NEW_KEYS = ("levels_played", "distinguishing_share")


def _small(seed=0, **kw):
    return PPOConfig(total_steps=4096, num_envs=64, num_steps=16, seed=seed,
                     env_options={"coin_placement": "end", "random_fraction": 0.1}, **kw)


def test_domain_randomization_hands_out_the_env_queues_seeds():
    dr = DomainRandomization(low=5, count=1000)
    dr.seed(3)
    got = np.concatenate([dr.sample(k) for k in (1, 7, 64, 0, 30)])
    assert np.array_equal(got, LevelQueue.seeds_handed_out(5, 1000, 3, len(got)))


def test_domain_randomization_default_reproduces_training_without_a_sampler(monkeypatch):
    """Exact by construction: both trainings run in this process on this machine."""
    with_sampler = train(_small(1), progress=False)
    monkeypatch.setattr(GridVecEnv, "set_level_queue", lambda self, queue: None)  # the envs keep their own queue
    without = train(_small(1), progress=False)
    wa, wb = with_sampler.policy.state_dict(), without.policy.state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    for a, b in zip(with_sampler.history, without.history):
        np.testing.assert_equal({k: v for k, v in a.items() if k not in NEW_KEYS + ("time_s",)},
                                {k: v for k, v in b.items() if k not in NEW_KEYS + ("time_s",)})  # nan == nan here
    assert with_sampler.history[0]["levels_played"] >= 64  # the first reset's levels are counted
    assert np.isnan(without.history[0]["distinguishing_share"])


def test_distinguishing_share_counts_the_levels_handed_out():
    env = CoinRunGridVecEnv(num_envs=8, coin_placement="end", random_fraction=0.5)
    source = LevelSource(DomainRandomization(*env.options.seed_range), env.generate, chunk=16,
                         distinguishing="coin_is_random")
    env.set_level_queue(source)
    env.reset(seed=0)
    batch = env.generate(LevelQueue.seeds_handed_out(*env.options.seed_range, 0, 8))
    counts = source.pop_counts()
    assert counts == {"handed_out": 8, "flagged": 8, "distinguishing": int(batch.coin_is_random.sum())}
    assert np.array_equal(env.state.level_seed, batch.seeds)
    assert source.pop_counts()["handed_out"] == 0


def test_positive_value_loss_is_the_mean_positive_advantage_per_level():
    adv = np.array([[1.0, -2.0], [3.0, 4.0], [-1.0, 0.5]])
    seeds = np.array([[7, 9], [7, 9], [8, 9]])
    got_seeds, scores = positive_value_loss(adv, seeds)
    assert got_seeds.tolist() == [7, 8, 9]
    assert np.allclose(scores, [(1 + 3) / 2, 0.0, (0 + 4 + 0.5) / 3])


def _plr(**kw):
    return PrioritizedLevelReplay(low=0, count=10**9, **kw)


def test_rank_prioritization_follows_one_over_rank_to_the_one_over_beta():
    plr = _plr(temperature=1.0, staleness_coef=0.0)
    plr.update([10, 11, 12], [3.0, 1.0, 2.0])
    h = np.array([1, 1 / 3, 1 / 2])
    assert np.allclose(plr.replay_distribution(), h / h.sum())
    sharp = _plr(temperature=0.5, staleness_coef=0.0)
    sharp.update([10, 11, 12], [3.0, 1.0, 2.0])
    assert np.allclose(sharp.replay_distribution(), h**2 / (h**2).sum())


def test_staleness_weights_levels_by_time_since_last_sampled():
    plr = _plr(staleness_coef=1.0)
    plr.update([10, 11], [5.0, 0.0])
    plr.clock, plr.last_sampled = 10, np.array([9, 6])
    assert np.allclose(plr.replay_distribution(), [1 / 5, 4 / 5])
    mixed = _plr(temperature=1.0, staleness_coef=0.25)
    mixed.update([10, 11], [5.0, 0.0])
    mixed.clock, mixed.last_sampled = 10, np.array([9, 6])
    assert np.allclose(mixed.replay_distribution(), 0.75 * np.array([2 / 3, 1 / 3]) + 0.25 * np.array([1 / 5, 4 / 5]))


def test_replay_probability_decides_between_buffer_and_new_levels():
    never = _plr(replay_prob=0.0)
    never.update([10, 11], [1.0, 1.0])
    never.seed(0)
    assert not np.isin(never.sample(200), [10, 11]).any()
    always = _plr(replay_prob=1.0)
    always.update([10, 11], [1.0, 1.0])
    always.seed(0)
    assert np.isin(always.sample(200), [10, 11]).all()
    half = _plr(replay_prob=0.5)
    half.update([10, 11], [1.0, 1.0])
    half.seed(0)
    share = np.isin(half.sample(2000), [10, 11]).mean()
    assert 0.45 < share < 0.55
    empty = _plr(replay_prob=1.0)
    empty.seed(0)
    assert len(np.unique(empty.sample(50))) == 50  # nothing to replay yet: fresh levels


def test_a_level_with_a_higher_score_is_replayed_more():
    plr = _plr(replay_prob=1.0, temperature=0.5, staleness_coef=0.3)
    plr.update([10, 11, 12], [2.0, 0.5, 0.1])
    plr.seed(1)
    drawn = plr.sample(3000)
    counts = [int((drawn == s).sum()) for s in (10, 11, 12)]
    assert counts[0] > counts[1] > counts[2] > 0  # staleness keeps the lowest in play


def test_buffer_updates_replaces_the_lowest_and_keeps_its_size():
    plr = _plr(buffer_size=2)
    plr.update([10, 11], [1.0, 2.0])
    plr.update([10], [5.0])  # a buffered level's score is replaced
    assert plr.seeds.tolist() == [10, 11] and plr.scores.tolist() == [5.0, 2.0]
    plr.update([12], [1.0])  # lower than every buffered score: not admitted
    assert plr.seeds.tolist() == [10, 11]
    plr.update([13], [3.0])  # beats the lowest (11, score 2): replaces it
    assert sorted(plr.seeds.tolist()) == [10, 13] and len(plr.seeds) == 2


@pytest.mark.parametrize("kwargs, word", [
    ({"replay_prob": 1.5}, "replay_prob"), ({"temperature": 0.0}, "temperature"),
    ({"staleness_coef": -0.1}, "staleness_coef"), ({"buffer_size": 0}, "buffer_size"),
    ({"replay_prob": True}, "replay_prob"), ({"temperature": float("nan")}, "temperature"),
])
def test_bad_plr_parameters_are_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        _plr(**kwargs)


def test_bad_updates_and_configs_are_named():
    plr = _plr()
    with pytest.raises(ValueError, match="scores"):
        plr.update([1, 2], [1.0])
    with pytest.raises(ValueError, match="scores"):
        plr.update([1], [float("nan")])
    with pytest.raises(ValueError, match="level_seeds"):
        plr.update([1, 1], [1.0, 2.0])
    with pytest.raises(ValueError, match="level_seeds"):
        plr.update([-1], [1.0])
    with pytest.raises(ValueError, match="'ucb'"):
        make_sampler("ucb", 0, 10)
    with pytest.raises(ValueError, match="level_sampler"):
        PPOConfig(level_sampler="ucb")
    with pytest.raises(ValueError, match="replay_rate"):
        PPOConfig(level_sampler="plr", level_sampler_params={"replay_rate": 0.5})
    with pytest.raises(ValueError, match="dr"):
        PPOConfig(level_sampler="dr", level_sampler_params={"replay_prob": 0.5})
    with pytest.raises(ValueError, match="procgen-coinrun"):
        PPOConfig(env="procgen-coinrun", level_sampler="plr")


def test_plr_config_trains_and_round_trips_through_a_checkpoint(tmp_path):
    from goalmisgen.agents import load_agent, save_agent

    config = _small(2, level_sampler="plr", level_sampler_params={"replay_prob": 0.9})
    a, b = train(config, progress=False), train(config, progress=False)
    assert all(torch.equal(a.policy.state_dict()[k], b.policy.state_dict()[k]) for k in a.policy.state_dict())
    agent = load_agent(save_agent(a, tmp_path / "plr.pt"))
    assert agent.config.level_sampler == "plr" and agent.config.level_sampler_params == {"replay_prob": 0.9}


def test_curriculum_trial_end_to_end_on_the_serial_backend(tmp_path):
    from goalmisgen.sweeps import run_sweep

    configs = curriculum_configs(("dr", "plr"), CoinGrid(fractions=(0.05,), seeds=(1,), steps=2048, n_levels=8,
                                                         filter_runs=1))
    assert [c["curriculum"] for c in configs] == ["dr", "plr"]
    records = run_sweep(curriculum_trial, configs, tmp_path / "records", backend="serial", progress=False)
    for config, record in zip(configs, records):
        result = record["result"]
        assert result["curriculum"] == config["curriculum"] and result["moved_all"]["n"] == 8
        d = result["distinguishing"]
        assert len(d["steps"]) == len(d["share"]) == len(d["levels_played"]) >= 1
        assert sum(d["levels_played"]) >= 64 and 0.0 <= d["share_all"] <= 1.0
        assert (tmp_path / "records").is_dir()
    # the evaluation is the randomization trial's: with the same training both give the same counts
    dr = records[0]["result"]
    plain = randomization_trial({k: v for k, v in configs[0].items() if k != "curriculum"}).result
    assert {k: plain[k] for k in plain} == {k: dr[k] for k in plain}


def test_curriculum_trial_refuses_bad_configs():
    good = {"curriculum": "plr", "random_fraction": 0.001, "seed": 0, "steps": 1024, "n_levels": 4, "filter_runs": 1}
    with pytest.raises(ValueError, match="'accel'"):
        curriculum_trial({**good, "curriculum": "accel"})
    with pytest.raises(ValueError, match="lacks"):
        curriculum_trial({k: v for k, v in good.items() if k != "seed"})
    with pytest.raises(ValueError, match="temperature"):
        curriculum_trial({**good, "temperature": 0.1})
    with pytest.raises(ValueError, match="random_fraction=2"):
        curriculum_trial({**good, "random_fraction": 2})
    with pytest.raises(ValueError, match="'ucb'"):
        curriculum_configs(samplers=("ucb",))


def test_plr_replays_distinguishing_levels_more_often_than_they_occur():
    """alpha = 0.5% of the training levels have the coin away from the end. Domain randomization
    hands them out about that often; PLR, scoring levels by positive value loss, replays them
    several times as often within 100k steps (measured: about 0.11 against 0.003 for seed 0)."""
    from goalmisgen.experiments.curriculum_sweep import distinguishing_history

    alpha = 0.005
    shares = {}
    for sampler in ("dr", "plr"):
        config = PPOConfig(total_steps=100_000, seed=0, level_sampler=sampler,
                           env_options={"coin_placement": "end", "random_fraction": alpha})
        shares[sampler] = distinguishing_history(train(config, progress=False).history)["share_second_half"]
    assert shares["dr"] < 4 * alpha
    assert shares["plr"] > 4 * alpha and shares["plr"] > 4 * shares["dr"]


def test_curriculum_sweep_reuses_identical_domain_randomization_trials_and_checks_one(tmp_path):
    """End to end on the serial backend with tiny trainings: the randomization sweep's DR trials are
    reused, the first is retrained and plays level for level as shipped (exact by construction: both
    trainings ran in this process on this machine); the folder has what the chapter reads."""
    import json

    import pandas as pd

    tiny = {"grid": CoinGrid(fractions=(0.0, 0.5), seeds=(0,), steps=8192, n_levels=20, filter_runs=2),
            "runner": SweepRunner(backend="serial", progress=False)}
    randomization_sweep(tmp_path / "rs", records_dir=tmp_path / "r1", **tiny)
    m = curriculum_sweep(tmp_path / "cs", records_dir=tmp_path / "r2", reuse=tmp_path / "rs", **tiny)
    assert m["reuse"]["trials"] == 2 and m["reuse"]["reproduction"]["identical"]
    sources = {(t["config"]["curriculum"], t["config"]["random_fraction"]): t["source"] for t in m["trials"]}
    assert sources == {("dr", 0.0): "data/rs", ("dr", 0.5): "data/rs",
                       ("plr", 0.0): "trained here", ("plr", 0.5): "trained here"}
    assert sorted(p.name for p in (tmp_path / "cs" / "agents").iterdir()) == ["plr_random0pc_seed0.pt", "plr_random50pc_seed0.pt"]
    episodes = pd.read_csv(tmp_path / "cs" / m["episodes_file"])
    assert list(episodes.columns) == list(CURRICULUM_COLUMNS) and len(episodes) == 4 * 20
    assert set(json.loads((tmp_path / "cs" / "manifest.json").read_text())["summaries"]["groups"]) == {
        "dr/0", "dr/0.5", "plr/0", "plr/0.5"}
