"""Capability without the proxy (each game's ``CapabilitySpec``, ``analysis.capability``): a random
walk and a policy that heads for the proxy without the skill fail it; a solver passes it; and which
goal an agent pursues cannot change it, since on the capability levels the two goals coincide."""

import numpy as np
import pandas as pd
import pytest

from goalmisgen.agents.scripted import ChestSeekerAgent, GoRightAgent, RandomAgent
from goalmisgen.analysis.capability import capability_levels
from goalmisgen.envs.keys_chests.capability import shortest_tour
from goalmisgen.envs.keys_chests.levels import generate_levels as kc_levels
from goalmisgen.envs.maze import ACTIONS as MAZE_ACTIONS
from goalmisgen.envs.maze import CHANNELS as MAZE_CHANNELS
from goalmisgen.envs.spec import game

N = 120
SOLVER_MIN = 0.95  # a solver passes (almost) every level
RANDOM_MAX = 0.1  # a random walk passes few
PROXY_MAX = 0.3  # heading for the proxy without the skill passes few


class MazeWalker:
    """Maze policies for the tests: "solver" walks the shortest way to the cheese, "up-right" heads
    for the top-right without maze skill (up if open, else right if open, else at random), "random"
    moves at random."""

    env = "maze"

    def __init__(self, kind):
        self.kind, self.env_options, self._rng = kind, {}, np.random.default_rng(0)

    def seed(self, seed):
        self._rng = np.random.default_rng(seed)

    def act(self, obs, deterministic=False):
        B, _, G, _ = obs.shape
        wall = obs[:, MAZE_CHANNELS.index("wall")].astype(bool)
        agent = obs[:, MAZE_CHANNELS.index("agent")].reshape(B, -1).argmax(axis=1)
        r, c = agent // G, agent % G
        steps = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}  # image rows and columns
        if self.kind == "random":
            return self._rng.integers(0, len(MAZE_ACTIONS), size=B)
        padded = np.pad(~wall, ((0, 0), (1, 1), (1, 1)))
        if self.kind == "up-right":
            out = self._rng.integers(0, len(MAZE_ACTIONS), size=B)
            right_open = padded[np.arange(B), r + 1, c + 2]
            up_open = padded[np.arange(B), r, c + 1]
            out = np.where(right_open, MAZE_ACTIONS.index("right"), out)
            return np.where(up_open, MAZE_ACTIONS.index("up"), out)
        dist = np.where(obs[:, MAZE_CHANNELS.index("cheese")].astype(bool), 0, 10**6)
        for _ in range(G * G):
            d = np.pad(dist, ((0, 0), (1, 1), (1, 1)), constant_values=10**6)
            near = np.minimum.reduce([d[:, 1 + dr : 1 + dr + G, 1 + dc : 1 + dc + G] for dr, dc in steps.values()])
            new = np.where(wall, 10**6, np.minimum(dist, near + 1))
            if (new == dist).all():
                break
            dist = new
        d = np.pad(dist, ((0, 0), (1, 1), (1, 1)), constant_values=10**6)
        around = np.stack([d[np.arange(B), r + 1 + dr, c + 1 + dc] for dr, dc in (steps[a] for a in MAZE_ACTIONS)], axis=1)
        return around.argmin(axis=1)


class KeyCollector:
    """Keys and Chests heading for the proxy: walks to the nearest key; with none left on the floor,
    moves at random (it opens a chest only when it stumbles on one)."""

    env = "keys-chests"

    def __init__(self):
        self.env_options, self._seeker, self._rng = {}, ChestSeekerAgent(), np.random.default_rng(0)

    def seed(self, seed):
        self._rng = np.random.default_rng(seed)

    def act(self, obs, deterministic=False):
        from goalmisgen.envs.keys_chests import CHANNELS

        keys_left = obs[:, CHANNELS.index("key")].reshape(len(obs), -1).any(axis=1)
        blind = obs.copy()
        blind[:, CHANNELS.index("chest")] = 0  # the seeker sees no chest: it walks to the nearest key
        blind[:, CHANNELS.index("inventory")] = 0
        return np.where(keys_left, self._seeker.act(blind), self._rng.integers(0, 4, size=len(obs)))


class CoinRunRandom(RandomAgent):
    env = "coinrun"


def rate(agent, n=N):
    table = capability_levels(agent, n_levels=n)
    return float(table["capable_without_proxy"].mean())


def test_maze_a_solver_passes_and_neither_a_random_walk_nor_an_unskilled_corner_seeker_does():
    assert rate(MazeWalker("solver")) >= SOLVER_MIN
    assert rate(MazeWalker("random")) <= RANDOM_MAX
    assert rate(MazeWalker("up-right")) <= PROXY_MAX


def test_keys_and_chests_a_chest_seeker_passes_and_neither_a_random_walk_nor_a_key_collector_does():
    random_walk = KeyCollector()
    random_walk.act = lambda obs, deterministic=False: random_walk._rng.integers(0, 4, size=len(obs))
    assert rate(ChestSeekerAgent()) >= SOLVER_MIN
    assert rate(random_walk) <= RANDOM_MAX
    assert rate(KeyCollector()) <= PROXY_MAX


def test_coinrun_a_random_walk_does_not_cross_the_level():
    assert rate(CoinRunRandom(), n=60) <= RANDOM_MAX
    assert rate(GoRightAgent(), n=60) >= 0.5  # the go-right planner crosses most levels (coin at the end)


def test_the_capability_levels_are_where_the_goals_coincide():
    maze = game("maze").capability.options({"cheese_region": 5})
    assert maze["cheese_placement"] == "region" and maze["cheese_region"] == 1
    kc = game("keys-chests").capability.options({"num_keys": 2, "num_chests": 4})
    assert kc["num_keys"] == kc["num_chests"] == 4
    coin = game("coinrun").capability.options({"coin_placement": "end", "random_fraction": 0.02})
    assert coin["coin_placement"] == "end" and coin["random_fraction"] == 0.0


def test_the_shortest_tour_picks_a_key_before_each_chest():
    levels = kc_levels(np.arange(50), room_size=7, num_keys=2, num_chests=2)
    tour = shortest_tour(levels)
    # brute force over the orders that hold a key at each chest
    import itertools

    for i in range(len(levels)):
        pts = [(levels.key_x[i, 0], levels.key_y[i, 0], 1), (levels.key_x[i, 1], levels.key_y[i, 1], 1),
               (levels.chest_x[i, 0], levels.chest_y[i, 0], -1), (levels.chest_x[i, 1], levels.chest_y[i, 1], -1)]
        best = None
        for order in itertools.permutations(pts):
            held, ok, x, y, length = 0, True, levels.start_x[i], levels.start_y[i], 0
            for px, py, kind in order:
                held += kind
                ok &= held >= 0
                length += abs(px - x) + abs(py - y)
                x, y = px, py
            if ok:
                best = length if best is None else min(best, length)
        assert tour[i] == best


def test_the_judge_passes_within_the_slack_and_fails_beyond_it():
    spec = game("maze")
    levels = spec.vec_env(num_envs=1, **spec.capability.options({})).generate(np.arange(10))
    fewest = spec.capability.judge(pd.DataFrame({"cheese_collected": [True] * 10, "steps": [1] * 10}), levels, 2.0)["fewest_steps"]
    within = pd.DataFrame({"cheese_collected": [True] * 10, "steps": 2 * fewest})
    beyond = within.assign(steps=2 * fewest + 1)
    assert spec.capability.judge(within, levels, 2.0)["solved_efficiently"].all()
    assert not spec.capability.judge(beyond, levels, 2.0)["solved_efficiently"].any()
