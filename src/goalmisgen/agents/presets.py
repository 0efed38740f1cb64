"""Named PPO configurations for the real procgen CoinRun.

``gpu``: procgen's published PPO setup for CoinRun (Cobbe et al. 2020; Langosco et al. 2022 use
it too): IMPALA CNN, 64 x 64 RGB, 256 steps per rollout, 3 epochs of 8 minibatches, gamma 0.999,
lambda 0.95, learning rate 5e-4, entropy 0.01, clip 0.2, rewards divided by a running std of the
discounted return (``normalize_reward``). Procgen runs 64 envs per worker on several workers;
here one process steps ``num_envs`` games with procgen's own threads. Easy mode by default (pass
``distribution_mode="hard"`` for Langosco et al.'s).

``cpu``: for a 2-core laptop: easy mode, 32 x 32 observations, 64 envs x 128 steps, no reward
normalization (as the shipped CPU agent was trained); procgen steps in the calling thread
(``num_threads=0``) and torch uses two threads while the game waits, so the two never compete for
the cores (measured: 790 steps/s, against 440 with one torch thread).
"""

from __future__ import annotations

from goalmisgen.agents.ppo import PPOConfig
from goalmisgen.envs.procgen_coinrun import DISTRIBUTION_MODES
from goalmisgen.validation import check_bool, check_choice

PRESETS = {
    "gpu": dict(
        num_envs=256, num_steps=256, update_epochs=3, num_minibatches=8, learning_rate=5e-4,
        gamma=0.999, gae_lambda=0.95, clip_coef=0.2, ent_coef=0.01, vf_coef=0.5, max_grad_norm=0.5,
        network="impala", hidden=256, device="cuda", torch_threads=4,
        env_options={"distribution_mode": "easy", "obs_size": 64, "num_threads": 8, "normalize_reward": True},
    ),
    "cpu": dict(
        num_envs=64, num_steps=128, update_epochs=3, num_minibatches=8, learning_rate=5e-4,
        gamma=0.99, gae_lambda=0.95, clip_coef=0.2, ent_coef=0.01, vf_coef=0.5, max_grad_norm=0.5,
        network="impala", hidden=256, device="cpu", torch_threads=2,
        env_options={"distribution_mode": "easy", "obs_size": 32, "num_threads": 0},
    ),
}


def procgen_config(preset: str, seed: int, total_steps: int, coin_placement: str = "end",
                   random_fraction: float = 0.0, distribution_mode: str | None = None,
                   normalize_reward: bool | None = None, **overrides) -> PPOConfig:
    """A PPOConfig for env "procgen-coinrun" from a named preset ("gpu" or "cpu").

    ``distribution_mode`` ("easy" or "hard") and ``normalize_reward`` (True or False) replace the
    preset's when given; ``overrides`` replace PPOConfig fields (e.g. ``device="cpu"``).
    """
    check_choice("preset", preset, sorted(PRESETS))
    if distribution_mode is not None:
        check_choice("distribution_mode", distribution_mode, DISTRIBUTION_MODES)
    if normalize_reward is not None:
        normalize_reward = check_bool("normalize_reward", normalize_reward)
    base = dict(PRESETS[preset])
    env_options = {**base.pop("env_options"), "coin_placement": coin_placement, "random_fraction": random_fraction}
    if distribution_mode is not None:
        env_options["distribution_mode"] = distribution_mode
    if normalize_reward is not None:
        env_options["normalize_reward"] = normalize_reward
    return PPOConfig(env="procgen-coinrun", seed=seed, total_steps=total_steps, env_options=env_options, **{**base, **overrides})
