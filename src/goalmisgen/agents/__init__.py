"""Agents: PPO (``ppo.py``), policy networks (``networks.py``), checkpoints (``checkpoint.py``)."""

from goalmisgen.agents.checkpoint import Agent, agent_from_result, load_agent, save_agent, save_policy, training_stages
from goalmisgen.agents.ppo import PPOConfig, TrainResult, train

__all__ = ["Agent", "PPOConfig", "TrainResult", "agent_from_result", "load_agent", "save_agent", "save_policy", "train", "training_stages"]
