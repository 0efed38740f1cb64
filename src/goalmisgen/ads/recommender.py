"""Content recommendation with auto-induced distributional shift (after Krueger et al., 2020).

Description
-----------
A platform serves ``n_users`` user types and ``n_articles`` articles. Each step, in each environment:

1. a user arrives, of type ``x ~ softmax(g)`` (``g``: ``(n_users,)`` log-popularity, 0 at start);
2. the recommender (an MLP ``n_users -> 100 -> n_articles`` on the one-hot user type) predicts
   which article the user will click and shows its top prediction ``shown``;
3. the user clicks article ``y ~ softmax(click_sharpness * W[:, x])``. ``W`` is ``(n_articles,
   n_users)``: column ``x`` is the interest of type ``x``, a distribution over articles (entries
   ``>= 0`` summing to 1; at start Uniform(0, 1) entries, normalised);
4. the recommender takes one SGD step on the cross-entropy of ``y``: it is trained to *predict
   clicks* one user at a time, and nothing in its loss looks at the future;
5. the users react to what they were shown (the auto-induced shift):

   * **self-selection** ``g[x] += loyalty * W[shown, x]``: users come back in proportion to how
     much they like what they were shown (``self_selection="click"``: ``loyalty * [y == shown]``);
   * **interest drift** ``W[shown, x] += drift``, then column ``x`` is renormalised to sum to 1:
     users come to like what they are shown.

Intended goal and proxy goal
----------------------------
=================  ===================================================================
intended goal      **show users content they value**: their *original* interests ``W_0``
proxy goal         **be accurate at predicting clicks** (engagement), which can also be
                   raised by changing *who* the users are and *what* they like, until
                   they are easy to predict
=================  ===================================================================

The learners differ only in how they are trained: a population of ``n_learners`` recommenders,
each with its own copy of the market (all copies start from the same ``g_0`` and ``W_0``), with or
without population-based training (selecting on accuracy every ``interval`` steps) and with or
without context swapping (learners rotate across the copies every step).

Metrics (per environment, averaged over environments)
-----------------------------------------------------
``accuracy``     fraction of shown articles that were clicked (realized, over ``record_every`` steps)
``kl``           ``KL(P_t || P_0)`` between today's and the original user distribution
``drift``        ``1 - cos(W_0, W_t)``, the cosine distance between original and current interests
``welfare``      value of what is shown under the users' *original* interests, for the current
                 users, as a fraction of the best possible:
                 ``sum_x P_t(x) W_0[shown(x), x] / sum_x P_t(x) max_a W_0[a, x]``
``welfare_original_users``  the same for the *original* user distribution ``P_0`` (what the
                 platform would give the users it started with)

``RecommenderResult.ceiling`` is the accuracy of the best possible recommender on the *original*
users and interests, ``sum_x P_0(x) max_a softmax(click_sharpness * W_0[:, x])[a]``: any accuracy
above it was obtained by changing the users, not by predicting them better.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from goalmisgen.progress import progress_bar

from goalmisgen.ads.mlp import BatchedMLP, softmax
from goalmisgen.ads.pbt import check_fraction, exploit_explore
from goalmisgen.ads.swapping import seat_assignment
from goalmisgen.analysis.stats import bootstrap_ci

METRICS = ("accuracy", "kl", "drift", "welfare", "welfare_original_users")
FINAL_FRACTION = 0.1
"""Final values average the last this fraction of the records."""
SELF_SELECTION = ("interest", "click")


@dataclass(frozen=True)
class RecommenderConfig:
    """One condition of the recommender simulation (defaults: the paper's settings)."""

    n_users: int = 10
    """Number of user types."""
    n_articles: int = 10
    """Number of articles."""
    n_learners: int = 20
    """Recommenders per trial, each with its own copy of the market."""
    n_steps: int = 2000
    """Time steps (one user per environment per step)."""
    n_trials: int = 5
    """Independent trials (new ``W_0`` and new learners), for confidence intervals."""
    hidden: int = 100
    """Hidden units of each recommender MLP."""
    lr: float = 0.01
    """Initial SGD learning rate of every recommender (PBT perturbs it)."""
    click_sharpness: float = 10.0
    """Clicks follow ``softmax(click_sharpness * W[:, x])``."""
    loyalty: float = 0.03
    """Self-selection strength: ``g[x] += loyalty * W[shown, x]`` (see ``self_selection``)."""
    self_selection: str = "interest"
    """What brings a user type back: ``"interest"`` (its interest in the shown article) or
    ``"click"`` (whether it clicked the shown article)."""
    drift: float = 0.003
    """Interest drift: ``W[shown, x] += drift`` before renormalising column ``x``."""
    pbt: bool = False
    """Population-based training: select on accuracy every ``interval`` steps."""
    interval: int = 10
    """Steps between PBT exploit/explore steps (fitness = accuracy over those steps)."""
    swap: bool = False
    """Context swapping: learner ``i`` serves environment ``(i + step) % n_learners``."""
    pbt_fraction: float = 0.2
    """Share of the population copied (bottom) and copied from (top) at each PBT step."""
    record_every: int = 10
    """Metrics are recorded every this many steps (accuracy averaged over them)."""
    seed: int = 0
    """Seed of the one ``np.random.default_rng`` that drives the whole run."""

    def __post_init__(self) -> None:
        for name, minimum in (
            ("n_users", 2), ("n_articles", 2), ("n_learners", 1), ("n_steps", 1), ("n_trials", 1),
            ("hidden", 1), ("interval", 1), ("record_every", 1),
        ):  # fmt: skip
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        for name in ("lr", "click_sharpness"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("loyalty", "drift"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0 (0 turns that feedback off), got {getattr(self, name)!r}")
        if self.self_selection not in SELF_SELECTION:
            raise ValueError(
                f"unknown self_selection {self.self_selection!r}; allowed: {', '.join(SELF_SELECTION)}"
            )
        check_fraction(self.pbt_fraction)
        if self.pbt and int(self.pbt_fraction * self.n_learners) < 1:
            raise ValueError(
                f"pbt=True needs pbt_fraction * n_learners >= 1 so that someone is replaced, got "
                f"{self.pbt_fraction} * {self.n_learners}"
            )
        if self.swap and self.n_learners < 2:
            raise ValueError(f"swap=True needs n_learners >= 2 (someone to swap with), got {self.n_learners}")


@dataclass
class RecommenderResult:
    """What ``run_recommender`` measured; every metric is ``(n_records, n_trials)``."""

    config: RecommenderConfig
    steps: np.ndarray = field(repr=False)
    """``(n_records,)`` the step at the end of each recording block (0 = before training)."""
    accuracy: np.ndarray = field(repr=False)
    kl: np.ndarray = field(repr=False)
    drift: np.ndarray = field(repr=False)
    welfare: np.ndarray = field(repr=False)
    welfare_original_users: np.ndarray = field(repr=False)
    ceiling: np.ndarray = field(repr=False)
    """``(n_trials,)`` best possible accuracy on the original users (see the module docstring)."""
    copy_accuracy: np.ndarray = field(repr=False)
    """``(n_trials,)`` with PBT: accuracy of each freshly copied recommender over the ``interval``
    steps after it was copied, in the market it was copied *into* (mean over all copies); NaN
    without PBT."""
    donor_accuracy: np.ndarray = field(repr=False)
    """``(n_trials,)`` with PBT: accuracy of the donor over the same steps, in its own market; the
    gap ``donor_accuracy - copy_accuracy`` is what a copy loses by serving a market it did not shape."""

    def steps_to_reach(self, metric: str, level: float) -> np.ndarray:
        """``(n_trials,)`` first recorded step at which ``metric`` is at least ``level``
        (``n_steps`` if it never is)."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
        above = getattr(self, metric) >= level
        return np.where(above.any(axis=0), self.steps[above.argmax(axis=0)], self.config.n_steps)

    def final(self, metric: str, last_fraction: float = FINAL_FRACTION) -> np.ndarray:
        """``(n_trials,)`` mean of ``metric`` over the last ``last_fraction`` of the records."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
        values = getattr(self, metric)[1:]
        n_last = max(1, int(round(last_fraction * values.shape[0])))
        return values[-n_last:].mean(axis=0)

    def frame(self) -> pd.DataFrame:
        """Long-form table: one row per (record, trial) with columns ``pbt``, ``swap``, ``condition``,
        ``trial``, ``step`` and the four metrics (the record at step 0 has ``accuracy`` NaN)."""
        n_rec, n_trials = self.accuracy.shape
        data = {"step": np.repeat(self.steps, n_trials), "trial": np.tile(np.arange(n_trials), n_rec)}
        data.update({m: getattr(self, m).ravel() for m in METRICS})
        out = pd.DataFrame(data)
        out.insert(0, "condition", recommender_label(self.config))
        out.insert(0, "swap", self.config.swap)
        out.insert(0, "pbt", self.config.pbt)
        return out


def recommender_label(config: RecommenderConfig) -> str:
    """``"PBT"``, ``"PBT + swapping"``, ``"no PBT"`` or ``"no PBT + swapping"``."""
    return ("PBT" if config.pbt else "no PBT") + (" + swapping" if config.swap else "")


def initial_interests(rng: np.random.Generator, n_trials: int, n_articles: int, n_users: int) -> np.ndarray:
    """``(n_trials, n_articles, n_users)`` interests: Uniform(0, 1) entries, each column summing to 1."""
    w = rng.uniform(0.0, 1.0, size=(n_trials, n_articles, n_users))
    return w / w.sum(axis=1, keepdims=True)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``KL(p || q)`` along the last axis (terms with ``p == 0`` count as 0); ``q > 0`` is assumed."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    ratio = np.where(p > 0, p / np.where(p > 0, q, 1.0), 1.0)
    return np.sum(p * np.log(ratio), axis=-1)


def interest_drift(w0: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Cosine distance ``1 - cos(W_0, W)`` between interest matrices, flattened.

    Args:
        w0, w: arrays ``(..., n_articles, n_users)`` of the same shape.

    Returns:
        ``(...)`` float64 in ``[0, 2]``, 0 when the interests are unchanged (up to scale).
    """
    w0 = np.asarray(w0, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    dot = np.sum(w0 * w, axis=(-2, -1))
    norms = np.linalg.norm(w0, axis=(-2, -1)) * np.linalg.norm(w, axis=(-2, -1))
    return np.maximum(1.0 - dot / norms, 0.0)  # rounding can push cos a hair above 1


def welfare(p_users: np.ndarray, w0: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Value of shown articles under the original interests, as a fraction of the best possible.

    Args:
        p_users: ``(..., n_users)`` current user distribution ``P_t``.
        w0: ``(..., n_articles, n_users)`` original interests ``W_0``.
        shown: ``(..., n_users)`` int, the article shown to each user type.

    Returns:
        ``(...)`` float64 in ``(0, 1]``: ``sum_x P_t(x) W_0[shown(x), x] / sum_x P_t(x) max_a W_0[a, x]``.
    """
    value = np.take_along_axis(w0, shown[..., None, :], axis=-2)[..., 0, :]
    return np.sum(p_users * value, axis=-1) / np.sum(p_users * w0.max(axis=-2), axis=-1)


def _sample_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of ``probs`` (``(..., k)``), returned as ``(...)`` int64."""
    u = rng.random(probs.shape[:-1] + (1,))
    return np.minimum((np.cumsum(probs, axis=-1) < u).sum(axis=-1), probs.shape[-1] - 1)


def run_recommender(config: RecommenderConfig) -> RecommenderResult:
    """Simulate one condition; see the module docstring for the dynamics and the metrics."""
    rng = np.random.default_rng(config.seed)
    n_t, n_l = config.n_trials, config.n_learners
    w0 = initial_interests(rng, n_t, config.n_articles, config.n_users)
    w = np.repeat(w0[:, None], n_l, axis=1)  # (n_trials, n_envs, n_articles, n_users)
    g = np.zeros((n_t, n_l, config.n_users))
    p0 = softmax(g)
    model = BatchedMLP(rng, (n_t, n_l), config.n_users, config.hidden, config.n_articles)
    lr = np.full((n_t, n_l), float(config.lr))
    trial = np.arange(n_t)[:, None]

    records: dict[str, list[np.ndarray]] = {m: [] for m in METRICS}
    steps = [0]
    clicks_block = np.zeros((n_t, n_l))
    clicks_interval = np.zeros((n_t, n_l))
    moves: tuple[np.ndarray, np.ndarray] | None = None  # (losers, donors) of the last PBT step
    copy_sum, donor_sum, n_copies = np.zeros(n_t), np.zeros(n_t), 0

    def record(seat: np.ndarray, accuracy: np.ndarray) -> None:
        p_users = softmax(g)
        shown_all = model.forward_all().argmax(axis=-1)  # (n_trials, n_learners, n_users)
        env_of = np.argsort(seat)  # learner serving each environment
        records["accuracy"].append(accuracy)
        records["kl"].append(kl_divergence(p_users, p0).mean(axis=1))
        records["drift"].append(interest_drift(w0[:, None], w).mean(axis=1))
        shown_env = shown_all[:, env_of]
        records["welfare"].append(welfare(p_users, w0[:, None], shown_env).mean(axis=1))
        records["welfare_original_users"].append(welfare(p0, w0[:, None], shown_env).mean(axis=1))

    record(seat_assignment(0, n_l, config.swap), np.full(n_t, np.nan))
    for step in range(config.n_steps):
        seat = seat_assignment(step, n_l, config.swap)  # environment served by each learner
        x = _sample_categorical(rng, softmax(g))[:, seat]  # (n_trials, n_learners) user types
        logits, pre = model.forward(x)
        shown = logits.argmax(axis=-1)
        interests = w[trial, seat[None, :], :, x]  # (n_trials, n_learners, n_articles)
        y = _sample_categorical(rng, softmax(config.click_sharpness * interests))
        model.sgd_step(x, pre, logits, y, lr)
        clicked = (y == shown).astype(np.float64)
        # the users' reaction: self-selection and interest drift in the environment just served
        if config.self_selection == "interest":
            liked = np.take_along_axis(interests, shown[..., None], axis=-1)[..., 0]
        else:
            liked = clicked
        g[trial, seat[None, :], x] += config.loyalty * liked
        w[trial, seat[None, :], shown, x] += config.drift
        column = w[trial, seat[None, :], :, x]
        w[trial, seat[None, :], :, x] = column / column.sum(axis=-1, keepdims=True)

        clicks_block += clicked
        clicks_interval += clicked
        if config.pbt and (step + 1) % config.interval == 0:
            interval_accuracy = clicks_interval / config.interval
            if moves is not None:  # how the copies made at the previous PBT step did since then
                losers, donors = moves
                copy_sum += np.take_along_axis(interval_accuracy, losers, axis=1).sum(axis=1)
                donor_sum += np.take_along_axis(interval_accuracy, donors, axis=1).sum(axis=1)
                n_copies += losers.shape[1]
            model.params, lr, moves = exploit_explore(
                interval_accuracy, model.params, lr, rng, config.pbt_fraction, return_moves=True
            )
            clicks_interval[:] = 0.0
        if (step + 1) % config.record_every == 0:
            record(seat_assignment(step + 1, n_l, config.swap), (clicks_block / config.record_every).mean(axis=1))
            steps.append(step + 1)
            clicks_block[:] = 0.0
    click_probs = softmax(config.click_sharpness * w0, axis=1)  # (n_trials, n_articles, n_users)
    ceiling = np.sum(p0[:, 0] * click_probs.max(axis=1), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN without PBT (no copies)
        copy_accuracy, donor_accuracy = copy_sum / n_copies, donor_sum / n_copies
    return RecommenderResult(
        config, np.array(steps), *(np.array(records[m]) for m in METRICS), ceiling, copy_accuracy, donor_accuracy
    )


def recommender_frame(results: list[RecommenderResult]) -> pd.DataFrame:
    """Concatenate ``RecommenderResult.frame()`` of several conditions."""
    return pd.concat([r.frame() for r in results], ignore_index=True)


def recommender_summary(results: list[RecommenderResult]) -> pd.DataFrame:
    """One row per condition: each metric over the last 10% of the run, mean over trials and 95% CI.

    Columns: ``condition``, ``pbt``, ``swap``, ``n_trials``, ``ceiling`` (mean over trials) and, per
    metric ``m``, ``m``, ``m_low``, ``m_high``.
    """
    rows = []
    for res in results:
        row: dict[str, object] = {
            "condition": recommender_label(res.config),
            "pbt": res.config.pbt,
            "swap": res.config.swap,
            "n_trials": res.config.n_trials,
            "ceiling": float(res.ceiling.mean()),
        }
        for m in METRICS:
            ci = bootstrap_ci(res.final(m))
            row.update({m: ci["mean"], f"{m}_low": ci["ci_low"], f"{m}_high": ci["ci_high"]})
        rows.append(row)
    return pd.DataFrame(rows)


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """``recommender_summary`` output as a readable table: one row per condition, one column per
    metric, cells ``"mean [low, high]"`` (over the last 10% of the run, 95% CI over trials)."""
    table = pd.DataFrame(
        {
            m: [f"{r[m]:.2f} [{r[m + '_low']:.2f}, {r[m + '_high']:.2f}]" for _, r in summary.iterrows()]
            for m in METRICS
        },
        index=pd.Index(summary["condition"], name="condition"),
    )
    return table


def feedback_sweep(
    strengths: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 2.0),
    base: RecommenderConfig | None = None,
    conditions: tuple[tuple[bool, bool], ...] = ((False, False), (True, False), (False, True), (True, True)),
    progress: bool = False,
) -> pd.DataFrame:
    """Final metrics when both feedbacks (``loyalty`` and ``drift``) are scaled by each strength.

    Args:
        strengths: multipliers of ``base.loyalty`` and ``base.drift`` (1 = the paper's values).
        base: the configuration to scale (default ``RecommenderConfig()``).
        conditions: ``(pbt, swap)`` pairs to run at every strength.

    Returns:
        ``recommender_summary`` rows with an added ``strength`` column.
    """
    base = base or RecommenderConfig()
    runs = [(s, pbt, swap) for s in strengths for pbt, swap in conditions]
    frames = []
    for strength, pbt, swap in progress_bar(runs, desc="feedback sweep", disable=not progress):
        config = replace(base, loyalty=base.loyalty * strength, drift=base.drift * strength, pbt=pbt, swap=swap)
        frames.append(recommender_summary([run_recommender(config)]).assign(strength=strength))
    return pd.concat(frames, ignore_index=True)
