"""An interactive explorer for the recommender: feedback strength, PBT and swapping (ipywidgets).

Widgets need a running kernel; the static web book shows the explorer's first condition (the
paper's feedback strength, PBT on, swapping off) as a figure instead, never the widget's repr.
"""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt

from goalmisgen.ads.plots import plot_recommender
from goalmisgen.ads.recommender import RecommenderConfig, recommender_frame, run_recommender


def run_explorer_condition(
    strength: float, pbt: bool, swap: bool, n_steps: int = 1000, n_trials: int = 3, seed: int = 0
) -> plt.Figure:
    """Run one recommender condition with both feedbacks scaled by ``strength`` and plot it."""
    base = RecommenderConfig()
    config = replace(
        base, loyalty=base.loyalty * strength, drift=base.drift * strength, pbt=pbt, swap=swap,
        n_steps=n_steps, n_trials=n_trials, seed=seed,
    )  # fmt: skip
    result = run_recommender(config)
    fig = plot_recommender(recommender_frame([result]), ceiling=float(result.ceiling.mean()), n_boot=100)
    fig.suptitle(f"strength {strength:g} x paper, PBT {'on' if pbt else 'off'}, swapping {'on' if swap else 'off'}")
    return fig


def recommender_explorer(n_steps: int = 1000, n_trials: int = 3):
    """An ``ipywidgets`` panel that re-runs the simulation whenever a control changes.

    Returns:
        a displayable object (show it as a cell's last expression): the panel where a front end runs
        widgets; elsewhere (the static web book) a figure of the panel's starting condition,
        strength 1, PBT on, swapping off, run once here.
    """
    import ipywidgets as widgets

    from goalmisgen.analysis.plots import figure_html
    from goalmisgen.analysis.widgets import WidgetWithFallback

    def show(strength: float, pbt: bool, swap: bool) -> None:
        run_explorer_condition(strength, pbt, swap, n_steps=n_steps, n_trials=n_trials)
        plt.show()

    panel = widgets.interactive(
        show,
        {"manual": True, "manual_name": "run"},
        strength=widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.25, description="feedback"),
        pbt=widgets.Checkbox(value=True, description="PBT"),
        swap=widgets.Checkbox(value=False, description="swapping"),
    )
    fig = run_explorer_condition(1.0, True, False, n_steps=n_steps, n_trials=n_trials)
    static = figure_html(
        fig,
        alt="The recommender explorer's starting condition (feedback at the paper's strength, PBT on, swapping off): "
            "accuracy, interest drift and welfare of the original users over the run.",
        caption=f"The explorer's starting condition: feedback strength 1 x paper, PBT on, swapping off "
                f"({n_trials} trials of {n_steps:,} steps). Run the chapter to change the controls.",
    )
    return WidgetWithFallback(panel, static)
