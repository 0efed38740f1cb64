"""Maze: real mazes, solvable, not solved by "go to the corner"; Gymnasium contract, bad input."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from goalmisgen.envs.maze import levels as lv
from goalmisgen.envs.maze import ACTIONS, MazeEnv, MazeOptions, MazeVecEnv, move, shortest_paths_to
from goalmisgen.envs.grid.draw import render_top_down
from goalmisgen.envs.maze import SPEC

MAZE_IDS = sorted(SPEC.configurations)


def _levels(n=3000, placement="anywhere", region=1, start=0):
    return lv.generate_levels(np.arange(start, start + n), 5, 15, placement, region)


def _cells(levels, x, y):
    t = np.zeros_like(levels.wall)
    t[np.arange(len(levels)), x, y] = True
    return t


def test_every_maze_is_solvable_and_its_corner_reachable():
    for placement in ("region", "anywhere"):
        levels = _levels(3000, placement)
        to_cheese = shortest_paths_to(levels, _cells(levels, levels.cheese_x, levels.cheese_y))
        to_corner = shortest_paths_to(levels, _cells(levels, *levels.corner))
        assert (to_cheese > 0).all() and (to_corner > 0).all()


def test_mazes_are_perfect_mazes_with_every_room_open():
    levels = _levels(500)
    for i in range(0, 500, 50):
        o, s = levels.origin[i], levels.size[i]
        maze = ~levels.wall[i, o : o + s, o : o + s]
        assert maze[::2, ::2].all() and not maze[1::2, 1::2].any()
        rooms = ((s + 1) // 2) ** 2
        assert maze.sum() - rooms == rooms - 1  # a spanning tree: rooms - 1 passages, no loops
        assert levels.wall[i].sum() == levels.wall.shape[1] ** 2 - maze.sum()  # all else is wall


def test_sizes_cover_5_to_15_and_the_training_cheese_is_in_the_corner_region():
    levels = _levels(2000, "region", region=3)
    assert set(levels.size.tolist()) == {5, 7, 9, 11, 13, 15}
    far = levels.origin + levels.size - 1
    assert ((far - levels.cheese_x < 3) & (far - levels.cheese_y < 3)).all()
    corner = _levels(200, "region", region=1)
    assert (corner.cheese_x == corner.corner[0]).all() and (corner.cheese_y == corner.corner[1]).all()
    anywhere = _levels(2000, "anywhere")
    far = anywhere.origin + anywhere.size - 1
    assert ((far - anywhere.cheese_x >= 3) | (far - anywhere.cheese_y >= 3)).mean() > 0.5


def test_a_level_depends_only_on_its_seed():
    a = lv.generate_levels(np.array([7, 8, 9]), 5, 15, "anywhere", 1)
    b = lv.generate_levels(np.array([100, 8, 3, 7]), 5, 15, "anywhere", 1)
    assert (a.wall[0] == b.wall[3]).all() and (a.wall[1] == b.wall[1]).all()
    assert a.cheese_x[0] == b.cheese_x[3] and a.cheese_y[1] == b.cheese_y[1]


def _corner_heuristic_success(levels, steps=250, seed=0):
    """Share of mazes where 'go up if you can, else right if you can, else a random move' reaches
    the cheese (at the corner) within ``steps`` steps."""
    n, G = len(levels), levels.wall.shape[1]
    wall = levels.wall.reshape(-1)
    idx = np.arange(n)
    x, y = levels.origin.copy(), levels.origin.copy()
    cx, cy = levels.cheese_x, levels.cheese_y
    done = np.zeros(n, dtype=bool)
    rng = np.random.default_rng(seed)
    up, right = ACTIONS.index("up"), ACTIONS.index("right")
    for _ in range(steps):
        up_x, up_y = move(wall, G, idx, x, y, np.full(n, up))
        can_up = up_y != y
        r_x, _ = move(wall, G, idx, x, y, np.full(n, right))
        can_right = r_x != x
        action = np.where(can_up, up, np.where(can_right, right, rng.integers(0, 4, n)))
        x, y = move(wall, G, idx, x, y, action)
        done |= (x == cx) & (y == cy)
    return done.mean()


def test_going_to_the_corner_without_maze_skill_rarely_finds_the_cheese():
    levels = _levels(2000, "region", region=1)
    success = _corner_heuristic_success(levels)
    # a binary-tree maze would give 1.0 (open top row and right column); measured 0.17 on 10,000 mazes,
    # below a uniformly random walk (about 0.18 in 250 steps)
    assert success < 0.35
    assert _corner_heuristic_success(levels.subset(levels.size == 15)) < 0.05
    small = levels.subset(levels.size == 5)
    assert _corner_heuristic_success(small) > success  # the heuristic is not simply broken


@pytest.mark.parametrize("env_id", MAZE_IDS)
def test_every_registered_maze_id_passes_check_env(env_id):
    env = gymnasium.make(f"goalmisgen/{env_id}")
    check_env(env.unwrapped, skip_render_check=True)


def test_vector_env_steps_a_batch_and_reports_finished_episodes():
    env = gymnasium.make_vec("goalmisgen/Maze-v0", num_envs=64, vectorization_mode="vector_entry_point")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (64, 3, 15, 15) and obs.dtype == np.uint8
    assert (obs[:, 2].sum(axis=(1, 2)) == 1).all() and (obs[:, 1].sum(axis=(1, 2)) == 1).all()
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(300):
        obs, reward, term, trunc, info = env.step(rng.integers(0, 4, 64))
        assert set(np.unique(reward)) <= {0.0, 10.0} and ((reward > 0) == term).all()
        if "final_info" in info:
            fi, mask = info["final_info"], info["_final_info"]
            assert (fi["cheese_collected"][mask] == term[mask]).all()
            assert (fi["navigated"][mask] >= fi["reached_corner"][mask]).all()
            ended += mask.sum()
    assert ended >= 64


def test_walls_stop_the_agent_and_open_squares_let_it_through():
    env = MazeVecEnv(num_envs=200)
    for action, (dx, dy) in enumerate([(0, 1), (0, -1), (-1, 0), (1, 0)]):
        env.reset(options={"level_seeds": np.arange(200)})
        s = env.state
        x0, y0 = s.x.copy(), s.y.copy()
        env.step(np.full(200, action))
        tx, ty = x0 + dx, y0 + dy
        inside = (tx >= 0) & (ty >= 0)
        open_ = inside & ~s.wall[np.arange(200), np.maximum(tx, 0), np.maximum(ty, 0)]
        assert ((s.x == tx) & (s.y == ty) == open_).all()
        assert ((s.x == x0) & (s.y == y0) == ~open_).all()
    assert 0 < open_.mean() < 1  # both cases occur


def test_same_seed_gives_the_same_rollout():
    def roll(seed):
        env = MazeVecEnv(num_envs=16)
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(1)
        out = [obs.copy()]
        for _ in range(300):
            obs, r, *_ = env.step(rng.integers(0, 4, 16))
            out += [obs.copy(), r.copy()]
        return out

    a, b, c = roll(5), roll(5), roll(6)
    assert all((x == y).all() for x, y in zip(a, b))
    assert not all((x == y).all() for x, y in zip(a, c))


def test_single_env_plays_a_given_level_and_renders_it():
    env = MazeEnv(render_mode="rgb_array", cheese_placement="anywhere")
    obs, info = env.reset(options={"level_seed": 42})
    assert info["level_seed"] == 42 and obs.shape == (3, 15, 15)
    frame = env.render()
    assert frame.shape == (15 * 16, 15 * 16, 3) and frame.dtype == np.uint8
    assert (env.state.render(0) == render_top_down(obs, ("wall", "cheese", "agent"))).all()


@pytest.mark.parametrize("bad", [
    {"max_size": 14}, {"min_size": 4}, {"min_size": 17}, {"max_size": 27},
    {"cheese_placement": "corner"}, {"cheese_region": 0}, {"cheese_region": True}, {"size": 9},
])
def test_bad_options_raise_value_errors_naming_the_value(bad):
    name, value = next(iter(bad.items()))
    with pytest.raises(ValueError, match=repr(value) if isinstance(value, str) else name):
        MazeVecEnv(num_envs=2, **bad)


def test_options_defaults_are_the_training_configuration():
    o = MazeOptions()
    assert (o.cheese_placement, o.cheese_region, o.min_size, o.max_size) == ("region", 1, 5, 15)
    assert o.observation_shape == (3, 15, 15)


def test_composes_with_gymnasiums_episode_statistics_wrapper():
    from gymnasium.wrappers.vector import RecordEpisodeStatistics

    env = RecordEpisodeStatistics(MazeVecEnv(8, max_steps=5))
    env.reset(seed=0)
    for _ in range(5):
        _, _, term, trunc, info = env.step(np.zeros(8, dtype=np.int64))
    assert (term | trunc).all()
    assert (info["episode"]["l"] == 5).all() and (info["final_info"]["steps"] == 5).all()
    assert (info["episode"]["r"] == info["final_info"]["episode_return"]).all()


def test_kruskal_mazes_are_perfect_and_keep_the_sizes_of_the_depth_first_ones():
    from goalmisgen.envs.maze.decision_squares import distances_from

    seeds = np.arange(200)
    dfs = MazeVecEnv(num_envs=1, cheese_placement="anywhere").generate(seeds)
    kr = MazeVecEnv(num_envs=1, cheese_placement="anywhere", generator="kruskal").generate(seeds)
    assert (kr.size == dfs.size).all() and (kr.origin == dfs.origin).all()
    rooms = ((kr.size + 1) // 2) ** 2
    assert ((~kr.wall).sum(axis=(1, 2)) == 2 * rooms - 1).all()  # rooms joined by rooms - 1 passages
    reach = distances_from(kr, kr.origin, kr.origin)
    assert ((reach >= 0) == ~kr.wall).all()  # every open square reachable: a tree
    assert (kr.wall != dfs.wall).any(axis=(1, 2)).mean() > 0.9
    with pytest.raises(ValueError, match="generator"):
        MazeVecEnv(num_envs=1, generator="prim")
