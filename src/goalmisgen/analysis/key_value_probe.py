"""Probe a Keys and Chests agent's critic at the keys it picks up: does its value estimate jump when
it takes a key it cannot use?

PPO's value head ``V(s)`` predicts the discounted return from each state. Over one step the return
that actually follows changes by ``G_{t+1} - G_t`` (with no reward on the step, ``G_t = gamma *
G_{t+1}``, so a small rise). If the critic has learned that keys are worth something in themselves,
its estimate rises by more than that when a key is picked up, also when the key is **spare** (the
keys already held cover every closed chest, so the new one can open nothing). ``key_pickups`` plays
rooms and returns, per step, the critic's jump and the return's jump, with the step's kind: a spare
key, a needed key, or an ordinary step (nothing picked up or opened).

One caution: at the test ratio an agent can hold three or four keys, which lights inventory squares
it never saw lit in training (two keys at most), so the critic's estimate after a spare key is read
off a state outside its training distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from goalmisgen.analysis.evaluate import played_options
from goalmisgen.analysis.evaluation import check_levels, play_once
from goalmisgen.envs.grid.options import HELD_OUT_START
from goalmisgen.envs.keys_chests import CHEST_REWARD, KeysChestsVecEnv
from goalmisgen.validation import check_choice, check_seed

STEP_KINDS = ("spare key", "needed key", "ordinary")


def key_pickups(agent, n_levels: int = 500, start_level: int = HELD_OUT_START, shift: str = "test",
                seed: int = 0) -> pd.DataFrame:
    """Play each room once and record the critic around every step.

    Args:
        agent: a trained Keys and Chests agent (``load_agent``: ``act`` and a ``policy`` returning
            (logits, value)).
        shift: "test" (keys plentiful) or "train".

    Returns:
        DataFrame, one row per step that has a next state in the same episode: ``level``, ``t``,
        ``kind`` (``STEP_KINDS``), ``value_jump`` (V(s_{t+1}) - V(s_t)) and ``return_jump``
        (G_{t+1} - G_t, the discounted return that actually followed, gamma from training).
    """
    if not hasattr(agent, "policy") or getattr(agent, "env", None) != "keys-chests":
        raise ValueError(f"agent {agent!r} is not allowed: key_pickups needs a trained Keys and Chests agent (load_agent)")
    n_levels, start_level = check_levels(n_levels, start_level)
    check_choice("shift", shift, ("train", "test"))
    seed = check_seed(seed)
    gamma = agent.config.get("gamma") if isinstance(agent.config, dict) else agent.config.gamma
    env = KeysChestsVecEnv(num_envs=n_levels, **played_options(agent, shift))
    obs, _ = env.reset(seed=seed, options={"level_seeds": np.arange(start_level, start_level + n_levels)})
    agent.seed(seed)
    s = env.state
    rows = []

    def record(ids, obs, actions):
        with torch.inference_mode():
            _, value = agent.policy(torch.from_numpy(obs).to(agent.device))
        rows.append((ids, s.t[ids].copy(), value.float().cpu().numpy(), s.keys_held[ids].copy(),
                     s.keys_collected[ids].copy(), s.chests_opened[ids].copy(), s.chest_closed[ids].sum(axis=1)))

    final = play_once(env, agent, obs, before_step=record)
    level, t, value, held, collected, opened, closed = (np.concatenate(p) for p in zip(*rows))
    table = pd.DataFrame({"level": level, "t": t, "value": value, "held": held, "collected": collected,
                          "opened": opened, "closed": closed}).sort_values(["level", "t"], ignore_index=True)
    nxt = table.groupby("level").shift(-1)
    last = nxt["opened"].isna()  # the episode's last step: what came after is the episode's end
    next_opened = nxt["opened"].fillna(pd.Series(final["chests_opened"][table["level"]], index=table.index))
    next_collected = nxt["collected"].fillna(pd.Series(final["keys_collected"][table["level"]], index=table.index))
    reward = ((next_opened - table["opened"]) * CHEST_REWARD).to_numpy()
    returns = np.zeros(len(table))  # the discounted return from each recorded state, summed backwards per level
    for idx in table.groupby("level").indices.values():
        g = 0.0
        for i in idx[::-1]:
            returns[i] = g = reward[i] + gamma * g
    next_return = pd.Series(returns, index=table.index).groupby(table["level"]).shift(-1)
    table = table.assign(next_value=nxt["value"], next_return=next_return, reward=reward, returns=returns,
                         picked=next_collected > table["collected"])[~last]
    reward, picked = table["reward"], table["picked"]
    kind = np.where(picked & (table["held"] >= table["closed"]), "spare key",
                    np.where(picked, "needed key", np.where(reward > 0, "chest", "ordinary")))
    out = pd.DataFrame({"level": table["level"].to_numpy(), "t": table["t"].to_numpy(), "kind": kind,
                        "value_jump": (table["next_value"] - table["value"]).to_numpy(),
                        "return_jump": (table["next_return"] - table["returns"]).to_numpy()})
    return out[out["kind"] != "chest"].reset_index(drop=True)
