"""Plots of rates with confidence intervals, the landing page's headline figure, and the book's palette."""

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
        ax.errorbar(part["mean"], y, xerr=err, fmt="o", capsize=3, label=name, color=PALETTE[groups.index(name) % len(PALETTE)])
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("share of episodes (95% CI)")
    ax.invert_yaxis()
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(groups), frameon=False, fontsize=8)
    if title:
        ax.set_title(title, fontsize=10, pad=24)
    return ax

# Okabe & Ito's colour-blind-safe palette (blue, orange, bluish green, reddish purple, sky blue,
# vermillion, yellow, black): the one palette of the book's figures.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

HEADLINE_COLUMNS = ("seed", "coin_placement", "level_seed", "coin_collected", "reached_end", "good")
HEADLINE_METRICS = {"reached_end": "reached the end", "coin_collected": "collected the coin"}
HEADLINE_PLACEMENTS = {"end": "coin at the end\n(as in training)", "random": "coin moved"}


def _share_axis(ax, top: float = 1.02, bottom: float = -0.02) -> None:
    """A y axis for shares: 0% to 100% in quarters, with a little room at the edges."""
    ax.set_ylim(bottom, top)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])


def use_book_style() -> None:
    """Seaborn's white-grid theme with the book's colour-blind-safe ``PALETTE``."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE)


def headline_summary(episodes: pd.DataFrame, n_boot: int = 2000) -> pd.DataFrame:
    """Rates of reaching the end and collecting the coin, coin at the end vs moved, on good levels.

    Uses only the columns in ``HEADLINE_COLUMNS``, one row per (seed, coin_placement, level_seed).
    Both placements are scored on the same levels, those that pass the good-levels filter, so the
    comparison is paired. Intervals resample seeds, then levels within each seed (95%).

    Args:
        episodes: per-episode table, e.g. ``data/coinrun_headline/episodes.csv``.
        n_boot: bootstrap resamples.

    Returns:
        one row per (placement, metric) with ``mean``, ``ci_low``, ``ci_high``, ``n_seeds``,
        ``n_levels`` (good levels per seed, summed over seeds).

    Raises:
        ValueError: if a column is missing, or a placement ("end", "random") or good level is absent.
    """
    from goalmisgen.analysis.stats import hierarchical_bootstrap_ci
    from goalmisgen.validation import check_int

    check_int("n_boot", n_boot, low=1)
    missing = [c for c in HEADLINE_COLUMNS if c not in episodes.columns]
    if missing:
        raise ValueError(f"episodes lacks columns {missing}; the headline figure needs {list(HEADLINE_COLUMNS)}")
    if "training" in episodes.columns:  # the shipped table also holds the positive controls
        episodes = episodes[episodes["training"] == "headline"]
    table = episodes.loc[:, list(HEADLINE_COLUMNS)].copy()
    for column in ("coin_collected", "reached_end", "good"):
        table[column] = table[column].astype(str).str.lower().isin(["true", "1", "1.0"])
    found = set(table["coin_placement"])
    if not set(HEADLINE_PLACEMENTS) <= found:
        raise ValueError(f"coin_placement holds {sorted(found)}; the headline figure needs {sorted(HEADLINE_PLACEMENTS)}")
    good = table[table["good"]]
    if good.empty:
        raise ValueError("no episode has good=True; the headline figure compares placements on good levels")
    rows = []
    for placement in HEADLINE_PLACEMENTS:
        part = good[good["coin_placement"] == placement]
        for metric in HEADLINE_METRICS:
            groups = [g[metric].to_numpy(dtype=float) for _, g in part.groupby("seed")]
            ci = hierarchical_bootstrap_ci(groups, n_boot=n_boot)
            rows.append({"placement": placement, "metric": metric, "mean": ci["mean"], "ci_low": ci["ci_low"],
                         "ci_high": ci["ci_high"], "n_seeds": ci["n"], "n_levels": int(part["level_seed"].size)})
    return pd.DataFrame(rows)


def headline_figure(summary: pd.DataFrame):
    """Grouped bars of :func:`headline_summary`: placements side by side, one bar per metric, 95% CIs.

    Returns:
        the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=100)
    width = 0.38
    for k, (metric, label) in enumerate(HEADLINE_METRICS.items()):
        part = summary[summary["metric"] == metric].set_index("placement").reindex(list(HEADLINE_PLACEMENTS))
        x = np.arange(len(part)) + (k - 0.5) * width
        err = [part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]]
        ax.bar(x, part["mean"], width, yerr=err, capsize=4, color=PALETTE[k], label=label,
               hatch=["", "//"][k], edgecolor="white")
        for xi, value in zip(x, part["mean"]):
            ax.text(xi, value + 0.04, f"{100 * value:.0f}%", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(np.arange(len(HEADLINE_PLACEMENTS)), list(HEADLINE_PLACEMENTS.values()))
    _share_axis(ax, top=1.15, bottom=0)
    ax.set_ylabel("share of good test levels")
    ax.legend(loc="upper right", frameon=False, fontsize=9, ncol=2)
    ax.grid(axis="x", visible=False)
    fig.tight_layout()
    return fig


def headline_alt_text(summary: pd.DataFrame) -> str:
    """A sentence describing :func:`headline_figure` with its numbers, for the image's alt text."""
    value = summary.set_index(["placement", "metric"])

    def pct(placement, metric):
        row = value.loc[(placement, metric)]
        return f"{100 * row['mean']:.0f}% (95% CI {100 * row['ci_low']:.0f} to {100 * row['ci_high']:.0f}%)"

    return (
        f"Bar chart of {int(summary['n_seeds'].iloc[0])} trained agents on the same good test levels. "
        f"With the coin at the end they reach the end {pct('end', 'reached_end')} and collect the coin "
        f"{pct('end', 'coin_collected')}. With the coin moved they still reach the end "
        f"{pct('random', 'reached_end')} but collect the coin only {pct('random', 'coin_collected')}."
    )


def figure_html(fig, alt: str, caption: str | None = None) -> str:
    """An HTML ``<figure>`` holding ``fig`` as an inline PNG with alt text (closes the figure)."""
    import base64
    import html
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    tail = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" style="max-width:100%">{tail}</figure>'


def fraction_sweep_figure(summary: pd.DataFrame, runs: pd.DataFrame | None = None, marks: dict | None = None):
    """Rates on good test levels against the share p of training levels with the coin moved.

    Args:
        summary: one row per (fraction, metric) with ``fraction``, ``metric`` ("coin_collected" or
            "reached_end"), ``mean``, ``ci_low``, ``ci_high`` (95% CI over seeds and levels).
        runs: optional, one row per (fraction, seed, metric) with ``rate`` and a bool ``learned``:
            each run's own rate as a dot (a cross for a run that never learned its training task).
        marks: optional {label: fraction}: vertical dotted lines (published thresholds), placed
            between the trained fractions on a log scale when they are not among them.

    The trained fractions are spread evenly along the x axis (they span 0 and three decades).
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fractions = np.array(sorted(set(summary["fraction"])), dtype=float)
    position = {f: i for i, f in enumerate(fractions)}
    fig, ax = plt.subplots(figsize=(6.6, 3.8), dpi=100)
    for k, (metric, label) in enumerate(HEADLINE_METRICS.items()):
        part = summary[summary["metric"] == metric].sort_values("fraction")
        x = np.array([position[f] for f in part["fraction"]])
        ax.fill_between(x, part["ci_low"], part["ci_high"], color=PALETTE[k], alpha=0.2, linewidth=0)
        ax.plot(x, part["mean"], marker="o", color=PALETTE[k], label=label, linestyle=["-", "--"][k])
        if runs is not None:
            r = runs[runs["metric"] == metric]
            jitter = 0.08 * (k - 0.5)
            for learned, marker in ((True, "."), (False, "x")):
                pick = r[r["learned"] == learned]
                ax.scatter([position[f] + jitter for f in pick["fraction"]], pick["rate"], marker=marker,
                           s=28 if learned else 40, color=PALETTE[k], alpha=0.55, zorder=3)
    positive = fractions[fractions > 0]
    for label, fraction in (marks or {}).items():
        x = float(np.interp(np.log10(fraction), np.log10(positive), np.arange(len(fractions))[fractions > 0]))
        ax.axvline(x, color="0.35", linestyle=":", linewidth=1.2)
        ax.text(x - 0.04, 0.12, label, fontsize=7.5, color="0.25", ha="right", va="bottom", rotation=90)
    ax.set_xticks(np.arange(len(fractions)), [f"{100 * f:g}%" for f in fractions])
    _share_axis(ax)
    ax.set_xlabel("share p of training levels with the coin moved (the fractions trained)")
    ax.set_ylabel("share of good test levels")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


REGION_METRICS = {"test_good_cheese_collected": "reached the cheese (cheese anywhere, good mazes)",
                  "test_good_reached_corner": "reached the corner (cheese anywhere, good mazes)",
                  "train_cheese_collected": "reached the cheese (training distribution)"}
"""The series of ``region_sweep_figure``: keys of data/maze_regions' per-k summaries, and labels."""


def region_sweep_table(per_k: dict) -> pd.DataFrame:
    """data/maze_regions' ``summaries["per_k"]`` as one row per (k, metric of ``REGION_METRICS``)
    with ``k``, ``region_share``, ``metric``, ``mean``, ``ci_low``, ``ci_high``, ``n_seeds``."""
    rows = [{"k": v["cheese_region"], "region_share": v["region_share"], "metric": m,
             **{c: v[m][c] for c in ("mean", "ci_low", "ci_high", "n_seeds")}}
            for v in per_k.values() for m in REGION_METRICS]
    return pd.DataFrame(rows).sort_values(["metric", "k"], ignore_index=True)


def region_sweep_figure(table: pd.DataFrame, runs: pd.DataFrame | None = None, threshold: int | None = None):
    """Cheese and corner rates of Maze agents against the side k of their training cheese region.

    Args:
        table: ``region_sweep_table`` rows (mean and 95% CI over seeds and levels per k and metric).
        runs: optional, one row per (k, seed, metric) with ``rate``: each agent's own rate as a dot.
        threshold: optional k marked by a dotted line (the smallest k that pursues the cheese).

    The trained k are spread evenly along the x axis, each labelled with the share of a test maze's
    squares its region covers. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    ks = sorted(set(int(k) for k in table["k"]))
    position = {k: i for i, k in enumerate(ks)}
    fig, ax = plt.subplots(figsize=(6.6, 3.9), dpi=100)
    for i, (metric, label) in enumerate(REGION_METRICS.items()):
        part = table[table["metric"] == metric].sort_values("k")
        x = np.array([position[int(k)] for k in part["k"]])
        colour, style = (PALETTE[0], "-") if i == 0 else (PALETTE[1], "--") if i == 1 else ("0.45", ":")
        ax.fill_between(x, part["ci_low"], part["ci_high"], color=colour, alpha=0.18 if i < 2 else 0.1, linewidth=0)
        ax.plot(x, part["mean"], marker="o", color=colour, linestyle=style, label=label)
        if runs is not None and i < 2:
            r = runs[runs["metric"] == metric]
            ax.scatter([position[int(k)] + 0.08 * (i - 0.5) for k in r["k"]], r["rate"], marker=".", s=28,
                       color=colour, alpha=0.55, zorder=3)
    if threshold is not None:
        ax.axvline(position[int(threshold)], color="0.35", linestyle=":", linewidth=1.2)
        ax.text(position[int(threshold)] - 0.06, 0.03, "first k whose cheese CI\nclears one half", fontsize=7.5,
                color="0.25", ha="right", va="bottom")
    ax.axhline(0.5, color="0.7", linewidth=0.8)
    shares = table.drop_duplicates("k").set_index("k")["region_share"]
    ax.set_xticks(np.arange(len(ks)), [f"{k}\n({100 * shares[k]:.0f}%)" if pd.notna(shares[k]) else f"{k}" for k in ks])
    _share_axis(ax)
    ax.set_xlabel("side k of the training cheese region (share of a test maze's squares)")
    ax.set_ylabel("share of mazes")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=1, frameon=False, fontsize=8.5)
    fig.tight_layout()
    return fig


def region_sweep_alt_text(table: pd.DataFrame) -> str:
    """Alt text of ``region_sweep_figure``: the cheese and corner rates at the smallest and largest k."""
    part = table.set_index(["metric", "k"])["mean"]
    lo, hi = int(table["k"].min()), int(table["k"].max())
    c, r = "test_good_cheese_collected", "test_good_reached_corner"
    return (f"Line chart over cheese-region sides k from {lo} to {hi}. On test mazes with the cheese off the corner's "
            f"path, agents trained with k = {lo} reach the cheese {100 * part[(c, lo)]:.0f}% and the corner "
            f"{100 * part[(r, lo)]:.0f}% of the time; with k = {hi}, the cheese {100 * part[(c, hi)]:.0f}% and the corner "
            f"{100 * part[(r, hi)]:.0f}%.")


def behaviour_graph(ax, weights: dict, title: str = "") -> None:
    """Draw a small causal graph: the coin's position and the end of the level (causes) -> where
    the agent goes (collects the coin / reaches the end) -> reward (only through the coin).

    Args:
        ax: a matplotlib Axes.
        weights: {"coin": w, "end": w}: the measured share of good test levels on which the agent
            followed each cause after the coin was moved (w in [0, 1]); an arrow's width and opacity
            grow with w and it is labelled with the value.
        title: drawn above the graph.
    """
    nodes = {"coin": (0.0, 0.75, "coin's position"), "end": (0.0, 0.15, "end of level"),
             "goes_coin": (0.55, 0.75, "agent takes\nthe coin"), "goes_end": (0.55, 0.15, "agent goes\nto the end"),
             "reward": (1.0, 0.75, "reward")}
    for x, y, text in nodes.values():
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": "0.4"})

    def arrow(a, b, w, color, label=None):
        (x0, y0, _), (x1, y1, _) = nodes[a], nodes[b]
        ax.annotate("", xy=(x1 - 0.13, y1), xytext=(x0 + 0.15, y0),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 0.5 + 5 * w, "alpha": 0.25 + 0.75 * w})
        if label is not None:
            ax.text((x0 + x1) / 2, y0 + 0.09, label, ha="center", fontsize=8, color=color)

    arrow("coin", "goes_coin", weights["coin"], PALETTE[1], f"{weights['coin']:.2f}")
    arrow("end", "goes_end", weights["end"], PALETTE[0], f"{weights['end']:.2f}")
    arrow("goes_coin", "reward", 1.0, "0.3")
    ax.set_xlim(-0.2, 1.15)
    ax.set_ylim(-0.05, 1.0)
    ax.axis("off")
    ax.set_title(title, fontsize=9)


CURRICULUM_LABELS = {"dr": "domain randomization", "plr": "prioritized level replay"}


def curriculum_figure(summary: pd.DataFrame, runs: pd.DataFrame | None = None, metric_label: str = "took the moved coin"):
    """One rate on good test levels against the share alpha of distinguishing training levels, one
    line per level sampler.

    Args:
        summary: one row per (curriculum, fraction) with ``curriculum`` ("dr" or "plr"),
            ``fraction``, ``mean``, ``ci_low``, ``ci_high`` (95% CI over seeds and levels).
        runs: optional, one row per (curriculum, fraction, seed) with ``rate`` and a bool
            ``learned``: each run as a dot (a cross for a run that never learned its training task).
        metric_label: what the rate counts, for the y axis.

    The fractions are spread evenly along the x axis. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fractions = np.array(sorted(set(summary["fraction"])), dtype=float)
    position = {f: i for i, f in enumerate(fractions)}
    fig, ax = plt.subplots(figsize=(6.2, 3.6), dpi=100)
    for k, (name, label) in enumerate(CURRICULUM_LABELS.items()):
        part = summary[summary["curriculum"] == name].sort_values("fraction")
        if part.empty:
            continue
        shift = 0.06 * (k - 0.5)
        x = np.array([position[f] for f in part["fraction"]]) + shift
        ax.errorbar(x, part["mean"], yerr=[part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]],
                    marker="o", capsize=3, color=PALETTE[k], label=label, linestyle=["-", "--"][k])
        if runs is not None:
            r = runs[runs["curriculum"] == name]
            for learned, marker in ((True, "."), (False, "x")):
                pick = r[r["learned"] == learned]
                ax.scatter([position[f] + 2.5 * shift for f in pick["fraction"]], pick["rate"], marker=marker,
                           s=28 if learned else 40, color=PALETTE[k], alpha=0.55, zorder=3)
    ax.set_xticks(np.arange(len(fractions)), [f"{100 * f:g}%" for f in fractions])
    _share_axis(ax)
    ax.set_xlabel("share alpha of distinguishing training levels (coin not at the end)")
    ax.set_ylabel(f"good test levels: {metric_label}")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=9)
    fig.tight_layout()
    return fig


def replay_share_figure(history: pd.DataFrame, window: int = 9):
    """What the level samplers handed out over training: the share of distinguishing levels among
    the levels handed to the environments, against training steps, on a log scale.

    Args:
        history: one row per (curriculum, fraction, seed, iteration) with ``curriculum``,
            ``fraction``, ``seed``, ``steps`` and ``share`` (NaN where no level was handed out).
            Fractions of 0 are left out (nothing to hand out).
        window: iterations in the centred rolling mean drawn over the seeds' mean.

    Each positive fraction gets one colour: prioritized level replay's mean over seeds as a solid
    line (seeds as faint lines), and the fraction itself, what domain randomization hands out by
    construction, as a dotted line. Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.2, 3.6), dpi=100)
    fractions = sorted(f for f in set(history["fraction"]) if f > 0)
    plr = history[history["curriculum"] == "plr"]
    for k, fraction in enumerate(fractions):
        color = PALETTE[(k + 2) % len(PALETTE)]
        part = plr[plr["fraction"] == fraction]
        for _, seed_rows in part.groupby("seed"):
            ax.plot(seed_rows["steps"] / 1e6, seed_rows["share"].rolling(window, center=True, min_periods=1).mean(),
                    color=color, alpha=0.2, linewidth=0.8)
        mean = part.groupby("steps")["share"].mean().rolling(window, center=True, min_periods=1).mean()
        ax.plot(mean.index / 1e6, mean.to_numpy(), color=color, linewidth=2, label=f"PLR, alpha = {100 * fraction:g}%")
        ax.axhline(fraction, color=color, linestyle=":", linewidth=1.5, label=f"DR, alpha = {100 * fraction:g}%")
    ax.set_yscale("log")
    ax.set_xlabel("training steps (millions)")
    ax.set_ylabel("share of distinguishing levels handed out")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
