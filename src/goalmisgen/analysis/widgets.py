"""Interactive widgets with static fallbacks: a level explorer and an agent replay.

With a running kernel (Jupyter, Colab) each function returns an ipywidgets panel. The same output
also carries a pre-rendered ``text/html`` equivalent: a small gallery of levels, or a recorded GIF
of the agent. The static web book drops the widget (``nb_mime_priority_overrides`` in
``_config.yml``) and shows that equivalent, never an empty widget box.

Games: ``"coinrun-grid"`` (this package's CoinRun twin) and ``"procgen-coinrun"`` (needs the
procgen game; see ``goalmisgen.envs.procgen_coinrun.INSTALL_HINT``).
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from goalmisgen.validation import check_choice, check_int

GAMES = ("coinrun-grid", "procgen-coinrun")
PLACEMENTS = {"coinrun-grid": ("end", "random"), "procgen-coinrun": ("end", "random", "none")}
GALLERY_LEVELS = 3


def level_image(game: str, level_seed: int, coin_placement: str) -> np.ndarray:
    """The start of level ``level_seed`` of ``game`` with the coin placed as asked.

    Returns:
        (H, W, 3) uint8 RGB image: the whole level for CoinRun-grid, the map of the level's grid
        for procgen CoinRun (player blue, coin yellow).

    Raises:
        ValueError: unknown game or placement, or a level seed that is not a non-negative int.
        ImportError: procgen CoinRun without the procgen game installed.
    """
    check_choice("game", game, GAMES)
    check_choice("coin_placement", coin_placement, PLACEMENTS[game])
    level_seed = check_int("level_seed", level_seed, low=0, high=2**32 - 1)
    if game == "coinrun-grid":
        from goalmisgen.envs import CoinRunGridEnv

        env = CoinRunGridEnv(coin_placement=coin_placement)
        env.reset(options={"level_seed": level_seed})
        return env.render()
    from goalmisgen.envs.procgen_coinrun import MAX_LEVEL_SEED, ProcgenCoinRunVecEnv
    from goalmisgen.envs.procgen_coinrun.render import draw_procgen_grid

    check_int("level_seed", level_seed, low=0, high=MAX_LEVEL_SEED)
    env = ProcgenCoinRunVecEnv(num_envs=1, coin_placement=coin_placement, distribution_mode="easy", track_player=True)
    try:
        env.reset(seed=0, options={"level_seeds": np.array([level_seed])})
        state = env.get_saved_state(0)
        return draw_procgen_grid(state.grid, state.player_xy, end_x=int(env.end_cell[0, 0]), cell=6)
    finally:
        env.close()


def level_gallery(game: str, level_seeds, placements=None):
    """A grid of level images: one row per level seed, one column per coin placement.

    Returns:
        the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    check_choice("game", game, GAMES)
    placements = list(PLACEMENTS[game][:2] if placements is None else placements)
    seeds = [int(s) for s in level_seeds]
    fig, axes = plt.subplots(len(seeds), len(placements), figsize=(3.4 * len(placements), 1.3 * len(seeds) + 0.3),
                             squeeze=False, dpi=80)
    for row, seed in enumerate(seeds):
        for col, placement in enumerate(placements):
            ax = axes[row, col]
            ax.imshow(level_image(game, seed, placement))
            ax.set_title(f"level {seed}, coin {placement}", fontsize=8)
            ax.set_axis_off()
    fig.tight_layout()
    return fig


def level_explorer(game: str = "coinrun-grid", level_seed: int = 2**31, coin_placement: str = "random"):
    """Pick a game, a level seed and a coin placement; see the level.

    Returns:
        a displayable object: the ipywidgets panel where a kernel runs, a gallery of the first
        ``GALLERY_LEVELS`` levels from ``level_seed`` (both placements) in the static book.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    check_choice("game", game, GAMES)
    check_choice("coin_placement", coin_placement, PLACEMENTS[game])
    level_seed = check_int("level_seed", level_seed, low=0, high=2**32 - 1)
    out = widgets.Output()
    game_box = widgets.Dropdown(options=GAMES, value=game, description="game")
    seed_box = widgets.BoundedIntText(value=level_seed, min=0, max=2**32 - 1, description="level seed")
    placement_box = widgets.Dropdown(options=PLACEMENTS[game], value=coin_placement, description="coin")

    def redraw(_=None):
        placement_box.options = PLACEMENTS[game_box.value]
        with out:
            out.clear_output(wait=True)
            try:
                image = level_image(game_box.value, seed_box.value, placement_box.value)
            except (ImportError, ValueError) as err:
                print(err)
                return
            fig, ax = plt.subplots(figsize=(7, 2.2), dpi=80)
            ax.imshow(image)
            ax.set_axis_off()
            ax.set_title(f"{game_box.value}: level {seed_box.value}, coin {placement_box.value}", fontsize=9)
            plt.show()

    for box in (game_box, seed_box, placement_box):
        box.observe(redraw, names="value")
    redraw()
    panel = widgets.VBox([widgets.HBox([game_box, seed_box, placement_box]), out])
    seeds = range(level_seed, level_seed + GALLERY_LEVELS)
    static = _figure_html(
        level_gallery(game, seeds),
        alt=f"{game} levels {seeds[0]} to {seeds[-1]}, each drawn with the coin at the end and moved",
        caption=f"Levels {seeds[0]}-{seeds[-1]} of {game}, coin at the end (left) and moved (right). "
        "Run the chapter to pick any game, level and placement.",
    )
    return WidgetWithFallback(panel, static)


def agent_replay(agents: dict, level_seed: int = 2**31, coin_placement: str = "random", fps: int = 8):
    """Pick a CoinRun-grid agent, a level and a coin placement; watch one episode.

    Args:
        agents: name -> agent (``goalmisgen.agents.load_agent``), e.g. the shipped seeds.
        level_seed, coin_placement: what the static book shows (and the panel starts with).

    Returns:
        a displayable object: the ipywidgets panel where a kernel runs, a recorded GIF of the
        first agent on ``level_seed`` in the static book.
    """
    import ipywidgets as widgets

    from goalmisgen.analysis.animation import animate, record_episode

    if not agents:
        raise ValueError("agents is empty; pass a dict of name -> agent, e.g. {'seed 0': load_agent(path)}")
    check_choice("coin_placement", coin_placement, PLACEMENTS["coinrun-grid"])
    level_seed = check_int("level_seed", level_seed, low=0, high=2**32 - 1)
    names = list(agents)
    out = widgets.Output()
    agent_box = widgets.Dropdown(options=names, value=names[0], description="agent")
    seed_box = widgets.BoundedIntText(value=level_seed, min=0, max=2**32 - 1, description="level seed")
    placement_box = widgets.Dropdown(options=PLACEMENTS["coinrun-grid"], value=coin_placement, description="coin")
    button = widgets.Button(description="play")

    def play(_=None):
        from IPython.display import display

        with out:
            out.clear_output(wait=True)
            frames, info = record_episode(agents[agent_box.value], seed_box.value, placement_box.value, seed=1)
            print(_outcome(info))
            display(animate(frames, fps=fps))

    button.on_click(play)
    panel = widgets.VBox([widgets.HBox([agent_box, seed_box, placement_box, button]), out])
    frames, info = record_episode(agents[names[0]], level_seed, coin_placement, seed=1)
    static = _gif_html(
        frames, fps=fps,
        alt=f"Agent {names[0]} playing level {level_seed} with the coin {_placement_words(coin_placement)}: {_outcome(info)}",
        caption=f"Agent {names[0]}, level {level_seed}, coin {_placement_words(coin_placement)}: {_outcome(info)}. "
        "Run the chapter to pick another agent, level or placement.",
    )
    return WidgetWithFallback(panel, static)


class WidgetWithFallback:
    """Displays as an ipywidgets panel where a front end runs widgets, and as ``static`` HTML elsewhere."""

    def __init__(self, widget, static_html: str):
        self.widget = widget
        self.static_html = static_html

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/plain": "a widget; run the notebook to use it",
            "text/html": self.static_html,
            "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                         "model_id": self.widget.model_id},
        }


def _outcome(info: dict) -> str:
    if info.get("coin_collected"):
        return "collected the coin"
    return "reached the end without the coin" if info.get("reached_end") else "neither reached the end nor got the coin"


def _placement_words(placement: str) -> str:
    return {"end": "at the end", "random": "moved", "none": "removed"}[placement]


def _figure_html(fig, alt: str, caption: str) -> str:
    from goalmisgen.analysis.plots import figure_html

    return figure_html(fig, alt=alt, caption=caption)


def _gif_html(frames: list[np.ndarray], fps: int, alt: str, caption: str) -> str:
    """An inline GIF (every other pixel row and column dropped: a few tens of kB)."""
    import imageio.v3 as iio

    from goalmisgen.analysis.animation import _trim

    small = np.stack([f[::2, ::2] for f in _trim(frames)])
    buffer = io.BytesIO()
    iio.imwrite(buffer, small, extension=".gif", duration=1000 / fps, loop=0)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img src="data:image/gif;base64,{data}" alt="{html.escape(alt)}" '
            f'style="width:{2 * small.shape[2]}px;max-width:100%;image-rendering:pixelated">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
