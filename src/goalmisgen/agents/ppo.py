"""Proximal Policy Optimization (Schulman et al. 2017), one readable file.

The loop, top to bottom: collect ``num_steps`` steps from ``num_envs`` environments at once,
compute advantages with GAE, then take ``update_epochs`` passes of clipped-surrogate gradient steps
over shuffled minibatches. Names follow the paper and CleanRL (``advantages``, ``returns``,
``logratio``, ``clipfrac``). Checkpoints and the ``Agent`` wrapper live in ``checkpoint.py``.

Example:
    >>> from goalmisgen.agents import PPOConfig, train
    >>> result = train(PPOConfig(total_steps=500_000, seed=1))   # about half a minute on 2 cores
    >>> result.metrics["coin_rate"]
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from goalmisgen.agents.networks import NETWORKS, make_network
from goalmisgen.envs.registration import make_vec_env


@dataclass
class PPOConfig:
    """Everything that defines a PPO run; saved inside every checkpoint."""

    env: str = "coinrun"
    """Environment family (see goalmisgen.envs.registration.ENV_FAMILIES)."""
    env_options: dict[str, Any] = field(default_factory=lambda: {"coin_placement": "end"})
    """Options passed to the environment, e.g. {"coin_placement": "end", "random_fraction": 0.02}."""
    total_steps: int = 1_500_000
    """Environment steps to train for (summed over all envs)."""
    num_envs: int = 256
    """Environments stepped in parallel."""
    num_steps: int = 32
    """Steps per environment per rollout; a rollout holds num_envs * num_steps transitions."""
    learning_rate: float = 1e-3
    """Adam step size."""
    gamma: float = 0.99
    """Discount factor."""
    gae_lambda: float = 0.95
    """GAE lambda: bias/variance trade-off of the advantage estimate."""
    update_epochs: int = 3
    """Passes over each rollout."""
    num_minibatches: int = 4
    """Minibatches per pass."""
    clip_coef: float = 0.2
    """PPO clip range epsilon."""
    ent_coef: float = 0.01
    """Weight of the entropy bonus."""
    vf_coef: float = 0.5
    """Weight of the value loss."""
    max_grad_norm: float = 0.5
    """Global gradient-norm clip."""
    network: str = "mlp"
    """Policy network: "mlp", "cnn" or "impala" (see networks.py)."""
    hidden: int = 128
    """Width of the hidden layers."""
    seed: int = 0
    """Seeds torch, the environments' level draws and action sampling."""
    torch_threads: int = 1
    """Torch CPU threads (1 is fastest for the small MLP: the env runs in the same process)."""
    device: str = "cpu"
    """Where the network runs: "cpu" or "cuda" (the environments always run on the CPU)."""

    def __post_init__(self):
        positive_ints = ("total_steps", "num_envs", "num_steps", "update_epochs", "num_minibatches", "hidden", "torch_threads")
        for name in positive_ints:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}={value!r} must be an integer >= 1")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r} must be a non-negative integer")
        for name, low, high in (("gamma", 0, 1), ("gae_lambda", 0, 1), ("clip_coef", 0, 1)):
            value = getattr(self, name)
            if not low < value <= high:
                raise ValueError(f"{name}={value!r} must be in ({low}, {high}]")
        for name in ("learning_rate", "ent_coef", "vf_coef", "max_grad_norm"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be >= 0")
        if self.network not in NETWORKS:
            raise ValueError(f"network={self.network!r} is not allowed; use one of {sorted(NETWORKS)}")
        if not (self.device == "cpu" or self.device.startswith("cuda")):
            raise ValueError(f"device={self.device!r} is not allowed; use 'cpu' or 'cuda'")
        if self.batch_size % self.num_minibatches:
            raise ValueError(
                f"num_envs * num_steps = {self.batch_size} must be divisible by num_minibatches={self.num_minibatches}"
            )

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def num_iterations(self) -> int:
        return max(1, self.total_steps // self.batch_size)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainResult:
    """What ``train`` returns: the trained network, its config, a per-iteration log and metrics."""

    policy: nn.Module
    config: PPOConfig
    history: list[dict[str, float]]
    metrics: dict[str, float]


def sample_actions(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Draw one action per row from softmax(logits) with the Gumbel-max trick: (B, A) -> (B,)."""
    u = torch.rand(logits.shape, generator=generator).clamp_(1e-9, 1.0)
    return (logits - torch.log(-torch.log(u))).argmax(dim=1)


def compute_gae(rewards, values, dones, next_value, gamma: float, lam: float):
    """Generalized advantage estimation.

    Args:
        rewards, values, dones: (T, N) tensors; dones[t] is True if the episode ended at step t.
        next_value: (N,) value of the observation after the last step.

    Returns:
        advantages, returns: (T, N).
    """
    T = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value)
    for t in reversed(range(T)):
        nonterminal = 1.0 - dones[t]
        next_v = next_value if t == T - 1 else values[t + 1]
        # delta_t = r_t + gamma * V(s_{t+1}) - V(s_t), cut at episode ends
        delta = rewards[t] + gamma * next_v * nonterminal - values[t]
        last = delta + gamma * lam * nonterminal * last
        advantages[t] = last
    return advantages, advantages + values


def train(
    config: PPOConfig,
    progress: bool = True,
    callback: Callable[[dict[str, float], nn.Module], bool | None] | None = None,
) -> TrainResult:
    """Train a policy with PPO; returns the network, a per-iteration history and final metrics.

    ``callback(row, policy)`` is called after every iteration with that iteration's log row;
    if it returns True, training stops there.

    The progress bar shows the coin rate (share of recent episodes that collected the coin) live.
    Same config and seed give the same result on a CPU.
    """
    torch.set_num_threads(config.torch_threads)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    envs = make_vec_env(config.env, config.num_envs, **config.env_options)
    obs_shape = envs.single_observation_space.shape
    device = torch.device(config.device)
    policy = make_network(config.network, obs_shape, int(envs.single_action_space.n), config.hidden).to(device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate, eps=1e-5)

    T, N = config.num_steps, config.num_envs
    obs_buf = torch.zeros((T, N) + obs_shape, dtype=torch.uint8, device=device)
    actions = torch.zeros((T, N), dtype=torch.long, device=device)
    logprobs = torch.zeros((T, N), device=device)
    rewards = torch.zeros((T, N), device=device)
    dones = torch.zeros((T, N), device=device)
    values = torch.zeros((T, N), device=device)

    obs_np, _ = envs.reset(seed=config.seed)
    next_obs = torch.from_numpy(obs_np).to(device)
    recent: dict[str, list[np.ndarray]] = {"coin_collected": [], "reached_end": [], "died": [], "steps": []}
    history: list[dict[str, float]] = []
    start, steps_done = time.perf_counter(), 0
    bar = tqdm(total=config.num_iterations * config.batch_size, unit="step", unit_scale=True, disable=not progress)

    for iteration in range(config.num_iterations):
        # ---- rollout: act in all envs at once, no gradients ----
        with torch.inference_mode():
            for t in range(T):
                obs_buf[t] = next_obs
                logits, value = policy(next_obs)
                action = sample_actions(logits.cpu(), gen)
                actions[t] = action.to(device)
                logprobs[t] = torch.log_softmax(logits, dim=1).gather(1, actions[t, :, None]).squeeze(1)
                values[t] = value
                obs_np, reward, terminated, truncated, info = envs.step(action.numpy())
                rewards[t] = torch.from_numpy(reward).to(device)
                dones[t] = torch.from_numpy((terminated | truncated).astype(np.float32)).to(device)
                next_obs = torch.from_numpy(obs_np).to(device)
                if "episode" in info:
                    finished = info["_episode"]
                    for key in recent:
                        recent[key].append(info["episode"][key][finished])
            _, next_value = policy(next_obs)
            advantages, returns = compute_gae(rewards, values, dones, next_value, config.gamma, config.gae_lambda)

        # ---- update: clipped surrogate on shuffled minibatches ----
        b_obs = obs_buf.reshape((-1,) + obs_shape)
        b_actions, b_logprobs = actions.reshape(-1), logprobs.reshape(-1)
        b_advantages, b_returns, b_values = advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)
        mb_size = config.batch_size // config.num_minibatches
        clipfracs, approx_kls = [], []
        for _ in range(config.update_epochs):
            perm = torch.randperm(config.batch_size, generator=gen).to(device)
            for mb in perm.split(mb_size):
                logits, newvalue = policy(b_obs[mb])
                logp_all = torch.log_softmax(logits, dim=1)
                newlogprob = logp_all.gather(1, b_actions[mb, None]).squeeze(1)
                entropy = -(logp_all.exp() * logp_all).sum(1).mean()
                logratio = newlogprob - b_logprobs[mb]
                ratio = logratio.exp()
                with torch.no_grad():
                    approx_kls.append(((ratio - 1) - logratio).mean().item())
                    clipfracs.append(((ratio - 1).abs() > config.clip_coef).float().mean().item())
                mb_adv = b_advantages[mb]
                mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                # L_clip = E[max(-A r, -A clip(r, 1-eps, 1+eps))]
                pg_loss = torch.max(
                    -mb_adv * ratio, -mb_adv * ratio.clamp(1 - config.clip_coef, 1 + config.clip_coef)
                ).mean()
                # L_V = 1/2 E[(V(s) - R)^2]
                v_loss = 0.5 * ((newvalue - b_returns[mb]) ** 2).mean()
                # total = L_clip - c_ent * H + c_v * L_V
                loss = pg_loss - config.ent_coef * entropy + config.vf_coef * v_loss
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(policy.parameters(), config.max_grad_norm)
                optimizer.step()

        steps_done += config.batch_size
        row = {
            "iteration": iteration,
            "steps": steps_done,
            "time_s": time.perf_counter() - start,
            "approx_kl": float(np.mean(approx_kls)),
            "clipfrac": float(np.mean(clipfracs)),
            "value_loss": float(v_loss.item()),
            "entropy": float(entropy.item()),
            "explained_variance": _explained_variance(b_values, b_returns),
        }
        row.update(_episode_rates(recent))
        history.append(row)
        bar.update(config.batch_size)
        bar.set_postfix(coin=f"{row['coin_rate']:.2f}", end=f"{row['end_rate']:.2f}", refresh=False)
        for key in recent:
            recent[key] = recent[key][-8:]
        if callback is not None and callback(row, policy):
            break
    bar.close()

    wall = time.perf_counter() - start
    last = history[-1]
    metrics = {
        "wall_time_s": wall,
        "steps_per_s": steps_done / wall,
        "total_steps": steps_done,
        "coin_rate": last["coin_rate"],
        "end_rate": last["end_rate"],
        "death_rate": last["death_rate"],
        "mean_episode_steps": last["mean_episode_steps"],
    }
    return TrainResult(policy=policy.cpu().eval(), config=config, history=history, metrics=metrics)


def _episode_rates(recent: dict[str, list[np.ndarray]]) -> dict[str, float]:
    """Rates over the episodes that finished in the last few rollouts (nan if none finished)."""
    if not recent["steps"] or sum(len(a) for a in recent["steps"]) == 0:
        return {"coin_rate": float("nan"), "end_rate": float("nan"), "death_rate": float("nan"), "mean_episode_steps": float("nan")}
    cat = {k: np.concatenate(v) for k, v in recent.items()}
    return {
        "coin_rate": float(cat["coin_collected"].mean()),
        "end_rate": float(cat["reached_end"].mean()),
        "death_rate": float(cat["died"].mean()),
        "mean_episode_steps": float(cat["steps"].mean()),
    }


def _explained_variance(values: torch.Tensor, returns: torch.Tensor) -> float:
    var = returns.var().item()
    return float("nan") if var == 0 else 1.0 - (returns - values).var().item() / var
