"""Record an agent's episode on one level and show it as an animation (HTML) or a GIF."""

from __future__ import annotations

import re
from html import escape

import numpy as np

from goalmisgen.analysis.evaluate import played_options
from goalmisgen.analysis.evaluate_coinrun import eval_env_options
from goalmisgen.envs.coinrun import CoinRunGridEnv
from goalmisgen.envs.coinrun.interventions import do
from goalmisgen.envs.spec import game
from goalmisgen.validation import check_int


def record_episode(agent, level_seed: int, coin_placement: str = "end", seed: int = 0,
                   deterministic: bool = False, max_frames: int | None = None, interventions=()):
    """Play one episode of CoinRun-grid level ``level_seed`` (with ``interventions`` applied, see
    ``goalmisgen.envs.coinrun.interventions``) and return (frames, info). Maze and Keys and Chests agents
    are recorded by ``record_game_episode``.

    Returns:
        frames: list of (H*16, W*16, 3) uint8 RGB frames, the first before any move.
        info: the final step's info dict (coin_collected, reached_end, died, ...).
    """
    if getattr(agent, "env", "coinrun") != "coinrun":
        raise ValueError(f"agent.env={agent.env!r}: record the episodes of other grid games with record_game_episode")
    env = CoinRunGridEnv(**eval_env_options(agent, coin_placement))
    levels = do(env.vec.generate([check_int("level_seed", level_seed, low=0)]), *interventions)
    obs, info = env.reset(seed=seed, options={"levels": levels})
    if hasattr(agent, "seed"):
        agent.seed(seed)
    frames = [env.state.render(0)]
    done = False
    while not done and (max_frames is None or len(frames) < max_frames):
        action = int(agent.act(obs[None], deterministic=deterministic)[0])
        obs, _, terminated, truncated, info = env.step(action)
        frames.append(env.state.render(0))
        done = terminated or truncated
    return frames, info


def record_game_episode(agent, level_seed: int, shift: str = "test", seed: int = 0, deterministic: bool = False,
                        max_frames: int | None = None):
    """Play one episode of a Maze or Keys and Chests agent on level ``level_seed``, under its
    training options (``shift="train"``) or its test shift (see ``GameSpec.shifted``).

    Returns:
        frames: list of (G*16, G*16, 3) uint8 RGB frames of the whole level, the first before any move.
        info: the final step's episode statistics (cheese_collected, reached_corner, ... or
            chests_opened, keys_collected, ...).
    """
    options = played_options(agent, shift)
    env = game(agent.env).single_env(**options)
    obs, info = env.reset(seed=seed, options={"level_seed": check_int("level_seed", level_seed, low=0)})
    if hasattr(agent, "seed"):
        agent.seed(seed)
    frames = [env.render()]
    done = False
    while not done and (max_frames is None or len(frames) < max_frames):
        action = int(agent.act(obs[None], deterministic=deterministic)[0])
        obs, _, terminated, truncated, info = env.step(action)
        frames.append(env.render())
        done = terminated or truncated
    return frames, info


def record_procgen_episode(agent, level_seed: int, coin_placement: str = "random", seed: int = 0,
                           deterministic: bool = False, max_frames: int = 300, scale: int = 3,
                           frames_after_end: int = 15):
    """Play one episode of procgen CoinRun level ``level_seed`` and return (frames, info).

    Recording stops when the episode ends, ``frames_after_end`` frames after the agent first
    reaches the end of the level (without a coin there it would wait at the wall until the
    1000-step timeout), or after ``max_frames`` frames.

    Returns:
        frames: RGB frames (64 * scale, 64 * scale, 3) uint8 as procgen draws them (centred on the
            agent), the first before any move.
        info: ``coin_collected``, ``reached_end``, ``died`` and ``steps`` so far (the episode's
            full statistics if it ended).
    """
    from goalmisgen.analysis.evaluate_procgen import _evaluation_options
    from goalmisgen.envs.procgen_coinrun import ProcgenCoinRunVecEnv

    env = ProcgenCoinRunVecEnv(num_envs=1, **_evaluation_options(agent, coin_placement))
    obs, _ = env.reset(seed=seed, options={"level_seeds": np.array([int(level_seed)])})
    if hasattr(agent, "seed"):
        agent.seed(seed)
    frames, after_end = [_upscale(env.render(), scale)], 0
    info = {"coin_collected": False, "reached_end": False, "died": False, "steps": 0}
    while len(frames) < max_frames and after_end <= frames_after_end:
        obs, _, _, _, step_info = env.step(agent.act(obs, deterministic=deterministic))
        if "episode" in step_info:
            info = {k: v[0].item() for k, v in step_info["episode"].items()}
            break
        info.update(reached_end=bool(env.reached_end[0]), steps=len(frames))
        after_end += info["reached_end"]
        frames.append(_upscale(env.render(), scale))
    env.close()
    return frames, info


def _upscale(frame: np.ndarray, scale: int) -> np.ndarray:
    return np.repeat(np.repeat(frame, scale, axis=0), scale, axis=1)


def _trim(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Drop the tail of identical frames (an agent waiting at the wall until the timeout)."""
    end = len(frames)
    while end > 2 and np.array_equal(frames[end - 1], frames[end - 2]):
        end -= 1
    return frames[: min(len(frames), end + 1)]


def animate(frames: list[np.ndarray], fps: int = 8, title: str | None = None, scale: float = 1.0, alt: str | None = None):
    """An HTML animation (matplotlib's JavaScript player) that works in the static web book;
    ``alt`` is the player image's alt text (default: the title, or "an animated episode")."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib import animation

    frames = _trim(frames)
    h, w, _ = frames[0].shape
    fig, ax = plt.subplots(figsize=(scale * w / 80, scale * h / 80), dpi=80)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    im = ax.imshow(frames[0])
    anim = animation.FuncAnimation(fig, lambda i: [im.set_data(frames[i])], frames=len(frames), interval=1000 / fps)
    # matplotlib's player links Font Awesome from a CDN; the book's theme ships Font Awesome, so
    # the link is dropped and the page works offline
    player = re.sub(r'<link\s+rel="stylesheet"\s+href="https://[^"]*font-awesome[^"]*">\s*', "", anim.to_jshtml(default_mode="once"))
    alt_text = escape(alt or title or "an animated episode", quote=True)
    html = HTML(player.replace('<img id="_anim_img', f'<img alt="{alt_text}" id="_anim_img', 1))
    plt.close(fig)
    return html


def save_gif(frames: list[np.ndarray], path, fps: int = 8) -> None:
    """Write the frames as an animated GIF."""
    import imageio.v3 as iio

    iio.imwrite(path, np.stack(_trim(frames)), duration=1000 / fps, loop=0)
