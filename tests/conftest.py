import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def tiny_agent_path(tmp_path_factory):
    """A checkpoint from a very short PPO run (not competent; for plumbing tests)."""
    from goalmisgen.agents import PPOConfig, save_agent, train

    result = train(PPOConfig(total_steps=2048, num_envs=64, num_steps=16, seed=3), progress=False)
    return save_agent(result, tmp_path_factory.mktemp("agents") / "tiny.pt")
