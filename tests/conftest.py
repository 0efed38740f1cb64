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


@dataclass
class FreshRun:
    """A freshly trained headline agent (coin at the end) with its evaluations on 1000 held-out levels."""

    agent: object
    end: object
    moved: object

    @property
    def learned(self) -> bool:
        """Whether the run learned to collect the coin at the end (some runs never do)."""
        from goalmisgen.experiments import HEADLINE_THRESHOLDS

        return self.end.summary["coin_collected"]["mean"] >= HEADLINE_THRESHOLDS["coin_at_end_min"]


@pytest.fixture(scope="session")
def fresh_agents():
    """Three agents trained like the shipped headline agents, with new seeds, evaluated on 1000
    levels with the coin at the end and moved. Shared by every claims test (trained once per session)."""
    from goalmisgen.agents import PPOConfig, agent_from_result, train
    from goalmisgen.analysis import evaluate
    from goalmisgen.experiments import HEADLINE_FILTER_RUNS, HEADLINE_STEPS

    out = {}
    for seed in (10, 11, 12):
        agent = agent_from_result(train(PPOConfig(total_steps=HEADLINE_STEPS, seed=seed), progress=False))
        end = evaluate(agent, n_levels=1000, coin_placement="end", filter_runs=0, seed=seed)
        moved = evaluate(agent, n_levels=1000, coin_placement="random", filter_runs=HEADLINE_FILTER_RUNS, seed=seed)
        out[seed] = FreshRun(agent, end, moved)
    return out
