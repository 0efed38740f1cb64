"""Plots of rates with confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd


def rate_plot(table: pd.DataFrame, label: str, group: str, ax=None, title: str | None = None):
    """Horizontal dot-and-whisker plot of rates with 95% CIs.

    Args:
        table: one row per (label, group) with columns ``mean``, ``ci_low``, ``ci_high``.
        label: column naming what is measured (one row of the plot each).
        group: column naming the series (e.g. the environment), drawn side by side.

    Returns:
        the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.6 + 0.5 * table[label].nunique()))
    labels = list(dict.fromkeys(table[label]))
    groups = list(dict.fromkeys(table[group]))
    offsets = np.linspace(-0.15, 0.15, len(groups)) if len(groups) > 1 else [0.0]
    for offset, name in zip(offsets, groups):
        part = table[table[group] == name].set_index(label).reindex(labels)
        y = np.arange(len(labels)) + offset
        err = [part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]]
        ax.errorbar(part["mean"], y, xerr=err, fmt="o", capsize=3, label=name)
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of episodes (95% CI)")
    ax.invert_yaxis()
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(groups), frameon=False, fontsize=8)
    if title:
        ax.set_title(title, fontsize=10, pad=24)
    return ax
