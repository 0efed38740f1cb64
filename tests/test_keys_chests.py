"""Keys and Chests: rooms are solvable, the rules (any key opens any chest, once), episode
statistics, Gymnasium contract, reproducibility, bad input."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from goalmisgen.envs.keys_chests import levels as lv
from goalmisgen.envs.grid.search import shortest_paths
from goalmisgen.envs.keys_chests import ACTIONS, CHEST_REWARD, KeysChestsEnv, KeysChestsOptions, KeysChestsVecEnv
from goalmisgen.envs.maze import move
from goalmisgen.envs.keys_chests import SPEC

KC_IDS = sorted(SPEC.configurations)


def _steps_to(levels, xs, ys):
    """Fewest moves from the start to square (xs[i], ys[i]) of each room (-1: unreachable)."""
    n, G = len(levels), levels.wall.shape[1]
    wall = levels.wall.reshape(-1)

    def step(idx, state, t, action):
        x, y = move(wall, G, idx, state[0], state[1], action)
        none = np.zeros(len(idx), dtype=bool)
        return (x, y), none, none

    targets = np.zeros_like(levels.wall)
    targets[np.arange(n), xs, ys] = True
    return shortest_paths(step, (levels.start_x, levels.start_y), (G, G), targets, len(ACTIONS), G * G)


@pytest.mark.parametrize("keys, chests", [(2, 4), (4, 2)])
def test_every_key_and_chest_is_reachable_and_on_its_own_floor_square(keys, chests):
    levels = lv.generate_levels(np.arange(3000), 7, keys, chests)
    xs = np.concatenate([levels.start_x[:, None], levels.key_x, levels.chest_x], axis=1)
    ys = np.concatenate([levels.start_y[:, None], levels.key_y, levels.chest_y], axis=1)
    assert (~levels.wall[np.arange(3000)[:, None], xs, ys]).all()
    squares = xs * 100 + ys
    assert (np.sort(squares, axis=1)[:, 1:] != np.sort(squares, axis=1)[:, :-1]).all()
    for j in range(1, 1 + keys + chests):
        assert (_steps_to(levels, xs[:, j], ys[:, j]) > 0).all()


def test_a_level_depends_only_on_its_seed():
    a = lv.generate_levels(np.array([5, 6]), 7, 2, 4)
    b = lv.generate_levels(np.array([6, 1, 5]), 7, 2, 4)
    assert (a.key_x[0] == b.key_x[2]).all() and (a.chest_y[1] == b.chest_y[0]).all()
    assert a.start_x[0] == b.start_x[2]


def _walk_to(env, x, y):
    """Step env 0 (a one-env batch) to square (x, y) of the open room: columns first, then rows."""
    s, total = env.state, 0.0
    info = {}
    while s.x[0] != x:
        _, r, term, _, info = env.step(np.array([ACTIONS.index("right" if x > s.x[0] else "left")]))
        total += r[0]
        if term[0]:
            return total, True, info
    while s.y[0] != y:
        _, r, term, _, info = env.step(np.array([ACTIONS.index("up" if y > s.y[0] else "down")]))
        total += r[0]
        if term[0]:
            return total, True, info
    return total, False, info


def _room():
    """A hand-made room: agent at (1, 1), keys at (3, 1) and (5, 1), chests at (1, 3) and (3, 3), (5, 5), (7, 7)."""
    G = 9
    wall = np.ones((1, G, G), dtype=bool)
    wall[:, 1:-1, 1:-1] = False
    a = np.array
    return lv.KeysChestsLevels(seeds=a([0]), wall=wall, start_x=a([1]), start_y=a([1]), key_x=a([[3, 5]]),
                               key_y=a([[1, 1]]), chest_x=a([[1, 3, 5, 7]]), chest_y=a([[3, 3, 5, 7]]))


def test_a_chest_needs_a_key_any_key_opens_any_chest_and_is_used_up():
    env = KeysChestsVecEnv(num_envs=1)
    env.autoreset = False
    obs, _ = env.reset(options={"levels": _room()})
    s = env.state
    r, _, _ = _walk_to(env, 1, 3)  # a chest, no key yet: stays closed
    assert r == 0 and s.chest_closed[0].all()
    _walk_to(env, 3, 3)
    r, _, _ = _walk_to(env, 3, 1)  # first key
    assert s.keys_held[0] == 1 and s.keys_collected[0] == 1 and r == 0
    obs = env.state.observe()
    assert obs[0, 4, 0].tolist() == [1] + [0] * 8  # one key in the inventory bar
    r, _, _ = _walk_to(env, 3, 3)  # second chest opened with the first key
    assert r == CHEST_REWARD and s.keys_held[0] == 0 and s.chests_opened[0] == 1
    r, _, _ = _walk_to(env, 3, 1)  # the chest stays open: nothing to earn here any more
    r, _, _ = _walk_to(env, 3, 3)
    assert r == 0 and s.chests_opened[0] == 1
    _walk_to(env, 5, 1)
    r, ended, info = _walk_to(env, 5, 5)  # the last key opens another chest: no key left, episode over
    assert r == CHEST_REWARD and ended
    fi = {k: v[0] for k, v in info["final_info"].items() if not k.startswith("_")}
    assert fi["chests_opened"] == 2 and fi["keys_collected"] == 2 and fi["keys_held"] == 0
    assert fi["opened_max_chests"] and fi["all_keys_collected"] and fi["collected_a_key"] and not fi["timed_out"]
    assert fi["episode_return"] == 2 * CHEST_REWARD


def test_with_plentiful_keys_the_episode_ends_when_every_chest_is_open():
    a = np.array
    wall = _room().wall
    room = lv.KeysChestsLevels(seeds=a([0]), wall=wall, start_x=a([1]), start_y=a([1]), key_x=a([[2, 3, 4, 5]]),
                               key_y=a([[1, 1, 1, 1]]), chest_x=a([[3, 6]]), chest_y=a([[7, 7]]))
    env = KeysChestsVecEnv(num_envs=1, num_keys=4, num_chests=2)
    env.autoreset = False
    env.reset(options={"levels": room})
    _, ended, _ = _walk_to(env, 5, 1)  # all four keys, the inventory bar shows four
    assert not ended and env.state.keys_held[0] == 4
    assert env.state.observe()[0, 4, 0].tolist() == [1] * 4 + [0] * 5
    _, ended, _ = _walk_to(env, 3, 7)
    assert not ended
    _, ended, info = _walk_to(env, 6, 7)
    assert ended
    fi = info["final_info"]
    assert fi["keys_collected"][0] == 4 and fi["chests_opened"][0] == 2 and fi["keys_held"][0] == 2
    assert fi["opened_max_chests"][0] and fi["all_keys_collected"][0]


@pytest.mark.parametrize("env_id", KC_IDS)
def test_every_registered_keys_chests_id_passes_check_env(env_id):
    env = gymnasium.make(f"goalmisgen/{env_id}")
    check_env(env.unwrapped, skip_render_check=True)


def test_training_has_twice_the_chests_and_test_twice_the_keys():
    train = dict(SPEC.configurations["KeysChests-v0"][1])
    test = dict(SPEC.configurations["KeysChestsManyKeys-v0"][1])
    assert train["num_chests"] == 2 * train["num_keys"] and test["num_keys"] == 2 * test["num_chests"]
    assert KeysChestsOptions(**train) == KeysChestsOptions()


def test_vector_env_steps_a_batch_and_reports_statistics():
    env = gymnasium.make_vec("goalmisgen/KeysChestsManyKeys-v0", num_envs=64, vectorization_mode="vector_entry_point")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (64, 5, 9, 9) and obs.dtype == np.uint8
    assert (obs[:, 1].sum(axis=(1, 2)) == 4).all() and (obs[:, 2].sum(axis=(1, 2)) == 2).all()
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(250):
        obs, reward, term, trunc, info = env.step(rng.integers(0, 4, 64))
        assert set(np.unique(reward)) <= {0.0, CHEST_REWARD}
        if "final_info" in info:
            fi, m = info["final_info"], info["_final_info"]
            assert (fi["keys_collected"][m] - fi["chests_opened"][m] == fi["keys_held"][m]).all()
            assert (fi["chests_opened"][m] <= 2).all() and (fi["steps"][m] <= 100).all()
            ended += m.sum()
    assert ended >= 64


def test_same_seed_gives_the_same_rollout():
    def roll(seed):
        env = KeysChestsVecEnv(num_envs=16)
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(1)
        out = [obs.copy()]
        for _ in range(200):
            obs, r, *_ = env.step(rng.integers(0, 4, 16))
            out += [obs.copy(), r.copy()]
        return out

    a, b, c = roll(5), roll(5), roll(6)
    assert all((x == y).all() for x, y in zip(a, b))
    assert not all((x == y).all() for x, y in zip(a, c))


def test_single_env_renders_the_room():
    env = KeysChestsEnv(render_mode="rgb_array")
    obs, info = env.reset(options={"level_seed": 3})
    assert obs.shape == (5, 9, 9) and info["level_seed"] == 3
    frame = env.render()
    assert frame.shape == (9 * 16, 9 * 16, 3) and (frame == env.state.render(0)).all()


@pytest.mark.parametrize("bad", [
    {"room_size": 2}, {"num_keys": 0}, {"num_chests": 0}, {"num_keys": 2.0}, {"num_chests": True},
    {"room_size": 3, "num_keys": 4, "num_chests": 5}, {"keys": 3},
])
def test_bad_options_raise_value_errors_naming_the_value(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        KeysChestsVecEnv(num_envs=2, **bad)


def test_composes_with_gymnasiums_episode_statistics_wrapper():
    from gymnasium.wrappers.vector import RecordEpisodeStatistics

    env = RecordEpisodeStatistics(KeysChestsVecEnv(8, max_steps=40))
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    returns = []
    for _ in range(40):
        _, _, term, trunc, info = env.step(rng.integers(0, 4, 8))
        if "episode" in info:
            m = info["_episode"]
            assert (info["episode"]["r"][m] == info["final_info"]["episode_return"][m]).all()
            assert (info["episode"]["l"][m] == info["final_info"]["steps"][m]).all()
            returns.append(info["episode"]["r"][m])
    assert len(returns) > 0
