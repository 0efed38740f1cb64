"""The Maze's agent-centred view: the full view moved so the agent sits in the middle, walls beyond."""

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from goalmisgen.envs.maze import MazeEnv, MazeOptions, MazeVecEnv


def _window_matches_full_view(window, full, x, y, R):
    """The full view must appear in the window with the agent's square at the window's centre,
    and every square of the window outside the grid must be wall."""
    G = full.shape[-1]
    r0, c0 = R - (G - 1 - y), R - x  # where the grid's top-left square falls in the window
    inside = np.zeros(window.shape[1:], dtype=bool)
    top, left = max(r0, 0), max(c0, 0)
    bottom, right = min(r0 + G, 2 * R + 1), min(c0 + G, 2 * R + 1)
    inside[top:bottom, left:right] = True
    same = (window[:, top:bottom, left:right] == full[:, top - r0 : bottom - r0, left - c0 : right - c0]).all()
    return same and window[0][~inside].all() and not window[1:][:, ~inside].any()


@pytest.mark.parametrize("radius", [14, 4])
def test_the_centred_view_is_the_full_view_around_the_agent(radius):
    centred = MazeVecEnv(num_envs=16, view="centred", view_radius=radius, cheese_placement="anywhere")
    full = MazeVecEnv(num_envs=16, cheese_placement="anywhere")
    w, f = centred.reset(seed=3)[0], full.reset(seed=3)[0]
    assert w.shape == (16, 3, 2 * radius + 1, 2 * radius + 1) and w.dtype == np.uint8
    rng = np.random.default_rng(0)
    for t in range(60):
        s = centred.state
        assert (w[:, 2].sum(axis=(1, 2)) == 1).all() and (w[:, 2, radius, radius] == 1).all()
        for i in range(16):
            assert _window_matches_full_view(w[i], f[i], s.x[i], s.y[i], radius)
        assert (s.full_view() == f).all()  # what a renderer should draw
        a = rng.integers(0, 4, 16)
        w, f = centred.step(a)[0], full.step(a)[0]  # same levels, same moves, autoreset included


def test_centred_view_passes_check_env_and_keeps_the_game():
    env = MazeEnv(view="centred", view_radius=14)
    check_env(env, skip_render_check=True)
    assert env.observation_space.shape == (3, 29, 29)
    assert MazeOptions().view == "full"


@pytest.mark.parametrize("bad", [{"view": "egocentric"}, {"view": 1}, {"view": "centred", "view_radius": 0}])
def test_bad_view_options_raise_value_errors(bad):
    with pytest.raises(ValueError, match="view"):
        MazeVecEnv(num_envs=2, **bad)


def test_a_centred_view_maze_renders_the_whole_level_not_the_agents_window():
    import gymnasium as gym

    import goalmisgen  # noqa: F401  (registers the ids)

    full = gym.make("goalmisgen/Maze-v0", render_mode="rgb_array")
    centred = gym.make("goalmisgen/Maze-v0", render_mode="rgb_array", view="centred")
    full.reset(seed=5)
    centred.reset(seed=5)
    assert (full.render() == centred.render()).all()
