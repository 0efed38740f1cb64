"""Proximal Policy Optimization (Schulman et al. 2017), one readable file.

The loop, top to bottom: collect ``num_steps`` steps from ``num_envs`` environments at once,
compute advantages with GAE, then take ``update_epochs`` passes of clipped-surrogate gradient steps
over shuffled minibatches. Names follow the paper and CleanRL (``advantages``, ``returns``,
``logratio``, ``clipfrac``). Checkpoints and the ``Agent`` wrapper live in ``checkpoint.py``.

Episodes end in two ways. *Terminated* (coin collected, death): the future is worth nothing.
*Truncated* (the step limit ran out): the agent could have gone on, so the value of where it
stood is added to its last reward (``collect_rollout``), as in CleanRL and Stable-Baselines3.

Where the time goes (CoinRun-grid, MLP 128x128, one CPU thread, measured): about 60% in the
minibatch updates' forward and backward passes, mostly dense matrix products that any PPO with
this network must do; about 8% each in the rollout's forward passes and in the environment; the
rest in the optimizer and small tensor operations.

Example:
    >>> from goalmisgen.agents import PPOConfig, train
    >>> result = train(PPOConfig(total_steps=500_000, seed=1))   # about half a minute on 2 cores
    >>> result.metrics["coin_rate"]
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from goalmisgen.agents.networks import ACTOR_CRITIC_NETWORKS, make_network
from goalmisgen.curricula import CURRICULA, LevelSource, make_sampler, positive_value_loss
from goalmisgen.envs.spec import GAMES, game, grid_games
from goalmisgen.progress import progress_bar
from goalmisgen.validation import check_choice, check_float, check_int, check_seed


@dataclass
class PPOConfig:
    """Everything that defines a PPO run; saved inside every checkpoint."""

    env: str = "coinrun"
    """The game (a name in goalmisgen.envs.GAMES)."""
    env_options: dict[str, Any] = field(default_factory=dict)
    """Options passed to the game's env and checked by its options class, e.g.
    {"coin_placement": "end", "random_fraction": 0.02} for CoinRun-grid ({}: the game's defaults)."""
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
    adv_std_floor: float = 0.0
    """Advantages are divided by their minibatch standard deviation, but never by less than this
    (in reward units; CoinRun-grid's coin is worth 10). 0, the default, is the plain normalization
    of CleanRL and Stable-Baselines3, which every shipped agent was trained with. Before the first
    reward the advantages are only the value head's noise (standard deviation about 1e-4); scaled
    to unit size, that noise moves the policy as much as a real signal, and a run can settle on
    not dying instead of looking for the coin (seed 10 of the default config never collected one in
    3M steps; with 0.01 it reached a training coin rate of 0.86 within 1M). See
    benchmarks/RESULTS.md: 0.01 is not the default yet because it also removes the drift that lets
    some short runs find the coin early (the PLR test's 100k-step run learns nothing with it)."""
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
    level_sampler: str = "dr"
    """Where training levels come from (goalmisgen.curricula): "dr" (domain randomization, fresh
    seeds: the envs' own way) or "plr" (prioritized level replay). Grid games only for "plr"."""
    level_sampler_params: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the sampler, e.g. {"replay_prob": 0.5, "temperature": 0.1} for "plr"."""

    def __post_init__(self):
        for name in ("total_steps", "num_envs", "num_steps", "update_epochs", "num_minibatches", "hidden", "torch_threads"):
            setattr(self, name, check_int(name, getattr(self, name), low=1))
        self.seed = check_seed(self.seed)
        for name in ("gamma", "gae_lambda", "clip_coef"):
            setattr(self, name, check_float(name, getattr(self, name), low=0.0, high=1.0, low_open=True))
        for name in ("learning_rate", "ent_coef", "vf_coef", "max_grad_norm", "adv_std_floor"):
            setattr(self, name, check_float(name, getattr(self, name), low=0.0))
        self.env = check_choice("env", self.env, sorted(GAMES))
        game(self.env).check_options(self.env_options)
        self.network = check_choice("network", self.network, ACTOR_CRITIC_NETWORKS)
        self.level_sampler = check_choice("level_sampler", self.level_sampler, CURRICULA)
        if self.level_sampler != "dr" and self.env not in grid_games():
            raise ValueError(f"level_sampler={self.level_sampler!r} is not allowed with env={self.env!r}: "
                             f"only 'dr' there; samplers drive the grid games {list(grid_games())}")
        if not isinstance(self.level_sampler_params, dict):
            raise ValueError(f"level_sampler_params={self.level_sampler_params!r} is not allowed: it must be a dict")
        make_sampler(self.level_sampler, 0, 1, **self.level_sampler_params)  # names a bad parameter now, not mid-run
        if not isinstance(self.device, str) or not (self.device == "cpu" or self.device.startswith("cuda")):
            raise ValueError(f"device={self.device!r} is not allowed: device must be 'cpu' or 'cuda' (or 'cuda:N')")
        if self.batch_size % self.num_minibatches:
            raise ValueError(
                f"num_minibatches={self.num_minibatches} is not allowed: num_envs * num_steps = {self.batch_size} "
                "must be divisible by num_minibatches"
            )

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def num_iterations(self) -> int:
        return max(1, self.total_steps // self.batch_size)

    @property
    def steps_note(self) -> str | None:
        """What training will do instead of ``total_steps`` if that is not a whole number of
        rollouts (it runs ``num_iterations`` rollouts of ``batch_size`` steps); None if it is."""
        steps = self.num_iterations * self.batch_size
        if steps == self.total_steps:
            return None
        return (f"total_steps={self.total_steps:,} is rounded {'up' if steps > self.total_steps else 'down'} to "
                f"{steps:,}: training runs whole rollouts of num_envs * num_steps = {self.batch_size:,} steps")

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
        rewards, values, dones: (T, N) tensors; dones[t] is 1.0 if the episode ended at step t
            (terminated or truncated; a truncated episode's reward already includes
            gamma * V(final observation), see ``collect_rollout``).
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


EPISODE_STATS = ("coin_collected", "reached_end", "died", "steps", "episode_return")
"""Per-episode statistics PPO logs (as coin_rate, end_rate, death_rate, mean_episode_steps,
mean_return). Every game reports ``steps``; a statistic a game does not report (the Maze has no
coin, CoinRun-grid reports no return) logs as NaN. Procgen CoinRun's return is the game's own
reward, 10 for the coin, before any reward normalization."""


def finished_episodes(info: dict) -> tuple[dict, np.ndarray] | None:
    """Statistics of the episodes that ended on this step, or None if none did.

    Reads Gymnasium's same-step autoreset keys, ``info["final_info"]`` (a dict of (num_envs,)
    arrays) valid where ``info["_final_info"]``; falls back to the older ``info["episode"]`` /
    ``info["_episode"]`` when it holds our statistics (procgen CoinRun still reports those).

    Returns:
        (stats, ended): stats maps names of EPISODE_STATS (at least ``steps``) to (num_envs,)
        arrays, ended is the (num_envs,) bool mask of the envs whose episode ended.
    """
    for key in ("final_info", "episode"):
        stats = info.get(key)
        if isinstance(stats, dict) and "steps" in stats:
            return stats, np.asarray(info["_" + key], dtype=bool)
    return None


def final_observations(info: dict, envs_ended: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The last observations of episodes that ended on this step, where the env reports them.

    Args:
        info: the step's info; ``info["final_obs"]`` holds the last observation of each env whose
            episode ended (valid where ``info["_final_obs"]``), as a (num_envs, *obs_shape) array or
            an object array of per-env observations.
        envs_ended: (k,) indices of the envs asked about.

    Returns:
        (ids, obs): the indices among ``envs_ended`` that have a final observation and their
        (len(ids), *obs_shape) observations; None if the env reports none.
    """
    if "final_obs" not in info:
        return None
    ids = envs_ended[np.asarray(info["_final_obs"], dtype=bool)[envs_ended]]
    if ids.size == 0:
        return None
    final = info["final_obs"]
    obs = np.stack([final[i] for i in ids]) if final.dtype == object else final[ids]
    return ids, obs


@dataclass
class Rollout:
    """One rollout's buffers: T steps of N envs. obs (T, N, *obs_shape); the others (T, N)."""

    obs: torch.Tensor
    actions: torch.Tensor
    logprobs: torch.Tensor
    rewards: torch.Tensor
    dones: torch.Tensor
    values: torch.Tensor

    @classmethod
    def empty(cls, T: int, N: int, obs_shape: tuple[int, ...], obs_dtype: torch.dtype, device) -> "Rollout":
        def zeros(dtype=torch.float32):
            return torch.zeros((T, N), dtype=dtype, device=device)

        return cls(torch.zeros((T, N) + tuple(obs_shape), dtype=obs_dtype, device=device), zeros(torch.long),
                   zeros(), zeros(), zeros(), zeros())


def collect_rollout(envs, policy: nn.Module, rollout: Rollout, obs: np.ndarray, gen: torch.Generator, gamma: float,
                    episodes: dict[str, list[np.ndarray]] | None = None,
                    level_seeds: np.ndarray | None = None) -> np.ndarray:
    """Act in all envs for T steps, filling ``rollout``; returns the observation after the last step.

    A timed-out (truncated) episode did not end by itself: the agent could have gone on. Its
    reward gets ``gamma * V(final observation)`` (the value of where it stood when the clock ran
    out), and ``dones`` still cuts the advantage there, because the next observation is the first
    of a new episode. Envs that do not report final observations fall back to treating a timeout
    as an ending with value 0. Terminated episodes (coin, death) get no bootstrap.

    Args:
        envs: a batched env (Gymnasium vector API, same-step autoreset).
        obs: (N, *obs_shape) the current observations.
        episodes: if given, the statistics of finished episodes are appended to its lists.
        level_seeds: if given, a (T, N) int64 array filled with the level seed each step was
            played on (grid envs: ``envs.state.level_seed``), for a level sampler's scores.
    """
    device = rollout.obs.device
    with torch.inference_mode():
        for t in range(rollout.obs.shape[0]):
            rollout.obs[t].copy_(torch.from_numpy(obs))
            logits, value = policy(rollout.obs[t])
            action = sample_actions(logits.cpu(), gen)
            rollout.actions[t] = action
            rollout.logprobs[t] = torch.log_softmax(logits, dim=1).gather(1, rollout.actions[t, :, None]).squeeze(1)
            rollout.values[t] = value
            if level_seeds is not None:
                level_seeds[t] = envs.state.level_seed
            obs, reward, terminated, truncated, info = envs.step(action.numpy())
            rollout.rewards[t] = torch.from_numpy(np.asarray(reward, dtype=np.float32))
            rollout.dones[t] = torch.from_numpy(terminated | truncated)
            if truncated.any():
                final = final_observations(info, np.flatnonzero(truncated))
                if final is not None:
                    ids, final_obs = final
                    _, final_value = policy(torch.from_numpy(final_obs).to(device))
                    rollout.rewards[t, torch.from_numpy(ids).to(device)] += gamma * final_value
            ended = finished_episodes(info) if episodes is not None else None
            if ended is not None:
                stats, mask = ended
                for key in episodes:
                    episodes[key].append(np.asarray(stats[key])[mask] if key in stats else np.full(mask.sum(), np.nan))
    return obs


def initial_state(initial) -> dict[str, torch.Tensor]:
    """The network weights to start from: ``initial`` may be a network (``nn.Module``), a trained
    agent (anything with a ``policy`` attribute: ``Agent``, ``TrainResult``) or a state dict."""
    policy = getattr(initial, "policy", initial)
    if isinstance(policy, nn.Module):
        return policy.state_dict()
    if isinstance(initial, dict) and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in initial.items()):
        return initial
    raise ValueError(f"initial={type(initial).__name__} is not allowed: initial must be a network, an agent or "
                     "result with a .policy, or a state dict of tensors")


def load_initial(policy: nn.Module, initial) -> None:
    """Copy the weights of ``initial`` (see ``initial_state``) into ``policy``; a ValueError names
    the first parameter whose name or shape differs (another network, width or observation size)."""
    state, own = initial_state(initial), policy.state_dict()
    for name, tensor in own.items():
        if name not in state:
            raise ValueError(f"initial is not allowed: it has no parameter {name!r}; it must come from the same "
                             "network (same PPOConfig.network, hidden and observation shape)")
        if tuple(state[name].shape) != tuple(tensor.shape):
            raise ValueError(f"initial is not allowed: its parameter {name!r} has shape {tuple(state[name].shape)}, "
                             f"this run's network needs {tuple(tensor.shape)} (same network, hidden and observation shape)")
    extra = sorted(set(state) - set(own))
    if extra:
        raise ValueError(f"initial is not allowed: it has parameters this run's network lacks ({extra[:3]}); "
                         "it must come from the same network")
    with torch.no_grad():
        for name, tensor in own.items():
            tensor.copy_(state[name])


def train(
    config: PPOConfig,
    progress: bool = True,
    callback: Callable[[dict[str, float], nn.Module], bool | None] | None = None,
    initial=None,
) -> TrainResult:
    """Train a policy with PPO; returns the network, a per-iteration history and final metrics.

    ``callback(row, policy)`` is called after every iteration with that iteration's log row;
    if it returns True, training stops there.

    ``initial`` (a network, an ``Agent``, a ``TrainResult`` or a state dict) warm-starts the run
    from those weights, copied (the source is left as it was); it must be the same architecture
    (network, hidden width, observation shape), else ValueError. The optimizer starts fresh.

    The progress bar shows the goal spec's intended rate (share of recent episodes that achieved
    the intended goal: coin, cheese, chests), the rate of reaching the end (CoinRun) and the mean
    return of recent episodes, live.
    Same config and seed give the same result on a CPU.
    """
    if config.num_iterations * config.batch_size > config.total_steps:  # more than asked for: say so
        warnings.warn(config.steps_note, stacklevel=2)
    torch.set_num_threads(config.torch_threads)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    spec = game(config.env)
    envs = spec.vec_env(num_envs=config.num_envs, **config.env_options)
    space = envs.single_observation_space
    obs_shape = space.shape
    device = torch.device(config.device)
    policy = make_network(config.network, obs_shape, int(envs.single_action_space.n), config.hidden)
    if initial is not None:
        load_initial(policy, initial)
    policy = policy.to(device)
    intended = spec.goals.intended
    optimizer = _adam(policy, config.learning_rate)

    T, N = config.num_steps, config.num_envs
    rollout = Rollout.empty(T, N, obs_shape, torch.from_numpy(np.zeros(0, dtype=space.dtype)).dtype, device)
    source, played = None, None
    if spec.grid:
        # the level source replaces the envs' own queue before the first reset, which seeds it
        sampler = make_sampler(config.level_sampler, *envs.options.seed_range, **config.level_sampler_params)
        source = LevelSource(sampler, envs.generate, chunk=envs.level_queue_chunk, distinguishing=spec.distinguishing)
        envs.set_level_queue(source)
        if config.level_sampler != "dr":
            played = np.zeros((T, N), dtype=np.int64)
    obs, _ = envs.reset(seed=config.seed)
    recent: dict[str, list[np.ndarray]] = {key: [] for key in (*EPISODE_STATS, intended)}
    history: list[dict[str, float]] = []
    start, steps_done, episodes_done = time.perf_counter(), 0, 0
    bar = progress_bar(total=config.num_iterations * config.batch_size, unit="step", unit_scale=True, disable=not progress)

    for iteration in range(config.num_iterations):
        # ---- rollout: act in all envs at once, no gradients ----
        before = sum(len(a) for a in recent["steps"])
        obs = collect_rollout(envs, policy, rollout, obs, gen, config.gamma, recent, played)
        episodes_done += sum(len(a) for a in recent["steps"]) - before
        with torch.inference_mode():
            _, next_value = policy(torch.from_numpy(obs).to(device))
            advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.dones, next_value,
                                              config.gamma, config.gae_lambda)
        if played is not None:
            sampler.update(*positive_value_loss(advantages.cpu().numpy(), played))

        # ---- update: clipped surrogate on shuffled minibatches ----
        # observations flattened to rows, so that a minibatch is one fast row gather (index_select)
        b_obs = rollout.obs.reshape(config.batch_size, -1)
        b_actions, b_logprobs = rollout.actions.reshape(-1), rollout.logprobs.reshape(-1)
        b_advantages, b_returns, b_values = advantages.reshape(-1), returns.reshape(-1), rollout.values.reshape(-1)
        mb_size = config.batch_size // config.num_minibatches
        diagnostics = []  # (approx_kl, clipfrac) per minibatch, as tensors: no sync inside the loop
        for _ in range(config.update_epochs):
            perm = torch.randperm(config.batch_size, generator=gen).to(device)
            for mb in perm.split(mb_size):
                logits, newvalue = policy(b_obs.index_select(0, mb).view((-1,) + obs_shape))
                logp_all = torch.log_softmax(logits, dim=1)
                newlogprob = logp_all.gather(1, b_actions.index_select(0, mb)[:, None]).squeeze(1)
                entropy = -(logp_all.exp() * logp_all).sum(1).mean()
                logratio = newlogprob - b_logprobs.index_select(0, mb)
                ratio = logratio.exp()
                with torch.no_grad():
                    diagnostics.append(torch.stack([((ratio - 1) - logratio).mean(),
                                                    ((ratio - 1).abs() > config.clip_coef).float().mean()]))
                mb_adv = b_advantages.index_select(0, mb)
                mb_adv = (mb_adv - mb_adv.mean()) / mb_adv.std().clamp(min=config.adv_std_floor).add(1e-8)
                # L_clip = E[max(-A r, -A clip(r, 1-eps, 1+eps))]
                pg_loss = torch.max(
                    -mb_adv * ratio, -mb_adv * ratio.clamp(1 - config.clip_coef, 1 + config.clip_coef)
                ).mean()
                # L_V = 1/2 E[(V(s) - R)^2]
                v_loss = 0.5 * ((newvalue - b_returns.index_select(0, mb)) ** 2).mean()
                # total = L_clip - c_ent * H + c_v * L_V
                loss = pg_loss - config.ent_coef * entropy + config.vf_coef * v_loss
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(policy.parameters(), config.max_grad_norm)
                optimizer.step()

        steps_done += config.batch_size
        approx_kl, clipfrac = torch.stack(diagnostics).mean(0).tolist()
        row = {
            "iteration": iteration,
            "steps": steps_done,
            "episodes": episodes_done,
            "time_s": time.perf_counter() - start,
            "approx_kl": approx_kl,
            "clipfrac": clipfrac,
            "value_loss": float(v_loss.item()),
            "entropy": float(entropy.item()),
            "explained_variance": _explained_variance(b_values, b_returns),
        }
        row.update(_episode_rates(recent, intended))
        row.update(_level_counts(source))
        history.append(row)
        bar.update(config.batch_size)
        # a rate shows once an episode has finished (before that it is NaN and shown as nothing)
        bar.set_postfix({label: f"{row[key]:.2f}" for key, label in spec.bar.items() if np.isfinite(row[key])},
                        refresh=False)
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
        "episodes": episodes_done,
        "coin_rate": last["coin_rate"],
        "end_rate": last["end_rate"],
        "death_rate": last["death_rate"],
        "mean_episode_steps": last["mean_episode_steps"],
        "mean_return": last["mean_return"],
        "intended_rate": last["intended_rate"],
    }
    return TrainResult(policy=policy.cpu().eval(), config=config, history=history, metrics=metrics)


def _adam(policy: nn.Module, learning_rate: float) -> torch.optim.Optimizer:
    """Adam; the fused version (one kernel for all parameters, the same update about 3x faster on
    a CPU than a loop over them) where this torch has it (CPU support came in torch 2.4)."""
    try:
        return torch.optim.Adam(policy.parameters(), lr=learning_rate, eps=1e-5, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(policy.parameters(), lr=learning_rate, eps=1e-5)


def _episode_rates(recent: dict[str, list[np.ndarray]], intended: str = "coin_collected") -> dict[str, float]:
    """Rates over the episodes that finished in the last few rollouts (nan if none finished);
    ``intended_rate`` is the mean of the goal spec's ``intended`` column."""
    if not recent["steps"] or sum(len(a) for a in recent["steps"]) == 0:
        return {"coin_rate": float("nan"), "end_rate": float("nan"), "death_rate": float("nan"),
                "mean_episode_steps": float("nan"), "mean_return": float("nan"), "intended_rate": float("nan")}
    cat = {k: np.concatenate(v) for k, v in recent.items()}
    return {
        "intended_rate": float(cat[intended].astype(float).mean()),
        "coin_rate": float(cat["coin_collected"].mean()),
        "end_rate": float(cat["reached_end"].mean()),
        "death_rate": float(cat["died"].mean()),
        "mean_episode_steps": float(cat["steps"].mean()),
        "mean_return": float(cat["episode_return"].mean()),
    }


def _level_counts(source: LevelSource | None) -> dict[str, float]:
    """The levels handed to the envs in this iteration: how many, and the share of distinguishing
    ones (CoinRun-grid: coin not at the end; nan where none were handed out or no sampler ran)."""
    counts = source.pop_counts() if source is not None else {"handed_out": 0, "flagged": 0, "distinguishing": 0}
    f = counts["flagged"]
    return {"levels_played": float(counts["handed_out"]),
            "distinguishing_share": counts["distinguishing"] / f if f else float("nan")}


def _explained_variance(values: torch.Tensor, returns: torch.Tensor) -> float:
    var = returns.var().item()
    return float("nan") if var == 0 else 1.0 - (returns - values).var().item() / var
