"""Chapter 8's figures: the fraction-of-wrong-suggestions sweep and the probe's layers, from
``summaries.language_summaries`` (per-seed points and t intervals over seeds). Each function returns
a closed figure, which a notebook shows once as the cell's result."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from goalmisgen.analysis.plots import PALETTE


def sweep_figure(summaries: dict):
    """Share correct on wrong suggestions against the share of wrong "think" suggestions in
    training, one panel per wording: per-seed points, the mean over seeds and its 95% t interval,
    the positive control at the right. Returns the figure."""
    sweep = summaries["sweep"]
    fractions = sorted(sweep, key=float)
    x = np.arange(len(fractions) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3), sharey=True)
    for ax, wording, color in zip(axes, ("think", "sure"), (PALETTE[0], PALETTE[1])):
        arms = [sweep[f][wording]["correct"] for f in fractions] + [summaries["control"][wording]["correct"]]
        for i, arm in enumerate(arms):
            ax.scatter(np.full(len(arm["per_seed"]), x[i]) + np.linspace(-0.12, 0.12, len(arm["per_seed"])),
                       arm["per_seed"], s=12, color=color, alpha=0.6)
            s = arm["seeds"]
            ax.errorbar(x[i] + 0.25, s["mean"], yerr=[[s["mean"] - s["ci_low"]], [s["ci_high"] - s["mean"]]],
                        fmt="o", color="black", ms=4, capsize=3)
        ax.axvline(len(fractions) - 0.5, color="grey", lw=0.8, ls=":")
        ax.set_xticks(x, [f"{100 * float(f):g}%" for f in fractions] + ["control"], fontsize=8)
        ax.set_title(f'wrong "{wording}" suggestions at test', fontsize=9)
        ax.set_xlabel('share of "think" suggestions wrong in training', fontsize=8)
    axes[0].set_ylabel("share answered correctly", fontsize=8)
    axes[0].set_ylim(-0.03, 1.03)
    fig.tight_layout()
    plt.close(fig)  # shown once, as the cell's result, not again by the inline backend
    return fig


def probe_figure(summaries: dict):
    """Probe accuracy per layer (0 = embeddings): for the correct answer where the model agreed
    (trained and untrained), where it states the answer (positive control), and for the suggestion.
    Returns the figure."""
    probe = summaries["probe"]
    labels = {"trained": "correct answer, where it agreed", "untrained": "same, untrained model (control)",
              "no_suggestion": "correct answer, where it says it", "suggested": "the suggestion, where it agreed"}
    fig, ax = plt.subplots(figsize=(6, 3))
    for (kind, label), color in zip(labels.items(), PALETTE):
        rows = probe[kind]
        layers = np.arange(len(rows))
        mean = np.array([r["mean"] for r in rows])
        ax.errorbar(layers, mean, yerr=[mean - [r["ci_low"] for r in rows], [r["ci_high"] for r in rows] - mean],
                    marker="o", ms=4, capsize=3, color=color, label=label)
    ax.set_xticks(np.arange(len(probe["trained"])), ["embeddings"] + [f"after block {i + 1}"
                                                                     for i in range(len(probe["trained"]) - 1)])
    ax.set_ylabel("probe accuracy (held-out questions)", fontsize=8)
    ax.set_ylim(-0.03, 1.03)
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    plt.close(fig)  # shown once, as the cell's result, not again by the inline backend
    return fig
