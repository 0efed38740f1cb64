"""An interactive explorer for the recommender: feedback strength, PBT and swapping (ipywidgets).

Widgets need a running kernel; the static web book shows ``plots.plot_feedback_sweep`` instead.
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
        an ``ipywidgets.interactive`` (display it as a cell's last expression).
    """
    import ipywidgets as widgets

    def show(strength: float, pbt: bool, swap: bool) -> None:
        run_explorer_condition(strength, pbt, swap, n_steps=n_steps, n_trials=n_trials)
        plt.show()

    return widgets.interactive(
        show,
        {"manual": True, "manual_name": "run"},
        strength=widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.25, description="feedback"),
        pbt=widgets.Checkbox(value=True, description="PBT"),
        swap=widgets.Checkbox(value=False, description="swapping"),
    )
