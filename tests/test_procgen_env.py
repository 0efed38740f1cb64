"""Procgen CoinRun env: options, Gymnasium vector contract, moved and removed coins, level seeds,
the Langosco evaluation, the IMPALA network and a PPO smoke run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from goalmisgen.envs.procgen_coinrun import state as ps
from goalmisgen.envs.procgen_coinrun import NUM_ACTIONS, ProcgenCoinRunVecEnv, available_backend

SRC = str(Path(__file__).resolve().parents[1] / "src")
needs_procgen = pytest.mark.skipif(available_backend() is None, reason="needs procgen-mirror (Python 3.11/3.12) or procgen-gym (3.13+)")
RIGHT, RIGHT_JUMP, NOOP = 7, 8, 4
GRID_EPISODE_KEYS = {"coin_collected", "reached_end", "died", "timed_out", "steps", "max_x", "level_seed", "final_x", "final_y"}
# Easy levels 0..7 under coin_placement="random", played by holding right + jump: (coin cell,
# end cell) after the edit, and (steps, coin_collected, reached_end, died) of the first episode.
# Recorded with procgen-mirror; procgen-gym wraps the same C++ and must agree.
GOLDEN_CELLS = [((15, 9), (21, 9)), ((15, 7), (18, 7)), ((5, 6), (23, 8)), ((9, 4), (12, 4)), ((5, 2), (8, 2)), ((13, 13), (27, 18)), ((8, 7), (16, 5)), ((11, 12), (16, 12))]
GOLDEN_EPISODES = [(61, True, False, False), (31, False, False, True), (22, True, False, False), (1000, False, True, False), (18, True, False, False), (57, True, False, False), (1000, False, True, False), (57, False, False, True)]


def first_episodes(env, policy, obs, max_steps: int = 1000):
    """Step until every env finished one episode; returns {key: (n,) array} of those episodes and
    the reward of each env's last step. ``policy(obs) -> actions``, ``obs`` from reset."""
    n = env.num_envs
    done = np.zeros(n, dtype=bool)
    out, last_reward = {}, np.zeros(n, dtype=np.float32)
    for _ in range(max_steps + 1):
        obs, reward, term, trunc, info = env.step(policy(obs))
        if "episode" in info:
            new = info["_episode"] & ~done
            for k, v in info["episode"].items():
                out.setdefault(k, np.zeros(n, dtype=v.dtype))[new] = v[new]
            last_reward[new] = reward[new]
            assert np.array_equal(term | trunc, info["_episode"])
            assert (env.t[info["_episode"]] == 0).all(), "SAME_STEP autoreset: a new episode has begun"
            done |= new
        if done.all():
            return out, last_reward
    raise AssertionError("some episodes did not end within procgen's timeout")


def hold(action):
    return lambda obs: np.full(len(obs), action, dtype=np.int64)


# ---- without procgen ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        ({"coin_placement": "left"}, "coin_placement='left'"),
        ({"distribution_mode": "extreme"}, "distribution_mode='extreme'"),
        ({"obs_size": 48}, "obs_size=48"),
        ({"num_levels": -1}, "num_levels=-1"),
        ({"random_fraction": 2}, "random_fraction=2"),
        ({"grayscale": "yes"}, "grayscale='yes'"),
        ({"backend": "retro"}, "backend='retro'"),
        ({"colour": "red"}, "unknown option(s) ['colour']"),
        ({"start_level": 2**31 - 1, "num_levels": 5}, "goes past the largest level seed"),
    ],
)
def test_bad_options_raise_value_errors_naming_them(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ProcgenCoinRunVecEnv(num_envs=2, **options)


def test_importing_the_envs_never_imports_procgen():
    code = (
        "import sys, goalmisgen.envs\n"
        "assert 'procgen-coinrun' in goalmisgen.envs.GAMES\n"
        "assert not {'procgen', 'procgen_gym', 'gym3'} & set(sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr


def test_a_missing_backend_says_how_to_install_it(monkeypatch):
    from goalmisgen.envs.procgen_coinrun import backends

    monkeypatch.setattr(backends, "available_backend", lambda: None)
    with pytest.raises(ImportError, match="pip install"):
        ProcgenCoinRunVecEnv(num_envs=2)


# ---- with procgen -------------------------------------------------------------------------------


@needs_procgen
@pytest.mark.parametrize("obs_size, grayscale, shape", [(64, False, (3, 64, 64)), (32, False, (3, 32, 32)), (32, True, (1, 32, 32))])
def test_observations_are_channels_first_uint8(obs_size, grayscale, shape):
    env = ProcgenCoinRunVecEnv(num_envs=4, obs_size=obs_size, grayscale=grayscale, distribution_mode="easy")
    obs, info = env.reset(seed=0)
    assert obs.shape == (4,) + shape and obs.dtype == np.uint8
    assert env.observation_space.contains(obs) and env.single_action_space.n == NUM_ACTIONS
    obs, reward, term, trunc, info = env.step(env.action_space.sample())
    assert obs.shape == (4,) + shape and reward.dtype == np.float32 and term.dtype == trunc.dtype == bool
    env.close()


@needs_procgen
def test_step_reports_episodes_like_coinrun_grid():
    env = ProcgenCoinRunVecEnv(num_envs=8, coin_placement="random", distribution_mode="easy")
    obs, _ = env.reset(seed=1)
    episodes, _ = first_episodes(env, hold(RIGHT_JUMP), obs)
    assert GRID_EPISODE_KEYS <= set(episodes)
    assert all(v.shape == (8,) for v in episodes.values())
    ended = episodes["coin_collected"].astype(int) + episodes["died"] + episodes["timed_out"]
    assert (ended == 1).all(), "every episode ends in exactly one way"
    assert np.array_equal(episodes["episode_return"], 10.0 * episodes["coin_collected"]), "the game's reward: 10 for the coin"
    with pytest.raises(ValueError, match="actions must be in 0..14"):
        env.step(np.full(8, 15))


@needs_procgen
def test_same_seed_gives_the_same_rollout():
    def rollout(seed):
        env = ProcgenCoinRunVecEnv(num_envs=6, coin_placement="random", distribution_mode="hard", obs_size=32)
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(0)
        out = [obs]
        for _ in range(120):
            obs, reward, *_ = env.step(rng.integers(0, NUM_ACTIONS, size=6))
            out += [obs, reward]
        env.close()
        return out

    a, b, c = rollout(5), rollout(5), rollout(6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


@needs_procgen
def test_level_seeds_play_the_same_levels_as_num_levels_1():
    seeds = np.array([3, 17, 3, 123456])
    env = ProcgenCoinRunVecEnv(num_envs=4, distribution_mode="hard", coin_placement="end", track_player=True)
    obs, info = env.reset(seed=9, options={"level_seeds": seeds})
    assert np.array_equal(info["level_seed"], seeds)
    for i, seed in enumerate(seeds):
        alone = ProcgenCoinRunVecEnv(num_envs=1, distribution_mode="hard", num_levels=1, start_level=int(seed))
        obs_alone, _ = alone.reset(seed=0)
        assert np.array_equal(obs[i], obs_alone[0]), f"level {seed}: same first frame"
        assert np.array_equal(env.get_saved_state(i).grid, alone.get_saved_state(0).grid)
        alone.close()
    # the env's own level-seed range is restored: later episodes draw levels as usual
    assert env.get_saved_state(0).options["level_seed_high"][0] == 2**31 - 1


@needs_procgen
def test_coin_moved_by_state_edit_is_collectable():
    env = ProcgenCoinRunVecEnv(num_envs=1, distribution_mode="easy", coin_placement="end", track_player=True)
    env.reset(seed=0, options={"level_seeds": np.array([10])})
    state = env.get_saved_state(0)
    (end,) = ps.coin_cells(state.grid)
    state.grid[end[1], end[0]] = ps.ENEMY_BARRIER
    state.grid[1, 3] = ps.GOAL  # two cells right of the player, on the floor
    env.set_saved_state(0, state)
    for _ in range(20):
        _, reward, term, _, info = env.step(np.array([RIGHT]))
        if term[0]:
            break
    assert term[0] and reward[0] == 10.0, "walking right onto the moved coin pays +10 and ends the episode"
    assert info["episode"]["coin_collected"][0] and (info["episode"]["coin_x"][0], info["episode"]["coin_y"][0]) == (3, 1)
    assert not info["episode"]["reached_end"][0]


@needs_procgen
def test_random_coins_are_collected_by_a_walk_that_passes_them():
    env = ProcgenCoinRunVecEnv(num_envs=8, distribution_mode="easy", coin_placement="random")
    obs, _ = env.reset(seed=0, options={"level_seeds": np.arange(8)})
    coin, end = env.coin_cell.copy(), env.end_cell.copy()
    episodes, last_reward = first_episodes(env, hold(RIGHT_JUMP), obs)
    got = episodes["coin_collected"]
    assert got.sum() >= 3 and (coin[got] != end[got]).any(axis=1).all()
    assert (last_reward[got] == 10.0).all() and (last_reward[~got] == 0.0).all()
    assert not episodes["reached_end"][got].any(), "a moved coin is collected before the end"


@needs_procgen
def test_backends_agree_on_levels_edits_and_outcomes():
    env = ProcgenCoinRunVecEnv(num_envs=8, distribution_mode="easy", coin_placement="random")
    obs, _ = env.reset(seed=0, options={"level_seeds": np.arange(8)})
    assert [(tuple(c), tuple(e)) for c, e in zip(env.coin_cell.tolist(), env.end_cell.tolist())] == GOLDEN_CELLS
    episodes, _ = first_episodes(env, hold(RIGHT_JUMP), obs)
    got = [(int(s), bool(c), bool(r), bool(d)) for s, c, r, d in zip(episodes["steps"], episodes["coin_collected"], episodes["reached_end"], episodes["died"])]
    assert got == GOLDEN_EPISODES, f"backend {env.backend_name}"


@needs_procgen
def test_removed_coin_gives_a_1000_step_timeout_with_zero_reward():
    seeds = np.array([2, 4, 8, 10])  # easy levels that holding right + jump gets through
    stock = ProcgenCoinRunVecEnv(num_envs=4, distribution_mode="easy", coin_placement="end")
    obs, _ = stock.reset(seed=0, options={"level_seeds": seeds})
    stock_episodes, stock_reward = first_episodes(stock, hold(RIGHT_JUMP), obs)
    assert stock_episodes["coin_collected"].all() and (stock_reward == 10.0).all()

    env = ProcgenCoinRunVecEnv(num_envs=4, distribution_mode="easy", coin_placement="none")
    obs, _ = env.reset(seed=0, options={"level_seeds": seeds})
    assert (env.coin_cell == -1).all()
    episodes, last_reward = first_episodes(env, hold(RIGHT_JUMP), obs)
    assert episodes["timed_out"].all() and (episodes["steps"] == 1000).all()
    assert not episodes["coin_collected"].any() and (last_reward == 0.0).all()
    assert episodes["reached_end"].all(), "the agent still runs to the end, where nothing waits"


@needs_procgen
def test_random_fraction_moves_the_coin_in_exactly_the_chosen_levels():
    env = ProcgenCoinRunVecEnv(num_envs=32, distribution_mode="easy", coin_placement="end", random_fraction=0.5)
    env.reset(seed=3)
    moved = (env.coin_cell[:, 0] >= 0) & (env.coin_cell != env.end_cell).any(axis=1)
    assert np.array_equal(moved, ps.coin_is_random(env.level_seed, 0.5))
    assert 0 < moved.sum() < 32


@needs_procgen
def test_make_vec_env_builds_procgen_coinrun():
    from goalmisgen.envs import make_vec_env

    env = make_vec_env("procgen-coinrun", 2, distribution_mode="easy", obs_size=32)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (2, 3, 32, 32)


@needs_procgen
def test_evaluate_procgen_returns_the_cli_json_shape():
    pytest.importorskip("pandas")
    from goalmisgen.analysis.evaluate_procgen import evaluate_procgen

    class RunRight:
        env_options = {"distribution_mode": "easy", "coin_placement": "end"}

        def act(self, obs, deterministic=False):
            return np.full(len(obs), RIGHT_JUMP, dtype=np.int64)

    ev = evaluate_procgen(RunRight(), n_levels=8, start_level=0, filter_runs=1, deterministic=True, batch_size=8)
    d = ev.to_json_dict()
    metrics = {"coin_collected", "reached_end", "died", "timed_out", "survived", "progress", "misgeneralized"}
    assert metrics | {"n_levels", "n_good_levels", "good_levels", "coin_placement", "interventions"} <= set(d)
    assert all(set(d[m]) == {"mean", "ci_low", "ci_high", "n"} for m in metrics)
    assert d["n_levels"] == 8 and set(d["good_levels"]) >= metrics
    with pytest.raises(ValueError, match="trained on env='coinrun'"):
        grid_agent = RunRight()
        grid_agent.env = "coinrun"
        evaluate_procgen(grid_agent, n_levels=2)
    row = ev.episodes.set_index("level_seed").loc[3]
    assert row["misgeneralized"] and row["good"], "level 3: runs past the coin to the end, on a good level"
    assert not ev.episodes.set_index("level_seed").loc[4, "good"], "level 4: the coin lies on the way"


# ---- the IMPALA network and a PPO smoke run ----------------------------------------------------


def test_impala_network_maps_pixels_to_logits_and_values():
    torch = pytest.importorskip("torch")
    from goalmisgen.agents.networks import NETWORKS, make_network

    assert "impala" in NETWORKS
    for shape in ((3, 64, 64), (1, 32, 32)):
        net = make_network("impala", shape, NUM_ACTIONS, 256)
        logits, value = net(torch.randint(0, 256, (5,) + shape, dtype=torch.uint8))
        assert logits.shape == (5, NUM_ACTIONS) and value.shape == (5,)
        assert torch.isfinite(logits).all() and torch.isfinite(value).all()


def test_impala_network_computes_the_same_numbers_in_channels_last_order():
    torch = pytest.importorskip("torch")
    from goalmisgen.agents.networks import make_network

    torch.manual_seed(0)
    net = make_network("impala", (3, 32, 32), NUM_ACTIONS, 256)
    frames = torch.randint(0, 256, (7, 3, 32, 32), dtype=torch.uint8)
    logits, value = net(frames)
    h = net.body(frames.float() * (1.0 / 255.0))  # the default memory order, as before the CPU speed-up
    assert torch.allclose(logits, net.pi(h), atol=1e-5) and torch.allclose(value, net.v(h).squeeze(-1), atol=1e-5)
    assert logits.is_contiguous() and value.shape == (7,)


@needs_procgen
@pytest.mark.slow
def test_ppo_trains_on_procgen_coinrun_with_the_impala_network(tmp_path):
    pytest.importorskip("torch")
    from goalmisgen.agents import PPOConfig, load_agent, save_agent, train

    config = PPOConfig(env="procgen-coinrun", env_options={"distribution_mode": "easy", "obs_size": 32}, network="impala",
                       num_envs=8, num_steps=16, total_steps=256, num_minibatches=2, hidden=64, seed=0)
    result = train(config, progress=False)
    assert len(result.history) == 2
    assert all(np.isfinite(row["value_loss"]) and np.isfinite(row["entropy"]) for row in result.history)
    agent = load_agent(save_agent(result, tmp_path / "impala.pt"))
    env = ProcgenCoinRunVecEnv(num_envs=3, **agent.env_options)
    obs, _ = env.reset(seed=0)
    actions = agent.act(obs)
    assert actions.shape == (3,) and ((actions >= 0) & (actions < NUM_ACTIONS)).all()
