"""Figures of the auto-induced-shift chapter (matplotlib and seaborn; shaded bands are 95% bootstrap CIs over trials)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from goalmisgen.ads.unit_test_experiment import CONDITION_ORDER

RECOMMENDER_ORDER = ("no PBT", "PBT", "no PBT + swapping", "PBT + swapping")
METRIC_LABELS = {
    "accuracy": "accuracy (click-through)",
    "kl": "KL(P_t || P_0) of users",
    "drift": "interest drift 1 - cos(W_0, W_t)",
    "welfare": "welfare (W_0), current users",
    "welfare_original_users": "welfare (W_0), original users",
}


def mean_band(frame: pd.DataFrame, value: str, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Mean of ``value`` over trials at every step, with a 95% percentile-bootstrap band over trials.

    Args:
        frame: long-form rows with columns ``step``, ``trial`` and ``value`` (one group: one line).
        value: the column to average.
        n_boot: bootstrap resamples (all steps resampled at once, with the same trials per resample).

    Returns:
        One row per step: ``step``, ``mean``, ``low``, ``high``.
    """
    table = frame.pivot_table(index="step", columns="trial", values=value, aggfunc="mean")  # (n_steps, n_trials)
    values = table.to_numpy(dtype=np.float64)
    picks = np.random.default_rng(seed).integers(0, values.shape[1], size=(n_boot, values.shape[1]))
    with np.errstate(invalid="ignore"):
        means = np.nanmean(values[:, picks], axis=2) if np.isnan(values).any() else values[:, picks].mean(axis=2)
    low, high = np.nanquantile(means, [0.025, 0.975], axis=1) if means.size else (np.array([]), np.array([]))
    return pd.DataFrame({"step": table.index.to_numpy(), "mean": np.nanmean(values, axis=1), "low": low, "high": high})


def _line_with_band(ax: plt.Axes, frame: pd.DataFrame, value: str, label: str, color, n_boot: int) -> None:
    band = mean_band(frame, value, n_boot=n_boot).dropna(subset=["mean"])
    ax.plot(band["step"], band["mean"], color=color, label=label, lw=1.4)
    ax.fill_between(band["step"], band["low"], band["high"], color=color, alpha=0.25, lw=0)


def plot_unit_test_traces(traces: pd.DataFrame, n_boot: int = 200) -> plt.Figure:
    """P(cooperate) over time: one panel per (swapping, population), one line per learner/interval.

    Args:
        traces: the long-form table of ``unit_test_experiment.traces_frame``.
        n_boot: bootstrap resamples for the 95% CI bands over trials.
    """
    hue_order = [c for c in CONDITION_ORDER if c in set(traces["condition"])]
    colors = dict(zip(hue_order, sns.color_palette(n_colors=len(hue_order))))
    populations = sorted(traces["population"].unique())
    swaps = [s for s in (False, True) if s in set(traces["swap"])]
    fig, axes = plt.subplots(
        len(swaps), len(populations), figsize=(3.3 * len(populations), 2.6 * len(swaps)), sharex=True, sharey=True,
        squeeze=False,
    )  # fmt: skip
    for row, swap in enumerate(swaps):
        for col, population in enumerate(populations):
            ax = axes[row, col]
            panel = traces[(traces["swap"] == swap) & (traces["population"] == population)]
            for condition in hue_order:
                rows = panel[panel["condition"] == condition]
                if len(rows):
                    _line_with_band(ax, rows, "p_cooperate", condition, colors[condition], n_boot)
            ax.axhline(0.5, color="grey", lw=0.8, ls=":")
            ax.set_ylim(-0.02, 1.02)
            ax.set_title(f"{'context swapping' if swap else 'no swapping'}, population {population}", fontsize=10)
            ax.set_xlabel("step" if row == len(swaps) - 1 else "")
            ax.set_ylabel("P(cooperate)" if col == 0 else "")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), title="condition")
    fig.tight_layout()
    return fig


def plot_unit_test_final(summary: pd.DataFrame) -> plt.Figure:
    """Final P(cooperate) with 95% CIs per condition and population (``summary_frame`` output)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
    for ax, swap in zip(axes, (False, True)):
        part = summary[summary["swap"] == swap]
        order = [c for c in CONDITION_ORDER if c in set(part["condition"])]
        populations = sorted(part["population"].unique())
        width = 0.8 / len(populations)
        for j, pop in enumerate(populations):
            rows = part[part["population"] == pop].set_index("condition").loc[order]
            x = np.arange(len(order)) + (j - (len(populations) - 1) / 2) * width
            err = np.vstack([rows["p_cooperate"] - rows["ci_low"], rows["ci_high"] - rows["p_cooperate"]])
            ax.errorbar(x, rows["p_cooperate"], yerr=err, fmt="o", capsize=3, label=f"population {pop}")
        ax.set_xticks(np.arange(len(order)), order, rotation=20, ha="right")
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_title("context swapping" if swap else "no swapping")
    axes[0].set_ylabel("final P(cooperate)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_recommender(frame: pd.DataFrame, ceiling: float | None = None, n_boot: int = 200) -> plt.Figure:
    """Every recommender metric over time, one line per condition (the last panel holds the legend).

    Args:
        frame: ``recommender.recommender_frame`` output.
        ceiling: if given, drawn on the accuracy panel: the best accuracy without any shift.
    """
    order = [c for c in RECOMMENDER_ORDER if c in set(frame["condition"])]
    colors = dict(zip(order, sns.color_palette(n_colors=len(order))))
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.2))
    for ax, metric in zip(axes.flat, METRIC_LABELS):
        for condition in order:
            _line_with_band(ax, frame[frame["condition"] == condition], metric, condition, colors[condition], n_boot)
        ax.set_title(METRIC_LABELS[metric], fontsize=10)
        ax.set_xlabel("step")
    if ceiling is not None:
        axes[0, 0].axhline(ceiling, color="black", lw=1, ls="--", label="best without shift")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    axes[1, 2].axis("off")
    axes[1, 2].legend(handles, labels, loc="center", title="condition")
    fig.tight_layout()
    return fig


def plot_engagement_vs_value(frame: pd.DataFrame) -> plt.Figure:
    """Trajectories (mean over trials): accuracy against interest drift, and against the welfare
    of the original users."""
    order = [c for c in RECOMMENDER_ORDER if c in set(frame["condition"])]
    mean = frame.dropna(subset=["accuracy"]).groupby(["condition", "step"], as_index=False).mean(numeric_only=True)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, x in zip(axes, ("drift", "welfare_original_users")):
        sns.scatterplot(
            data=mean, x=x, y="accuracy", hue="condition", hue_order=order, size="step",
            sizes=(4, 40), ax=ax, legend=x == "drift", linewidth=0,
        )  # fmt: skip
        ax.set_xlabel(METRIC_LABELS[x])
        ax.set_ylabel("accuracy (click-through)")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_feedback_sweep(summary: pd.DataFrame) -> plt.Figure:
    """Final accuracy, drift and welfare of the original users against feedback strength (``recommender_summary`` rows
    with an added ``strength`` column), one line per condition, 95% CI error bars."""
    order = [c for c in RECOMMENDER_ORDER if c in set(summary["condition"])]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.3))
    for ax, metric in zip(axes, ("accuracy", "drift", "welfare_original_users")):
        for condition in order:
            rows = summary[summary["condition"] == condition].sort_values("strength")
            err = np.vstack([rows[metric] - rows[f"{metric}_low"], rows[f"{metric}_high"] - rows[metric]])
            ax.errorbar(rows["strength"], rows[metric], yerr=err, marker="o", capsize=3, label=condition)
        if metric == "accuracy" and "ceiling" in summary:
            ax.axhline(summary["ceiling"].mean(), color="black", lw=1, ls="--", label="best without shift")
        ax.set_xlabel("feedback strength (x the paper's)")
        ax.set_title(METRIC_LABELS[metric], fontsize=10)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
