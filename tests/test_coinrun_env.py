"""CoinRun-grid: Gymnasium contract, level generation, solvability, rules, bad input."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from goalmisgen.envs import HELD_OUT_START, CoinRunGridEnv, CoinRunGridVecEnv
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun.solver import shortest_coin_paths
from goalmisgen.envs.spec import configurations
from goalmisgen.envs.coinrun.render import render_level, render_observation


@pytest.mark.parametrize("env_id", sorted(configurations()))
def test_every_registered_id_passes_check_env(env_id):
    env = gymnasium.make(f"goalmisgen/{env_id}")
    check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", sorted(configurations()))
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
    assert levels.solid[n, levels.end_x + 1].all() and (levels.wall_x == levels.end_x + 1).all()


def test_random_coin_is_on_a_standing_spot_away_from_start_and_end():
    levels = lv.generate_levels(np.arange(2000), coin_placement="random")
    n = np.arange(2000)
    assert levels.coin_is_random.all()
    assert (levels.coin_x >= 1 + lv.START_WIDTH).all() and (levels.coin_x < levels.end_x).all()
    assert levels.solid[n, levels.coin_x, levels.coin_y - 1].all()
    assert not levels.solid[n, levels.coin_x, levels.coin_y].any()
    assert (levels.coin_x[:, None] == levels.section_x0).any(axis=1).all()  # a section's first column
    section = (levels.coin_x[:, None] == levels.section_x0).argmax(axis=1)
    assert np.bincount(section, minlength=4).min() > 400  # every section is drawn
    on_ledge = levels.coin_y > levels.floor[n, levels.coin_x]
    assert 0 < on_ledge.mean() and (levels.kinds[n, section][on_ledge] == lv.LEDGE).all()


def test_random_fraction_randomizes_about_that_share_of_levels():
    levels = lv.generate_levels(np.arange(20000), coin_placement="end", random_fraction=0.1)
    assert 0.09 < levels.coin_is_random.mean() < 0.11


def test_training_and_held_out_levels_are_disjoint():
    env = CoinRunGridVecEnv(512)
    env.reset(seed=0)
    seen = [env.state.level_seed.copy()]
    for _ in range(300):
        _, _, _, _, info = env.step(np.full(512, 5))
        if "final_info" in info:
            seen.append(info["final_info"]["level_seed"][info["_final_info"]])
    seen = np.concatenate(seen)
    assert (seen < HELD_OUT_START).all() and len(np.unique(seen)) > 1000


def test_num_levels_and_start_level_limit_the_level_seeds():
    env = CoinRunGridVecEnv(64, num_levels=10, start_level=100)
    env.reset(seed=0)
    seeds = [env.state.level_seed.copy()]
    for _ in range(200):
        _, _, _, _, info = env.step(np.full(64, 5))
        if "final_info" in info:
            seeds.append(info["final_info"]["level_seed"][info["_final_info"]])
    seeds = np.unique(np.concatenate(seeds))
    assert set(seeds) <= set(range(100, 110)) and len(seeds) == 10


def test_observation_is_one_hot_and_centred_on_the_agent():
    env = CoinRunGridVecEnv(64)
    obs, _ = env.reset(seed=1)
    R = env.options.view_radius
    assert obs.shape == (64, 6, 10, 2 * R + 1) and obs.dtype == np.uint8
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
    ex = lv.enemy_positions(env.state.enemy_x0[0, k], env.state.enemy_width[0, k], env.state.enemy_phase[0, k], 1)
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
    end = int(env.state.end_x[0])
    _put_agent(env, end - 1, env.state.solid[0, end - 1].sum())
    _, _, terminated, truncated, info = env.step(2)
    assert not terminated and not truncated and info["reached_end"] and not info["coin_collected"]


def test_vector_env_autoresets_and_reports_finished_episodes():
    env = CoinRunGridVecEnv(16, max_steps=10)
    env.reset(seed=0)
    for _ in range(10):
        obs, _, term, trunc, info = env.step(np.zeros(16, dtype=np.int64))
    assert trunc.all() and info["_final_info"].all() and info["_final_obs"].all()
    assert "episode" not in info
    assert (info["final_info"]["steps"] == 10).all() and info["final_info"]["timed_out"].all()
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
        (np.array([0, 1, 2, 6]), r"in \[0, 5\], got values from 0 to 6"),
        (np.array([0, -1, 2, 3]), r"in \[0, 5\], got values from -1 to 3"),
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
    assert frame.shape == (10 * 16, (int(env.state.end_x[0]) + 2) * 16, 3) and frame.dtype == np.uint8  # cropped at the wall
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


def test_recordepisodestatistics_wraps_the_vector_env_and_our_statistics_stay_in_final_info():
    from gymnasium.wrappers.vector import RecordEpisodeStatistics

    env = RecordEpisodeStatistics(CoinRunGridVecEnv(8, max_steps=6))
    env.reset(seed=0)
    for _ in range(6):
        _, _, term, trunc, info = env.step(np.zeros(8, dtype=np.int64))
    assert (term | trunc).all()
    assert set(info["episode"]) >= {"r", "l", "t"} and (info["episode"]["l"] == 6).all()
    assert (info["final_info"]["steps"] == 6).all() and info["_final_info"].all()


def test_final_obs_is_the_last_observation_and_obs_the_new_episodes_first():
    env = CoinRunGridVecEnv(4)
    first, _ = env.reset(seed=0)
    s = env.state
    s.x[:], s.y[:] = s.coin_x - 1, s.coin_y  # one step left of the coin
    obs, reward, term, _, info = env.step(np.full(4, 2))
    assert term.all() and (reward == 10).all() and info["_final_obs"].all()
    assert info["final_info"]["coin_collected"].all()
    R = env.options.view_radius
    final = info["final_obs"]
    assert (final[:, 4, :, R] & final[:, 2, :, R]).any(axis=1).all()  # agent on the coin cell
    assert np.array_equal(obs, env.state.observe()) and (env.state.t == 0).all()
    assert (obs[:, 4, lv.GRID_HEIGHT - 1 - lv.START_FLOOR, R] == 1).all()


@pytest.mark.parametrize("code", [
    'import gymnasium; gymnasium.make("goalmisgen:goalmisgen/CoinRunGrid-v0").reset(seed=0)',
    'import gymnasium, goalmisgen; gymnasium.make("goalmisgen/CoinRunGrid-v0").reset(seed=0)',
])
def test_gymnasium_make_works_in_a_fresh_interpreter(code):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_single_env_is_a_view_of_a_one_env_batch():
    single, vec = CoinRunGridEnv(), CoinRunGridVecEnv(1)
    a, _ = single.reset(options={"level_seed": 77})
    b, _ = vec.reset(options={"level_seeds": np.array([77])})
    assert np.array_equal(a, b[0])
    for action in np.random.default_rng(0).integers(0, 6, 40):
        a, ra, ta, ua, info = single.step(int(action))
        b, rb, tb, ub, _ = vec.step(np.array([action]))
        if ta or ua:
            break
        assert np.array_equal(a, b[0]) and ra == rb[0]
    assert info["level_seed"] == 77


def test_levels_are_sections_of_3_to_5_columns_with_bounded_steps():
    levels = lv.generate_levels(np.arange(3000))
    w = levels.section_width
    assert set(np.unique(w)) == {3, 4, 5}
    assert (levels.section_x0[:, 0] == 1 + lv.START_WIDTH).all()
    assert (np.diff(levels.section_x0, axis=1) == w[:, :-1]).all()
    assert (levels.end_x == levels.section_x0[:, -1] + w[:, -1] + lv.END_WIDTH - 1).all()
    assert (levels.end_x + 1 + lv.BEYOND < levels.width).all()
    assert not np.isin(levels.kinds[w < 4], (lv.WIDE_PIT, lv.ENEMY)).any()
    rows = np.arange(3000)[:, None]
    inside = np.arange(levels.width)[None, :] <= levels.end_x[:, None]
    inside[:, 0] = False
    floor = np.where(inside, levels.floor, lv.START_FLOOR)
    assert ((floor >= lv.MIN_FLOOR) & (floor <= lv.MAX_FLOOR)).all()
    both_inside = inside[:, 1:] & inside[:, :-1]
    assert (np.abs(np.diff(floor, axis=1))[both_inside] <= lv.JUMP_HEIGHT).all()
    assert len(np.unique(levels.kinds[rows[:, 0] < 3000].ravel())) == len(lv.SECTION_KINDS)


def test_enemies_patrol_the_whole_section_and_the_next_cell_channel_shows_their_heading():
    levels = lv.generate_levels(np.arange(500))
    li, ki = np.nonzero(levels.enemy_active)
    x0, w, ph = levels.enemy_x0[li, ki], levels.enemy_width[li, ki], levels.enemy_phase[li, ki]
    pos = lv.enemy_positions(x0[:, None], w[:, None], ph[:, None], np.arange(24)[None, :])
    assert (pos.min(axis=1) == x0).all() and (pos.max(axis=1) == x0 + w - 1).all()
    assert (np.abs(np.diff(pos, axis=1)) == 1).all()
    env = CoinRunGridVecEnv(1, view_radius=32)  # sees the whole level
    seed = int(li[0])
    obs, _ = env.reset(options={"level_seeds": np.array([seed])})
    assert obs[0, 3].sum() >= 1 and obs[0, 5].sum() >= 1
    assert not np.array_equal(obs[0, 3], obs[0, 5])
