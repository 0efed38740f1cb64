"""Which goal explains an agent's behaviour? Boltzmann-rational goal inference on CoinRun-grid.

The method, in plain words. For a candidate goal (a set of target cells: the coin's cell, the end
column, or the rightmost column anyone can stand in) the game's own physics tells, from any state,
how many steps each action leaves until the target can be reached (``cost_to_go``, an exhaustive
search backwards in time, enemies' cycles included). An agent that pursues the goal *noisily
rationally* picks action ``a`` in state ``s`` with probability

    p(a | s) = exp(-beta * Q(s, a)) / sum_b exp(-beta * Q(s, b)),

where ``Q(s, a)`` is 1 + the steps still needed after ``a``, counted relative to the best action and
at most ``MAX_REGRET`` steps worse (dying, or never arriving, is a large mistake, not an infinite
one: a noisy agent that slips once must not rule a goal out). Standing on a target, the best
actions are those that stay there: a goal is something the agent keeps, not a place it passes.
``beta`` says how rational: 0 is uniformly random, large is always the fastest action. For each
goal we fit ``beta`` by maximum likelihood to the recorded steps and compare goals by the
log-likelihood they give the agent's actual actions. The "none" goal is the uniformly random
policy (``beta = 0``, no parameter). A goal's fitted ``beta`` is one free parameter, so its
log-likelihood is penalized by ``log(S) / 2`` for ``S`` scored steps (the Bayesian information
criterion): it decides between a goal and "none", never between two goals (each has one parameter).
The posterior over goals (uniform prior) is the softmax of these penalized scores; its uncertainty
comes from a bootstrap over levels, refitting ``beta`` in every resample.

Only the steps where the candidate goals disagree are scored: those where no action is among the
best for every goal. Where one action serves all goals, taking it says nothing about which goal the
agent has, and scoring it anyway favours the goal whose best actions happen to be fewest (a coin on
the agent's way makes "get the coin" look sharp). Goals whose target cells are the same on every
level (the end column and the rightmost column, unless the end is made permeable) cannot be told
apart by any behaviour: they are merged into one candidate named ``"end = right"``.

Usage:
    >>> traj = record_trajectories(agent, do(generate_levels(seeds), coin_moved()))
    >>> result = infer_goals(traj)
    >>> result.table          # one row per goal: beta, log-likelihood, posterior, bootstrap share
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from goalmisgen.analysis.trajectories import Trajectories
from goalmisgen.envs.coinrun import levels as lv
from goalmisgen.envs.coinrun import ACTIONS, CoinRunOptions, CoinRunState, physics_step
from goalmisgen.envs.coinrun.solver import ENEMY_PERIOD_LCM
from goalmisgen.validation import check_choice, check_float, check_int, check_seed

GOALS = ("coin", "end", "right")
"""Goals with target cells; "none" (the random policy) is always compared too."""
SAME = " = "
"""Joins the names of goals whose targets coincide on every level (``"end = right"``)."""
NO_GOAL = "none"
BETAS = np.concatenate([[0.0], np.geomspace(0.02, 20.0, 60)])
"""The grid of rationality values ``beta`` searched by maximum likelihood."""
MAX_REGRET = 10.0
"""An action counts as at most this many steps worse than the best one (dying included)."""
_LIFTS = lv.JUMP_HEIGHT + 1


def goal_targets(levels: lv.CoinRunLevels, goal: str) -> np.ndarray:
    """(n, W, H) bool target cells of ``goal`` in each level.

    ``"coin"``: the coin's cell (no cell where the coin was removed); ``"end"``: every cell of the
    end column (where ``reached_end`` is first recorded); ``"right"``: every cell of the rightmost
    column that has a cell free of ground and lava ("go right as far as you can": the end column
    itself, unless the end is permeable and the floor runs on past it).
    """
    check_choice("goal", goal, GOALS)
    n, W, H = levels.solid.shape
    targets = np.zeros((n, W, H), dtype=bool)
    if goal == "coin":
        has = np.flatnonzero(levels.coin_present)
        targets[has, levels.coin_x[has], levels.coin_y[has]] = True
    else:
        if goal == "end":
            column = levels.end_x
        else:
            free = (~(levels.solid | levels.lava)).any(axis=2)  # (n, W) columns with a free cell
            column = W - 1 - np.argmax(free[:, ::-1], axis=1)
        targets[:] = (np.arange(W)[None, :] == np.asarray(column)[:, None])[:, :, None]
    return targets


def _state(levels: lv.CoinRunLevels) -> CoinRunState:
    state = CoinRunState(len(levels), CoinRunOptions(num_sections=levels.enemy_x0.shape[1]))
    state.load(np.arange(len(levels)), levels)
    return state


def _outcomes(state: CoinRunState, targets: np.ndarray, level, x, y, vy, t, action):
    """Successor cells and flags of one action from (M,) states: (x1, y1, vy1, hit, ended)."""
    x1, y1, vy1, died, coin = physics_step(state, level, x, y, vy, t, action)
    hit = targets[level, x1, y1] & ~died
    return x1, y1, vy1, hit, (died | coin) & ~hit


def level_periods(levels: lv.CoinRunLevels) -> np.ndarray:
    """(n,) int64 after how many steps each level's enemies are all back where they started (1 if
    it has none): time matters only modulo this."""
    periods = np.where(levels.enemy_active, 2 * (levels.enemy_width - 1), 1)
    return np.lcm.reduce(periods, axis=1).astype(np.int64)


def cost_to_go(levels: lv.CoinRunLevels, targets: np.ndarray, horizon: int = 100, chunk: int = 32) -> np.ndarray:
    """Fewest steps from every state to a target cell, by value iteration over the game's physics.

    Args:
        levels: n CoinRunLevels.
        targets: (n, W, H) bool target cells (``goal_targets``).
        horizon: distances are searched up to this many steps; farther or unreachable counts as
            ``horizon + 1``.
        chunk: levels solved together (bounds memory).

    Returns:
        (n, W, H, 3, P) float32 steps to go, indexed by (level, x, y, jump lift, t mod P), with
        P = ENEMY_PERIOD_LCM (every level's enemy cycle divides it). Reaching the target on a move
        that kills, or ending the episode elsewhere (a coin that is not a target), never counts.
        Cells inside ground or lava, where no agent can be, hold ``horizon + 1``.
    """
    horizon = check_int("horizon", horizon, low=1, high=10_000)
    chunk = check_int("chunk", chunk, low=1, high=4096)
    n, W, H = levels.solid.shape
    if np.shape(targets) != (n, W, H):
        raise ValueError(f"targets of shape {np.shape(targets)} is not allowed: targets must be (n, W, H) = {(n, W, H)}")
    far = np.float32(horizon + 1)
    out = np.full((n, W, H, _LIFTS, ENEMY_PERIOD_LCM), far, dtype=np.float32)
    periods = level_periods(levels)
    for period in np.unique(periods):
        group = np.flatnonzero(periods == period)
        for start in range(0, len(group), chunk):
            rows = group[start:start + chunk]
            value = _solve(levels.subset(rows), targets[rows], int(period), horizon)
            out[rows] = value[..., np.arange(ENEMY_PERIOD_LCM) % period]
    return out


def _solve(levels: lv.CoinRunLevels, targets: np.ndarray, period: int, horizon: int) -> np.ndarray:
    """Value iteration for a few levels whose enemies share ``period``: (m, W, H, 3, period)."""
    state = _state(levels)
    shape = (len(levels),) + levels.solid.shape[1:] + (_LIFTS, period)
    far = np.float32(horizon + 1)
    level, x, y, vy, phase = (a.reshape(-1) for a in np.indices(shape))
    free = np.flatnonzero(~(levels.solid | levels.lava)[level, x, y])  # where an agent can stand
    compact = np.full(level.size, -1, dtype=np.int64)
    compact[free] = np.arange(free.size)
    level, x, y, vy, phase = level[free], x[free], y[free], vy[free], phase[free]
    nxt, hit, ended = [], [], []
    for a in range(len(ACTIONS)):
        x1, y1, vy1, h, e = _outcomes(state, targets, level, x, y, vy, phase, np.full(level.size, a))
        to = compact[np.ravel_multi_index((level, x1, y1, vy1, (phase + 1) % period), shape)]
        nxt.append(np.maximum(to, 0))
        hit.append(h)
        ended.append(e | (to < 0))
    nxt, hit, ended = np.stack(nxt), np.stack(hit), np.stack(ended)
    value = np.full(free.size, far, dtype=np.float32)
    for _ in range(horizon):
        new = np.where(hit, np.float32(1), np.where(ended, far, np.minimum(value[nxt] + 1, far))).min(axis=0)
        if np.array_equal(new, value):
            break
        value = new
    full = np.full(int(np.prod(shape)), far, dtype=np.float32)
    full[free] = value
    return full.reshape(shape)


def goal_values(levels: lv.CoinRunLevels, goals=GOALS, horizon: int = 100) -> dict:
    """goal -> ``cost_to_go`` of its targets: computed once per set of levels, reused for every
    agent played on them."""
    return {g: cost_to_go(levels, goal_targets(levels, g), horizon) for g in _check_goals(goals)}


def _check_goals(goals) -> tuple[str, ...]:
    goals = tuple(goals)
    if not goals or len(set(goals)) != len(goals):
        raise ValueError(f"goals={goals!r} is not allowed: goals must be distinct names from {GOALS}")
    for g in goals:
        check_choice("goal", g, GOALS)
    return goals


def action_costs(trajectories: Trajectories, goal: str, value: np.ndarray | None = None, horizon: int = 100) -> np.ndarray:
    """(S, 6) float ``Q(s, a)``: steps to the goal after each action, at every recorded step
    (1 if the action reaches a target cell; ``horizon + 1`` if it kills or never gets there).

    ``value``: the goal's ``cost_to_go`` on ``trajectories.levels`` (computed when None).
    """
    tr = trajectories
    return costs_at(tr.levels, goal, value, tr.level, tr.x, tr.y, tr.vy, tr.t, horizon)


def costs_at(levels: lv.CoinRunLevels, goal: str, value: np.ndarray | None, level, x, y, vy, t,
             horizon: int = 100) -> np.ndarray:
    """(M, 6) float ``Q(s, a)`` of ``goal`` in M states given as (M,) int arrays ``level`` (index
    into ``levels``), ``x``, ``y``, ``vy`` and ``t`` (see ``action_costs``)."""
    targets = goal_targets(levels, goal)
    if value is None:
        value = cost_to_go(levels, targets, horizon)
    expected = targets.shape + (_LIFTS, ENEMY_PERIOD_LCM)
    if value.shape != expected:
        raise ValueError(f"value of shape {value.shape} is not allowed: it must be cost_to_go of these levels, {expected}")
    far = float(value.max(initial=horizon + 1))
    state = _state(levels)
    q = np.empty((len(level), len(ACTIONS)))
    for a in range(len(ACTIONS)):
        x1, y1, vy1, hit, ended = _outcomes(state, targets, level, x, y, vy, t, np.full(len(level), a))
        after = np.minimum(value[level, x1, y1, vy1, (t + 1) % ENEMY_PERIOD_LCM] + 1.0, far)
        q[:, a] = np.where(hit, 1.0, np.where(ended, far, after))
    return q


def step_log_likelihoods(costs: np.ndarray, actions: np.ndarray, betas=BETAS, max_regret: float = MAX_REGRET) -> np.ndarray:
    """(S, len(betas)) log p(action | state) under the Boltzmann-rational policy, per beta.

    Args:
        costs: (S, A) steps to go after each action (``action_costs``).
        actions: (S,) int the actions taken.
        betas: (B,) rationality values (>= 0).
        max_regret: an action's cost counts at most this many steps above the best action's (a
            fatal slip is then a large mistake, not an infinite one).
    """
    betas = np.asarray(betas, dtype=float)
    regret = np.minimum(costs - costs.min(axis=1, keepdims=True), max_regret)
    logits = -betas[None, :, None] * regret[:, None, :]  # (S, B, A)
    chosen = np.take_along_axis(logits, np.asarray(actions)[:, None, None].repeat(len(betas), 1), axis=2)[:, :, 0]
    return chosen - logsumexp(logits, axis=2)


@dataclass
class GoalInference:
    """Result of ``infer_goals``.

    Attributes:
        table: one row per candidate ("coin", "end", "right" or merged ones such as "end = right",
            then "none"): ``beta`` (fitted), ``log_lik``, ``gain_per_step`` (log-likelihood per
            scored step above the random policy, nats) with ``gain_ci_low``/``gain_ci_high``
            (bootstrap over levels), ``score`` (log-likelihood minus the BIC penalty),
            ``posterior`` (softmax of the scores) and ``p_best`` (share of bootstrap resamples in
            which the candidate has the best score).
        best: the candidate with the highest score.
        per_level: (n_levels, len(BETAS)) log-likelihood per level and beta, one array per candidate.
        steps_per_level: (n_levels,) scored steps per level.
        scored_share: the share of all recorded steps that were scored (where the goals disagree).
    """

    table: pd.DataFrame
    best: str
    per_level: dict
    steps_per_level: np.ndarray
    scored_share: float


def candidate_goals(levels: lv.CoinRunLevels, goals=GOALS) -> dict[str, str]:
    """Candidate name -> one of its goals: goals whose target cells coincide on every level are one
    candidate, named by joining their names (``"end = right"``); no behaviour can separate them."""
    names: dict[str, list[str]] = {}
    targets = {g: goal_targets(levels, g) for g in _check_goals(goals)}
    for g in targets:
        twin = next((k for k in names if np.array_equal(targets[names[k][0]], targets[g])), None)
        if twin is None:
            names[g] = [g]
        else:
            names[twin].append(g)
    return {SAME.join(members): members[0] for members in names.values()}


def disagreement_steps(costs: list[np.ndarray]) -> np.ndarray:
    """(S,) bool: the steps where no action is among the best for every goal (``costs``: one (S, A)
    ``action_costs`` array per goal)."""
    common = np.ones(costs[0].shape, dtype=bool)
    for q in costs:
        common &= q == q.min(axis=1, keepdims=True)
    return ~common.any(axis=1)


def infer_goals(trajectories: Trajectories, goals=GOALS, values: dict | None = None, horizon: int = 100,
                n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> GoalInference:
    """Score candidate goals by how well a Boltzmann-rational pursuer of each explains the steps.

    Only the steps where the candidates disagree (no action is best for all of them) are scored;
    goals with the same targets on every level are merged (``candidate_goals``).

    Args:
        trajectories: an agent's recorded steps (``record_trajectories``).
        goals: candidate goals with target cells (a subset of ``GOALS``); "none" is always added.
        values: goal -> ``cost_to_go`` on these levels (``goal_values``; computed when None). Pass
            them when several agents play the same levels: the search is the slow part.
        horizon: search depth of ``cost_to_go``.
        n_boot: bootstrap resamples of the levels (>= 100).
        seed: seed of the bootstrap.
        level: coverage of the intervals.

    Returns:
        GoalInference (see there).
    """
    if not isinstance(trajectories, Trajectories):
        raise ValueError(f"trajectories={type(trajectories).__name__} is not allowed: use record_trajectories(...)")
    goals = _check_goals(goals)
    if values is None:
        values = goal_values(trajectories.levels, goals, horizon)
    missing = [g for g in goals if g not in values]
    if missing:
        raise ValueError(f"values lacks the goal(s) {missing}: pass goal_values(levels, goals)")
    n_boot = check_int("n_boot", n_boot, low=100)
    seed = check_seed(seed)
    level = check_float("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    tr = trajectories
    n = len(tr.levels)
    candidates = candidate_goals(tr.levels, goals)
    costs = {name: action_costs(tr, g, values[g], horizon) for name, g in candidates.items()}
    scored = disagreement_steps(list(costs.values())) if len(costs) > 1 else np.ones(len(tr), dtype=bool)
    steps = np.bincount(tr.level[scored], minlength=n).astype(float)
    per_level = {}
    for name, q in costs.items():
        ll = step_log_likelihoods(q[scored], tr.action[scored])
        per_level[name] = np.stack([np.bincount(tr.level[scored], weights=ll[:, b], minlength=n) for b in range(len(BETAS))], axis=1)
    chance = -np.log(len(ACTIONS))

    def scores(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For level weights (R, n): per-candidate best log-lik (R, G+1), its beta index, and steps (R,)."""
        total_steps = counts @ steps
        lls, which = [], []
        for name in candidates:
            by_beta = counts @ per_level[name]
            which.append(by_beta.argmax(axis=1))
            lls.append(by_beta.max(axis=1))
        lls.append(chance * total_steps)
        return np.stack(lls, axis=1), np.stack(which, axis=1), total_steps

    names = list(candidates) + [NO_GOAL]
    penalty = np.array([1.0] * len(candidates) + [0.0])
    ll, beta_idx, total = scores(np.ones((1, n)))
    score = ll[0] - penalty * 0.5 * np.log(max(total[0], 1.0))
    posterior = np.exp(score - logsumexp(score))
    rng = np.random.default_rng(seed)
    boot_ll, boot_total = [], []
    for start in range(0, n_boot, 200):
        b = min(200, n_boot - start)
        counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(b)]).astype(float)
        l, _, t = scores(counts)
        boot_ll.append(l)
        boot_total.append(t)
    boot_ll, boot_total = np.concatenate(boot_ll), np.concatenate(boot_total)
    boot_score = boot_ll - penalty[None, :] * 0.5 * np.log(np.maximum(boot_total, 1.0))[:, None]
    wins = np.bincount(boot_score.argmax(axis=1), minlength=len(names)) / len(boot_score)
    gain = (boot_ll - boot_ll[:, -1:]) / np.maximum(boot_total, 1.0)[:, None]
    alpha = (1 - level) / 2
    low, high = np.quantile(gain, [alpha, 1 - alpha], axis=0)
    table = pd.DataFrame({
        "goal": names,
        "beta": [float(BETAS[i]) for i in beta_idx[0]] + [0.0],
        "log_lik": ll[0].astype(float),
        "gain_per_step": ((ll[0] - ll[0, -1]) / max(total[0], 1.0)).astype(float),
        "gain_ci_low": low.astype(float),
        "gain_ci_high": high.astype(float),
        "score": score.astype(float),
        "posterior": posterior.astype(float),
        "p_best": wins.astype(float),
    })
    return GoalInference(table=table, best=names[int(score.argmax())], per_level=per_level, steps_per_level=steps,
                         scored_share=float(scored.mean()) if len(scored) else 0.0)
