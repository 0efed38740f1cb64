"""The MLP's first layer, dense against gather-sum (``OneHotLinear``), on CoinRun-grid views.

Run:  python benchmarks/first_layer.py
Prints the best of 5 x 15 timings (ms) of a forward and backward pass of the whole MLPPolicy on a
2048-view minibatch (as in a PPO update) and of a forward pass on 256 views (as in a rollout), for
the same weights with a dense first layer and with the gather-sum one, alternated so that the
machine's load hits both; and the mean number of ones per view.
"""

from __future__ import annotations

import os
import time

import numpy as np
import torch
from torch import nn

from goalmisgen.agents.networks import MLPPolicy
from goalmisgen.envs import make_vec_env


def best_ms(f, n: int = 15) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def main() -> None:
    torch.set_num_threads(1)
    env = make_vec_env("coinrun", 2048)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(30):
        obs, *_ = env.step(rng.integers(0, int(env.single_action_space.n), 2048))
    x = torch.from_numpy(np.ascontiguousarray(obs))
    gather = MLPPolicy(obs.shape[1:], int(env.single_action_space.n))
    dense = MLPPolicy(obs.shape[1:], int(env.single_action_space.n))
    dense.body[1] = nn.Linear(dense.body[1].in_features, dense.body[1].out_features)
    dense.load_state_dict(gather.state_dict())
    nets = {"dense": lambda v: dense(v.float()), "gather-sum": gather}

    def update(net):
        logits, value = net(x)
        (logits.sum() + value.sum()).backward()

    rows = {f"{k} {what}": [] for what in ("fwd+bwd 2048", "fwd 256") for k in nets}
    for _ in range(5):
        for k, net in nets.items():
            rows[f"{k} fwd+bwd 2048"].append(best_ms(lambda: update(net)))
            with torch.inference_mode():
                rows[f"{k} fwd 256"].append(best_ms(lambda: net(x[:256])))
    print(f"load average {os.getloadavg()[0]:.1f}; ones per view {float((x != 0).sum(dim=(1, 2, 3)).float().mean()):.1f} "
          f"of {x[0].numel()}")
    for k, v in rows.items():
        print(f"{k}: {min(v):.2f} ms")


if __name__ == "__main__":
    main()
