import os
from dataclasses import dataclass

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def tiny_agent_path(tmp_path_factory):
    """A checkpoint from a very short PPO run (not competent; for plumbing tests)."""
    from goalmisgen.agents import PPOConfig, save_agent, train

    result = train(PPOConfig(total_steps=2048, num_envs=64, num_steps=16, seed=3), progress=False)
    return save_agent(result, tmp_path_factory.mktemp("agents") / "tiny.pt")


@pytest.fixture
def fake_experiment(monkeypatch):
    """``use(name, function, data)``: for one test, ``regenerate`` finds the ``data/`` folder at
    ``data`` and runs ``function`` for the registered experiment ``name``."""
    from dataclasses import replace

    from goalmisgen.experiments import common, registry

    def use(name, function, data):
        monkeypatch.setattr(common, "DATA", data)
        monkeypatch.setitem(registry.EXPERIMENTS, name, replace(registry.EXPERIMENTS[name], function=function))

    return use


@dataclass
class FreshRun:
    """A freshly trained headline agent (coin at the end) with its evaluations on 1000 held-out levels."""

    agent: object
    end: object
    moved: object

    @property
    def learned(self) -> bool:
        """Whether the run learned its training task, by the book's rule
        (``experiments.randomization_sweep.LEARNED_RULE``: a training coin rate of at least
        ``LEARNED_MIN_TRAIN_COIN``). Some runs never do; which seeds
        learn, and how fast, depends on the machine (``analysis.replication``)."""
        from goalmisgen.experiments.randomization_sweep import LEARNED_MIN_TRAIN_COIN

        return self.agent.metrics["coin_rate"] >= LEARNED_MIN_TRAIN_COIN


def fresh_run(kind: str, seed: int, steps: int):
    """Train and evaluate one fresh agent (module level, so a spawned worker can run it).

    kind "headline": trained like the shipped headline agents (coin at the end), evaluated on 1000
    held-out levels with the coin at the end and moved -> FreshRun. kind "random5pc": the coin moved
    on 5% of training levels, evaluated with the coin moved -> (training coin rate, evaluation).
    """
    import torch

    from goalmisgen.agents import PPOConfig, agent_from_result, train
    from goalmisgen.analysis import evaluate
    from goalmisgen.experiments.headline import HEADLINE_FILTER_RUNS

    torch.set_num_threads(1)
    if kind == "headline":
        agent = agent_from_result(train(PPOConfig(total_steps=steps, seed=seed), progress=False))
        end = evaluate(agent, n_levels=1000, coin_placement="end", filter_runs=0, seed=seed)
        moved = evaluate(agent, n_levels=1000, coin_placement="random", filter_runs=HEADLINE_FILTER_RUNS, seed=seed)
        return FreshRun(agent, end, moved)
    config = PPOConfig(total_steps=steps, seed=seed, env_options={"coin_placement": "end", "random_fraction": 0.05})
    result = train(config, progress=False)
    moved = evaluate(agent_from_result(result), n_levels=1000, coin_placement="random", filter_runs=HEADLINE_FILTER_RUNS,
                     seed=seed)
    return result.metrics["coin_rate"], moved


FRESH_JOBS = {("headline", 10): 3_000_000, ("headline", 11): 3_000_000, ("headline", 12): 3_000_000,
              ("random5pc", 10): 1_000_000, ("random5pc", 11): 1_000_000}
"""The fresh trainings the claims tests share: (kind, seed) -> steps (see ``fresh_run``)."""


@pytest.fixture(scope="session")
def fresh_runs():
    """Every job of ``FRESH_JOBS``, trained once per session on a pool of two processes (one torch
    thread each), longest first: {(kind, seed): result of ``fresh_run``}."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from goalmisgen.experiments.headline import HEADLINE_STEPS

    assert FRESH_JOBS[("headline", 10)] == HEADLINE_STEPS
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {job: pool.submit(fresh_run, *job, steps) for job, steps in FRESH_JOBS.items()}
        return {job: f.result() for job, f in futures.items()}


@pytest.fixture(scope="session")
def fresh_agents(fresh_runs):
    """Three agents trained like the shipped headline agents, with new seeds, evaluated on 1000
    levels with the coin at the end and moved. Shared by every claims test (trained once per session)."""
    return {seed: run for (kind, seed), run in fresh_runs.items() if kind == "headline"}


@pytest.fixture(scope="session")
def fresh_randomized(fresh_runs):
    """Two fresh agents (new seeds) trained with the coin moved on 5% of levels, for 1M steps (a
    third of the sweep's), evaluated on the held-out levels: {seed: (training coin rate, evaluation)}."""
    return {seed: run for (kind, seed), run in fresh_runs.items() if kind == "random5pc"}
