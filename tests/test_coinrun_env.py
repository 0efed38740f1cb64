"""CoinRun-grid: Gymnasium contract, level generation, solvability, rules, bad input."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from goalmisgen.envs import HELD_OUT_START, CoinRunGridEnv, CoinRunGridVecEnv
from goalmisgen.envs import coinrun_levels as lv
from goalmisgen.envs.coinrun_solver import shortest_coin_paths
from goalmisgen.envs.registration import REGISTERED
from goalmisgen.envs.render import render_level, render_observation


@pytest.mark.parametrize("env_id", sorted(REGISTERED))
def test_every_registered_id_passes_check_env(env_id):
    env = gymnasium.make(f"goalmisgen/{env_id}")
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", sorted(REGISTERED))
def test_every_registered_id_makes_a_vector_env(env_id):
    envs = gymnasium.make_vec(f"goalmisgen/{env_id}", num_envs=8, vectorization_mode="vector_entry_point")
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (8,) + envs.single_observation_space.shape
    assert envs.observation_space.contains(np.ascontiguousarray(obs))


def _rollout(env, seed, steps=300):
    obs, _ = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = [obs.copy()]
    for _ in range(steps):
        obs, r, term, trunc, _ = env.step(rng.integers(0, 6, size=env.num_envs))
        out.append(obs.copy())
        out.append(r.copy())
    return out


def test_same_seed_gives_the_same_rollout():
    a = _rollout(CoinRunGridVecEnv(32), seed=7)
    b = _rollout(CoinRunGridVecEnv(32), seed=7)
    c = _rollout(CoinRunGridVecEnv(32), seed=8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_a_level_depends_only_on_its_seed():
    alone = lv.generate_levels(np.array([123]))
    together = lv.generate_levels(np.array([5, 123, 9]))
    for name in ("solid", "lava", "coin_x", "coin_y", "enemy_phase", "enemy_active"):
        assert np.array_equal(getattr(alone, name)[0], getattr(together, name)[1])


def test_moving_the_coin_leaves_the_terrain_unchanged():
    seeds = np.arange(500)
    end, rand = lv.generate_levels(seeds, coin_placement="end"), lv.generate_levels(seeds, coin_placement="random")
    assert np.array_equal(end.solid, rand.solid) and np.array_equal(end.lava, rand.lava)
    assert np.array_equal(end.enemy_phase, rand.enemy_phase)
    assert (end.coin_x != rand.coin_x).all()


@pytest.mark.parametrize("placement", ["end", "random"])
def test_every_generated_level_is_solvable(placement):
    seeds = np.arange(3000) + (0 if placement == "end" else HELD_OUT_START)
    steps = shortest_coin_paths(seeds, coin_placement=placement)
    assert (steps > 0).all(), f"unsolvable levels: {seeds[steps < 0][:10]}"


def test_levels_use_every_section_kind_and_hazards_are_common():
    levels = lv.generate_levels(np.arange(2000))
    counts = np.bincount(levels.kinds.ravel(), minlength=len(lv.SECTION_KINDS))
    assert (counts > 0).all()
    hazardous = np.isin(levels.kinds, (lv.PIT, lv.WIDE_PIT, lv.ENEMY)).any(axis=1)
    assert hazardous.mean() > 0.5


def test_coin_at_the_end_sits_by_the_right_wall_on_the_ground():
    levels = lv.generate_levels(np.arange(1000), coin_placement="end")
    n = np.arange(1000)
    assert (levels.coin_x == levels.end_x).all()
    assert levels.solid[n, levels.coin_x, levels.coin_y - 1].all()
    assert levels.solid[:, levels.end_x + 1].all()


def test_random_coin_is_on_a_standing_spot_away_from_start_and_end():
    levels = lv.generate_levels(np.arange(2000), coin_placement="random")
    n = np.arange(2000)
    assert levels.coin_is_random.all()
    assert (levels.coin_x >= 1 + lv.START_WIDTH).all() and (levels.coin_x < levels.end_x).all()
    assert levels.solid[n, levels.coin_x, levels.coin_y - 1].all()
    assert not levels.solid[n, levels.coin_x, levels.coin_y].any()
    assert len(np.unique(levels.coin_x)) == 3


def test_random_fraction_randomizes_about_that_share_of_levels():
    levels = lv.generate_levels(np.arange(20000), coin_placement="end", random_fraction=0.1)
    assert 0.09 < levels.coin_is_random.mean() < 0.11


def test_training_and_held_out_levels_are_disjoint():
    env = CoinRunGridVecEnv(512)
    env.reset(seed=0)
    seen = [env.state.level_seed.copy()]
    for _ in range(300):
        _, _, _, _, info = env.step(np.full(512, 5))
        if "episode" in info:
            seen.append(info["episode"]["level_seed"][info["_episode"]])
    seen = np.concatenate(seen)
    assert (seen < HELD_OUT_START).all() and len(np.unique(seen)) > 1000


def test_num_levels_and_start_level_limit_the_level_seeds():
    env = CoinRunGridVecEnv(64, num_levels=10, start_level=100)
    env.reset(seed=0)
    seeds = [env.state.level_seed.copy()]
    for _ in range(200):
        _, _, _, _, info = env.step(np.full(64, 5))
        if "episode" in info:
            seeds.append(info["episode"]["level_seed"][info["_episode"]])
    seeds = np.unique(np.concatenate(seeds))
    assert set(seeds) <= set(range(100, 110)) and len(seeds) == 10


def test_observation_is_one_hot_and_centred_on_the_agent():
    env = CoinRunGridVecEnv(64)
    obs, _ = env.reset(seed=1)
    R = env.options.view_radius
    assert obs.shape == (64, 5, 10, 2 * R + 1) and obs.dtype == np.uint8
    agent = obs[:, 4]
    assert (agent.sum(axis=(1, 2)) == 1).all() and (agent[:, :, R].sum(axis=1) == 1).all()
    assert (obs[:, 0, :, :R - 0].sum(axis=1) > 0).all()  # the left wall is in view at the start
    assert set(np.unique(obs)) <= {0, 1}
    assert not (obs[:, 0] & obs[:, 1]).any()


def _put_agent(env, x, y):
    env.state.x[0], env.state.y[0], env.state.vy[0] = x, y, 0


def test_touching_the_coin_gives_10_and_ends_the_episode():
    env = CoinRunGridEnv()
    env.reset(seed=0)
    end = env.state.coin_x[0]
    _put_agent(env, end - 1, env.state.coin_y[0])
    _, reward, terminated, truncated, info = env.step(2)
    assert reward == 10.0 and terminated and not truncated
    assert info["coin_collected"] and info["reached_end"] and not info["died"]


def test_lava_kills_with_zero_reward():
    levels = lv.generate_levels(np.arange(200))
    seed = int(np.nonzero((levels.kinds == lv.PIT).any(axis=1))[0][0])
    env = CoinRunGridEnv()
    env.reset(options={"level_seed": seed})
    lava_x, lava_y = np.argwhere(env.state.lava[0])[0]
    _put_agent(env, lava_x - 1, lava_y + 1)
    _, _, terminated, _, _ = env.step(2)  # walk over the pit's edge ...
    assert not terminated
    _, reward, terminated, _, info = env.step(0)  # ... and fall in
    assert reward == 0.0 and terminated and info["died"] and not info["coin_collected"]


def test_enemy_kills_on_contact():
    levels = lv.generate_levels(np.arange(200))
    seed = int(np.nonzero(levels.enemy_active.any(axis=1))[0][0])
    env = CoinRunGridEnv()
    env.reset(options={"level_seed": seed})
    k = int(np.nonzero(env.state.enemy_active[0])[0][0])
    ex = lv.enemy_positions(env.state.enemy_x0[0, k], env.state.enemy_phase[0, k], 1)
    _put_agent(env, ex, env.state.enemy_y[0, k])
    _, reward, terminated, _, info = env.step(0)
    assert terminated and info["died"] and reward == 0.0


def test_jump_lifts_two_cells_then_gravity_pulls_down():
    env = CoinRunGridEnv()
    env.reset(seed=0)
    y0 = env.state.y[0]
    heights = []
    for a in (3, 0, 0, 0):
        env.step(a)
        heights.append(int(env.state.y[0]) - int(y0))
    assert heights == [1, 2, 1, 0]


def test_timeout_truncates_with_zero_reward():
    env = CoinRunGridEnv(max_steps=5)
    env.reset(seed=0)
    for _ in range(5):
        _, reward, terminated, truncated, info = env.step(1)
    assert truncated and not terminated and info["timed_out"] and reward == 0.0
    with pytest.raises(RuntimeError):
        env.step(0)


def test_reaching_the_wall_without_the_coin_does_not_end_the_episode():
    env = CoinRunGridEnv(coin_placement="random")
    env.reset(seed=0)
    _put_agent(env, env.options.width - 3, env.state.solid[0, env.options.width - 3].sum())
    _, _, terminated, truncated, info = env.step(2)
    assert not terminated and not truncated and info["reached_end"] and not info["coin_collected"]


def test_vector_env_autoresets_and_reports_finished_episodes():
    env = CoinRunGridVecEnv(16, max_steps=10)
    env.reset(seed=0)
    for _ in range(10):
        obs, _, term, trunc, info = env.step(np.zeros(16, dtype=np.int64))
    assert trunc.all() and info["_episode"].all()
    assert (info["episode"]["steps"] == 10).all() and info["episode"]["timed_out"].all()
    assert (env.state.t == 0).all() and (env.state.x == 1).all()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"coin_placement": "middle"}, "coin_placement='middle'"),
        ({"random_fraction": 1.5}, "random_fraction=1.5"),
        ({"num_levels": -1}, "num_levels=-1"),
        ({"num_sections": 0}, "num_sections=0"),
        ({"max_steps": 2.5}, "max_steps=2.5"),
        ({"colour": "red"}, "unknown option"),
        ({"num_levels": 0, "start_level": HELD_OUT_START}, "held-out"),
    ],
)
def test_bad_options_raise_a_clear_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        CoinRunGridVecEnv(4, **options)
    with pytest.raises(ValueError, match=message):
        CoinRunGridEnv(**options)


@pytest.mark.parametrize(
    "actions, message",
    [
        (np.zeros(3, dtype=np.int64), r"shape \(4,\)"),
        (np.zeros(4, dtype=np.float32), "integers"),
        (np.array([0, 1, 2, 6]), "in 0..5"),
        (np.array([0, -1, 2, 3]), "in 0..5"),
    ],
)
def test_bad_actions_raise_a_clear_value_error(actions, message):
    env = CoinRunGridVecEnv(4)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        env.step(actions)


def test_single_env_rejects_bad_actions_and_seeds():
    env = CoinRunGridEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action=7"):
        env.step(7)
    with pytest.raises(ValueError, match="level_seed=-3"):
        env.reset(options={"level_seed": -3})
    with pytest.raises(ValueError, match="num_envs=0"):
        CoinRunGridVecEnv(0)


def test_rendering_draws_the_level_and_the_view():
    env = CoinRunGridEnv(render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (10 * 16, env.options.width * 16, 3) and frame.dtype == np.uint8
    view = render_observation(obs)
    assert view.shape == (10 * 16, 11 * 16, 3)
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) >= 5
    assert np.array_equal(render_level(env.state, 0), frame)


def test_stable_baselines3_ppo_trains_on_the_single_env_unchanged():
    sb3 = pytest.importorskip("stable_baselines3")
    model = sb3.PPO("MlpPolicy", CoinRunGridEnv(), n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    action, _ = model.predict(CoinRunGridEnv().reset(seed=0)[0])
    assert 0 <= int(action) < 6
