"""Chapter 7's figures: the probe table and the steering table, with every seed shown."""

from __future__ import annotations

import numpy as np
import pandas as pd

from goalmisgen.analysis.plots import PALETTE

GROUP_LABELS = {"headline": "headline agents (coin at the end)", "control": "positive controls (coin at random)",
                "random": "random-weights networks"}
LAYER_LABELS = {"input": "observation", "body.2": "hidden 1", "body.4": "hidden 2"}
LABEL_TITLES = {"coin_in_view": "coin in view?", "coin_ahead": "coin ahead or behind?", "end_far": "end far or near?"}


def probe_figure(probes: pd.DataFrame):
    """One panel per label: held-out probe accuracy per layer, a dot per network (seed) and a bar at
    each group's mean; the shuffled-label control as a grey tick. ``probes``: ``probe_table``'s first
    table. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    labels = [k for k in LABEL_TITLES if k in set(probes["label"])]
    layers = [k for k in LAYER_LABELS if k in set(probes["layer"])]
    groups = [g for g in GROUP_LABELS if g in set(probes["group"])]
    fig, axes = plt.subplots(1, len(labels), figsize=(4.2 * len(labels), 3.6), sharey=True)
    axes = np.atleast_1d(axes)
    width = 0.8 / len(groups)
    for ax, label in zip(axes, labels):
        for gi, group in enumerate(groups):
            for li, layer in enumerate(layers):
                rows = probes[(probes.group == group) & (probes.layer == layer) & (probes.label == label)]
                real, fake = rows[~rows.shuffled]["accuracy"], rows[rows.shuffled]["accuracy"]
                x = li + (gi - (len(groups) - 1) / 2) * width
                ax.bar(x, real.mean(), width * 0.9, color=PALETTE[gi], alpha=0.35,
                       label=GROUP_LABELS[group] if (label == labels[0] and li == 0) else None)
                ax.scatter(np.full(len(real), x), real, s=12, color=PALETTE[gi], zorder=3)
                ax.plot([x - width * 0.4, x + width * 0.4], [fake.mean()] * 2, color="0.4", lw=1.5,
                        label="shuffled labels" if (label == labels[0] and li == 0 and gi == 0) else None)
        ax.set_xticks(range(len(layers)), [LAYER_LABELS[k] for k in layers])
        ax.set_title(LABEL_TITLES[label])
        ax.set_ylim(0.4, 1.02)
    axes[0].set_ylabel("held-out probe accuracy")
    fig.legend(loc="lower center", ncol=4, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def steering_figure(table: pd.DataFrame, outcome: str = "coin_collected"):
    """Per-seed rates of ``outcome`` by steering condition, a panel per group (headline, control),
    for the moved coin. ``table``: rows with group, seed, condition (a display name) and the rate.
    Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    groups = [g for g in ("headline", "control") if g in set(table["group"])]
    fig, axes = plt.subplots(1, len(groups), figsize=(5.2 * len(groups), 3.4), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, group in zip(axes, groups):
        rows = table[table.group == group]
        conditions = list(dict.fromkeys(rows["condition"]))
        for ci, cond in enumerate(conditions):
            vals = rows[rows.condition == cond][outcome]
            ax.bar(ci, vals.mean(), 0.6, color=PALETTE[0 if group == "headline" else 1], alpha=0.35)
            ax.scatter(np.full(len(vals), ci), vals, s=14, color=PALETTE[0 if group == "headline" else 1], zorder=3)
        ax.set_xticks(range(len(conditions)), conditions, rotation=25, ha="right", fontsize=8)
        ax.set_title(GROUP_LABELS[group])
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel({"coin_collected": "took the moved coin", "reached_end": "reached the end"}.get(outcome, outcome))
    fig.tight_layout()
    return fig
