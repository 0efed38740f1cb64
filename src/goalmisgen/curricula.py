"""Where training levels come from: level samplers (curricula) that PPO takes as its level source.

A *level sampler* decides which level seeds the training environments play next. Two are here:

* ``DomainRandomization``: every new episode plays a fresh seed drawn uniformly from the training
  range, exactly as the environments do by themselves (procgen's way). It is PPO's default and
  reproduces training without a sampler bit for bit (same seed stream).
* ``PrioritizedLevelReplay`` (Jiang, Grefenstette and Rocktäschel 2021): keep a buffer of level
  seeds scored by how much the agent can still learn on them (a regret estimate), and with
  probability ``replay_prob`` replay a buffered level instead of drawing a new one. Buffered
  levels are chosen by rank of their score (temperature ``temperature``) mixed with staleness
  (weight ``staleness_coef``), so that levels not seen for a while get their scores refreshed.
  New levels come from the same training distribution as in domain randomization: PLR can only
  amplify distinguishing levels that already exist there, never create them.

The score is the *positive value loss*: the mean over the level's steps in a rollout of
``max(A_t, 0)`` with ``A_t`` the GAE advantage (``positive_value_loss``). Levels where the agent
does better than its critic expected (a coin it did not expect to reach) score high.

The interface every sampler has (PPO uses nothing else)::

    sampler.seed(seed)                   # restart its random streams
    seeds = sampler.sample(k)            # (k,) int64 level seeds to play next
    sampler.update(level_seeds, scores)  # (m,) seeds played in the last rollout and their (m,) scores

``LevelSource`` adapts a sampler to the grid environments' level queue (``take(k) -> LevelBatch``):
it generates the sampled levels in chunks, as the environments' own ``LevelQueue`` does, and counts
the levels it hands out, among them the *distinguishing* ones (CoinRun-grid: coin not at the end,
``coin_is_random``), so that the training history can show what the curriculum made the agent play.

Example:
    >>> from goalmisgen.agents import PPOConfig, train
    >>> config = PPOConfig(env_options={"coin_placement": "end", "random_fraction": 0.001}, level_sampler="plr")
    >>> [row["distinguishing_share"] for row in train(config).history][-5:]
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from goalmisgen.validation import check_float, check_int, check_int_array

CURRICULA = ("dr", "plr")
"""Names PPOConfig.level_sampler accepts: domain randomization and prioritized level replay."""

PLR_DEFAULTS = {"buffer_size": 512, "replay_prob": 0.5, "temperature": 0.1, "staleness_coef": 0.3}
"""PLR's default parameters. The temperature is that of Jiang et al.'s procgen runs; the staleness
weight and the fixed replay probability are our choices (the original replays in proportion to the
share of a finite training set already seen, which means little over our 2**31 level seeds)."""


class DomainRandomization:
    """Fresh level seeds drawn uniformly from ``[low, low + count)``, the environments' own way.

    With the same ``seed`` it hands out the same seeds as the grid envs' ``LevelQueue``, however
    they are split into calls (numpy's generator gives the same stream for one draw as for many).
    """

    def __init__(self, low: int, count: int):
        self.low = check_int("low", low, low=0)
        self.count = check_int("count", count, low=1)
        self.seed(None)

    def seed(self, seed: int | None) -> None:
        """Restart the seed stream (``None``: fresh entropy)."""
        self.rng = np.random.default_rng(seed)

    def sample(self, k: int) -> np.ndarray:
        """(k,) int64 level seeds."""
        k = check_int("k", k, low=0)
        return self.low + self.rng.integers(0, self.count, size=k)

    def update(self, level_seeds, scores) -> None:
        """Domain randomization ignores how the levels went."""


class PrioritizedLevelReplay:
    """Prioritized level replay over the seeds ``[low, low + count)``.

    State: ``seeds`` (b,) the buffered level seeds, ``scores`` (b,) their latest scores,
    ``last_sampled`` (b,) the value of the counter ``clock`` (levels handed out so far) when each
    was last handed out or scored; b grows up to ``buffer_size``.

    Sampling one level: with probability ``replay_prob`` (and a non-empty buffer) replay a buffered
    seed drawn from ``replay_distribution()``, else draw a new seed uniformly from the range.

    Updating with a rollout's scores: a buffered seed's score is replaced by the new one; a new
    seed joins the buffer if there is room, else replaces the lowest-scored buffered seed when it
    scores higher.

    Args:
        low, count: the training seed range (as in domain randomization).
        buffer_size: most seeds the buffer holds.
        replay_prob: probability that a sampled level is a replay (p in the paper).
        temperature: beta of the rank prioritization, h(S_i) = (1 / rank_i) ** (1 / beta);
            small beta concentrates replay on the top-ranked levels.
        staleness_coef: rho, the weight of staleness in the replay distribution.
    """

    def __init__(self, low: int, count: int, buffer_size: int = PLR_DEFAULTS["buffer_size"],
                 replay_prob: float = PLR_DEFAULTS["replay_prob"], temperature: float = PLR_DEFAULTS["temperature"],
                 staleness_coef: float = PLR_DEFAULTS["staleness_coef"]):
        self.new_levels = DomainRandomization(low, count)
        self.buffer_size = check_int("buffer_size", buffer_size, low=1)
        self.replay_prob = check_float("replay_prob", replay_prob, low=0.0, high=1.0)
        self.temperature = check_float("temperature", temperature, low=0.0, low_open=True)
        self.staleness_coef = check_float("staleness_coef", staleness_coef, low=0.0, high=1.0)
        self.seeds = np.zeros(0, dtype=np.int64)
        self.scores = np.zeros(0, dtype=np.float64)
        self.last_sampled = np.zeros(0, dtype=np.int64)
        self.clock = 0
        self.seed(None)

    def seed(self, seed: int | None) -> None:
        """Restart the random streams (new levels and replay choices); the buffer is kept."""
        self.new_levels.seed(seed)
        self.rng = np.random.default_rng(None if seed is None else [seed, 1])

    def replay_distribution(self) -> np.ndarray:
        """(b,) probabilities of replaying each buffered seed:
        ``(1 - rho) * P_S + rho * P_C`` with ``P_S`` proportional to ``(1 / rank(score)) ** (1 / beta)``
        (rank 1 = highest score; ties ranked in buffer order) and ``P_C`` proportional to the
        staleness ``clock - last_sampled`` (uniform when nothing is stale)."""
        b = len(self.seeds)
        if b == 0:
            return np.zeros(0)
        order = np.argsort(-self.scores, kind="stable")
        ranks = np.empty(b)
        ranks[order] = np.arange(1, b + 1)
        # (1/rank)^(1/beta) computed in logs: tiny beta would underflow the powers
        log_h = -np.log(ranks) / self.temperature
        p_score = np.exp(log_h - log_h.max())
        p_score /= p_score.sum()
        staleness = (self.clock - self.last_sampled).astype(np.float64)
        p_stale = staleness / staleness.sum() if staleness.sum() > 0 else np.full(b, 1.0 / b)
        return (1.0 - self.staleness_coef) * p_score + self.staleness_coef * p_stale

    def sample(self, k: int) -> np.ndarray:
        """(k,) int64 level seeds: replays from the buffer with probability ``replay_prob`` each,
        fresh seeds otherwise. Staleness is updated one level at a time, so a chunk of samples
        spreads over the buffer as the paper's one-at-a-time sampling does."""
        k = check_int("k", k, low=0)
        out = np.empty(k, dtype=np.int64)
        replay = self.rng.random(k) < self.replay_prob
        for i in range(k):
            self.clock += 1
            if replay[i] and len(self.seeds):
                j = int(self.rng.choice(len(self.seeds), p=self.replay_distribution()))
                self.last_sampled[j] = self.clock
                out[i] = self.seeds[j]
            else:
                out[i] = self.new_levels.sample(1)[0]
        return out

    def update(self, level_seeds, scores) -> None:
        """Score the levels of the last rollout: ``level_seeds`` (m,) distinct seeds, ``scores`` (m,)."""
        level_seeds = check_int_array("level_seeds", level_seeds, low=0)
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape != level_seeds.shape or not np.isfinite(scores).all():
            raise ValueError(f"scores={scores!r} is not allowed: scores must be finite, one per level seed "
                             f"({level_seeds.shape[0]})")
        if len(np.unique(level_seeds)) != len(level_seeds):
            raise ValueError(f"level_seeds={level_seeds!r} is not allowed: each seed must appear once")
        for seed, score in zip(level_seeds.tolist(), scores.tolist()):
            where = np.flatnonzero(self.seeds == seed)
            if where.size:
                self.scores[where[0]] = score
            elif len(self.seeds) < self.buffer_size:
                self.seeds = np.append(self.seeds, seed)
                self.scores = np.append(self.scores, score)
                self.last_sampled = np.append(self.last_sampled, self.clock)
            else:
                j = int(np.argmin(self.scores))
                if score > self.scores[j]:
                    self.seeds[j], self.scores[j], self.last_sampled[j] = seed, score, self.clock


def make_sampler(name: str, low: int, count: int, **params):
    """The sampler called ``name`` ("dr" or "plr") over seeds ``[low, low + count)``; ``params``
    are PrioritizedLevelReplay's keyword arguments (domain randomization takes none)."""
    if name == "dr":
        if params:
            raise ValueError(f"curriculum_params={params!r} is not allowed with curriculum='dr': it takes none")
        return DomainRandomization(low, count)
    if name == "plr":
        unknown = sorted(set(params) - set(PLR_DEFAULTS))
        if unknown:
            raise ValueError(f"curriculum_params key(s) {unknown} are not allowed: use {sorted(PLR_DEFAULTS)}")
        return PrioritizedLevelReplay(low, count, **params)
    raise ValueError(f"curriculum={name!r} is not allowed: use one of {list(CURRICULA)}")


def positive_value_loss(advantages, level_seeds) -> tuple[np.ndarray, np.ndarray]:
    """PLR's regret estimate per level: the mean of ``max(A_t, 0)`` over the steps played on it.

    Args:
        advantages: (T, N) GAE advantages of a rollout (tensor or array).
        level_seeds: (T, N) the level seed each step was played on.

    Returns:
        (seeds, scores): (m,) the distinct level seeds and (m,) their scores.
    """
    adv = np.asarray(advantages, dtype=np.float64).ravel()
    seeds = np.asarray(level_seeds).ravel()
    if adv.shape != seeds.shape:
        raise ValueError(f"level_seeds has {seeds.size} entries, advantages {adv.size}: they must match")
    unique, inverse = np.unique(seeds, return_inverse=True)
    totals = np.bincount(inverse, weights=np.maximum(adv, 0.0), minlength=len(unique))
    return unique, totals / np.bincount(inverse, minlength=len(unique))


class LevelSource:
    """A level queue for the grid envs (``take(k) -> LevelBatch``, ``seed(s)``) fed by a sampler.

    Levels are generated ``chunk`` at a time, as the envs' own ``LevelQueue`` does, so a curriculum
    acts on the next chunk after an update (a lag of at most ``chunk`` levels). It counts what it
    hands out: ``handed_out`` levels, ``distinguishing`` of them (levels whose ``distinguishing``
    field is True: the game spec names it, e.g. CoinRun-grid's ``coin_is_random``; with None, none
    are counted), read and cleared with ``pop_counts()``.
    """

    def __init__(self, sampler, generate: Callable, chunk: int, distinguishing: str | None = None):
        self.sampler, self.generate, self.chunk = sampler, generate, check_int("chunk", chunk, low=1)
        self.flag = distinguishing
        self.ready, self.used = None, 0
        self.handed_out, self.flagged, self.distinguishing = 0, 0, 0

    def seed(self, seed: int | None) -> None:
        self.sampler.seed(seed)
        self.ready, self.used = None, 0

    def take(self, k: int):
        """The next ``k`` levels (a LevelBatch)."""
        parts, need = [], k
        while need:
            if self.ready is None or self.used == len(self.ready):
                self.ready, self.used = self.generate(self.sampler.sample(max(self.chunk, need))), 0
            m = min(need, len(self.ready) - self.used)
            parts.append(self.ready.subset(slice(self.used, self.used + m)))
            self.used, need = self.used + m, need - m
        batch = type(parts[0]).concatenate(parts)
        self.handed_out += len(batch)
        flag = None if self.flag is None else getattr(batch, self.flag)
        if flag is not None:
            self.flagged += len(batch)
            self.distinguishing += int(np.count_nonzero(flag))
        return batch

    def pop_counts(self) -> dict[str, int]:
        """``{"handed_out": n, "flagged": f, "distinguishing": d}`` since the last call (``flagged``:
        levels whose game says whether they distinguish the goals); the counters restart."""
        counts = {"handed_out": self.handed_out, "flagged": self.flagged, "distinguishing": self.distinguishing}
        self.handed_out, self.flagged, self.distinguishing = 0, 0, 0
        return counts
