"""The game-agnostic grid core: level queue, level batches, observation windows, search."""

import numpy as np

from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import CoinRunGridVecEnv
from goalmisgen.envs.grid import LevelQueue
from goalmisgen.envs.grid.search import shortest_paths
from goalmisgen.envs.grid.window import ObservationWindow


def test_seeds_handed_out_are_the_seeds_a_vector_env_played():
    env = CoinRunGridVecEnv(16, max_steps=7)
    env.reset(seed=5)
    played, finished = [env.state.level_seed.copy()], []
    rng = np.random.default_rng(0)
    for _ in range(60):
        _, _, _, _, info = env.step(rng.integers(0, 6, 16))
        if "final_info" in info:
            ended = info["_final_info"]
            finished.append(info["final_info"]["level_seed"][ended])
            played.append(env.state.level_seed[ended].copy())
    started = np.concatenate(played)
    assert np.isin(np.concatenate(finished), started).all()
    low, count = env.options.seed_range
    expected = LevelQueue.seeds_handed_out(low, count, 5, len(started))
    assert np.array_equal(started, expected)  # same seeds, in the same order
    assert len(started) > 100


def test_level_batch_subset_concatenate_and_copy():
    levels = lv.generate_levels(np.arange(10))
    part = levels.subset(np.array([2, 5]))
    assert list(part.seeds) == [2, 5] and np.array_equal(part.solid, levels.solid[[2, 5]])
    joined = type(levels).concatenate([levels.subset(slice(0, 4)), levels.subset(slice(4, 10))])
    for name, value in levels._arrays().items():
        assert np.array_equal(getattr(joined, name), value), name
    copy = levels.copy()
    copy.solid[:] = False
    copy.coin_x[:] = 0
    assert levels.solid.any() and (levels.coin_x > 0).all()


def test_observation_window_pads_with_wall_and_skips_things_outside():
    w = ObservationWindow(n=2, width=4, height=3, channels=2, radius=2)
    cells = np.zeros((2, 4, 3), dtype=bool)
    cells[0, 0, 0] = True  # level 0: bottom-left cell
    cells[1, 3, 2] = True  # level 1: top-right cell
    w.draw_cells(np.arange(2), 1, cells)
    windows = w.cut(np.array([0, 3]))
    obs = w.as_image(windows)
    assert windows.shape == (2, 5, 2, 3) and obs.shape == (2, 2, 3, 5)
    assert (obs[0, 0, :, :2] == 1).all() and (obs[0, 0, :, 2:] == 0).all()  # two wall columns left of x=0
    assert (obs[1, 0, :, 3:] == 1).all() and (obs[1, 0, :, :3] == 0).all()  # two wall columns right of x=3
    assert obs[0, 1, 2, 2] == 1 and obs[0, 1].sum() == 1  # y=0 is the bottom row
    assert obs[1, 1, 0, 2] == 1 and obs[1, 1].sum() == 1
    w.overlay(windows, np.array([0, 0, 1]), 1, np.array([2, 3, -2]), np.array([1, 1, 0]))
    assert obs[0, 1, 1, 4] == 1 and obs[1, 1, 2, 0] == 1 and obs[0, 1].sum() == 2  # dx=3 skipped


def test_shortest_paths_on_a_hand_built_corridor():
    # A 1-row corridor of 6 cells; action 0 stays, 1 moves right; a hazard at x=3 in level 1.
    hazard = np.array([False, True])

    def step(i, s, t, a):
        x = np.minimum(s[0] + a, 5)
        dead = hazard[i] & (x == 3)
        return (x, s[1]), dead, dead

    targets = np.zeros((2, 6, 1), dtype=bool)
    targets[:, 4, 0] = True
    start = (np.array([0, 0]), np.array([0, 0]))
    best = shortest_paths(step, start, (6, 1), targets, num_actions=2, max_steps=10)
    assert list(best) == [4, -1]
    assert list(shortest_paths(step, start, (6, 1), targets, 2, max_steps=3)) == [-1, -1]
