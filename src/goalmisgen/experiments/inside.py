"""Chapter 7, looking inside: probes and steering of data/coinrun_headline's agents
(``python -m goalmisgen regenerate inside``, data/inside).

Probes (``interp.coinrun_probes``): the states ``GoRightAgent`` visits on ``PROBE_LEVELS`` held-out
levels with the coin moved; every headline agent, every positive control and a random-weights
network of the same shape per headline seed; layers input, hidden 1, hidden 2; half the levels fit,
half score. Steering (``interp.steering``): each agent's own coin vector at the last hidden layer,
added at every step, on its good-and-passed moved-coin levels and on levels with the coin at the
end, beside random directions of the same norm.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pandas as pd

from goalmisgen.analysis.stats import crossed_bootstrap_ci, t_interval_over_seeds
from goalmisgen.claims import inside as claims
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import DATA, bools_as_int8, machine_provenance, write_manifest
from goalmisgen.files import write_atomic

HEADLINE = DATA / "coinrun_headline"
GROUPS = ("headline", "control", "random")
PROBE_LAYERS = ("input",) + claims.LAYERS


def shipped_agents(folder: Path = HEADLINE):
    """(group, seed, agent) for data/coinrun_headline's headline agents and positive controls."""
    from goalmisgen.agents import load_agent

    out = []
    for group, prefix in (("headline", "headline"), ("control", "control")):
        for path in sorted(folder.glob(f"{prefix}_seed*.pt")):
            out.append((group, int(path.stem.split("seed")[1]), load_agent(path)))
    return out


def probe_networks(agents):
    """(group, seed, network) of the agents and one random-weights twin per headline seed."""
    from goalmisgen.interp.probes import random_network_like

    nets = [(g, s, a.policy) for g, s, a in agents]
    nets += [("random", s, random_network_like(a.policy, seed=s)) for g, s, a in agents if g == "headline"]
    return nets


def probe_summaries(probes: pd.DataFrame, per_level: pd.DataFrame) -> dict:
    """group -> layer -> label -> {"t": t interval over seeds of the per-seed accuracies, "crossed":
    seeds x held-out levels bootstrap, "shuffled": mean shuffled-label accuracy, "majority"}."""
    out: dict = {}
    real = probes[~probes["shuffled"]]
    for (group, layer, label), rows in real.groupby(["group", "layer", "label"]):
        cells = per_level[(per_level.group == group) & (per_level.layer == layer) & (per_level.label == label)]
        matrix = cells.pivot(index="seed", columns="level", values="accuracy").to_numpy()
        shuffled = probes[probes["shuffled"] & (probes.group == group) & (probes.layer == layer) & (probes.label == label)]
        out.setdefault(group, {}).setdefault(layer, {})[label] = {
            "t": t_interval_over_seeds(rows.sort_values("seed")["accuracy"].to_numpy()),
            "crossed": crossed_bootstrap_ci(matrix, rate_floor=False),
            "shuffled": float(shuffled["accuracy"].mean()), "majority": float(rows["majority"].mean())}
    return out


def good_levels(group: str, seed: int, n: int, folder: Path = HEADLINE) -> np.ndarray:
    """The first ``n`` good-and-passed moved-coin level seeds of an agent in data/coinrun_headline."""
    ep = pd.read_csv(folder / "episodes.csv")
    rows = ep[(ep.training == group) & (ep.seed == seed) & (ep.coin_placement == "random") & (ep.good_passed == 1)]
    return rows["level_seed"].to_numpy(dtype=np.int64)[:n]


def steering_conditions(group: str) -> list[tuple[str, str, float, int | None]]:
    """(placement, direction, coefficient, random seed) played for one agent: the headline agents
    with their coin vector added, the controls with theirs subtracted; random directions of the
    largest coefficient's norm; every edit also where the coin is at the end."""
    top = max(claims.STEER_COEFFICIENTS)
    sign = 1.0 if group == "headline" else -1.0
    out = [("random", "none", 0.0, None)]
    out += [("random", "coin", sign * c, None) for c in claims.STEER_COEFFICIENTS]
    out += [("random", "random", sign * top, r) for r in range(claims.RANDOM_DIRECTIONS)]
    out += [("end", "none", 0.0, None)] + [("end", "coin", sign * c, None) for c in claims.STEER_COEFFICIENTS]
    out += [("end", "random", sign * top, 0)]
    return out


def steer_agent(group: str, seed: int, agent, states, progress=None) -> pd.DataFrame:
    """Every steering condition for one agent: a per-level table."""
    from goalmisgen.interp.steering import coin_vector, play_steered, random_direction

    layer = claims.STEER_LAYER
    vector = coin_vector(agent.policy, layer, states)
    good = good_levels(group, seed, claims.STEER_GOOD_LEVELS)
    end = np.arange(HELD_OUT_START, HELD_OUT_START + claims.STEER_END_LEVELS, dtype=np.int64)
    parts = []
    for placement, direction, coef, r in steering_conditions(group):
        v = None if direction == "none" else vector if direction == "coin" else random_direction(vector, seed=1000 * seed + r)
        played = play_steered(agent, good if placement == "random" else end, placement, layer, v, coef if v is not None else 1.0)
        table = played[["level_seed", "coin_collected", "reached_end", "died"]].copy()
        table.insert(0, "random_seed", -1 if r is None else r)
        table.insert(0, "coefficient", coef)
        table.insert(0, "direction", direction)
        table.insert(0, "placement", placement)
        table.insert(0, "seed", seed)
        table.insert(0, "group", group)
        parts.append(table)
        if progress is not None:
            progress.update(1)
    return pd.concat(parts, ignore_index=True)


def steering_summaries(steer: pd.DataFrame) -> dict:
    """group -> "placement/direction/coefficient" -> outcome -> t interval over seeds of the
    per-seed rates (random directions pooled per seed)."""
    out: dict = {}
    for (group, placement, direction, coef), rows in steer.groupby(["group", "placement", "direction", "coefficient"]):
        per_seed = rows.groupby("seed")[["coin_collected", "reached_end", "died"]].mean()
        out.setdefault(group, {})[f"{placement}/{direction}/{coef:g}"] = {
            k: t_interval_over_seeds(per_seed[k].to_numpy()) for k in per_seed}
    return out


def inside(out_dir: Path | str = DATA / "inside", command: str = "python -m goalmisgen regenerate inside") -> dict:
    """Run the probes and the steering; write ``probes.csv``, ``probe_levels.csv.gz``,
    ``coin_response.csv``, ``steering.csv.gz`` and ``manifest.json`` into ``out_dir``; returns the manifest."""
    from goalmisgen.interp.coinrun_probes import coin_response, probe_table
    from goalmisgen.interp.coinrun_states import coinrun_states
    from goalmisgen.progress import progress_bar

    import torch

    torch.set_num_threads(1)  # small batches: one thread is many times faster than two on a shared machine
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    states = coinrun_states(claims.PROBE_LEVELS)
    agents = shipped_agents()
    nets = probe_networks(agents)
    probes, per_level = probe_table(states, nets, PROBE_LAYERS)
    response = [{"group": g, "seed": s, "layer": layer, "response": r}
                for g, s, net in nets for layer, r in coin_response(net, states, claims.LAYERS).items()]
    probe_wall = time.perf_counter() - start
    start = time.perf_counter()
    n_conditions = sum(len(steering_conditions(g)) for g, _, _ in agents)
    with progress_bar(total=n_conditions, desc="steering") as bar:
        steer = pd.concat([steer_agent(g, s, a, states, bar) for g, s, a in agents], ignore_index=True)
    steer_wall = time.perf_counter() - start
    for name, table in (("probes.csv", probes), ("probe_levels.csv.gz", per_level.round(4)),
                        ("coin_response.csv", pd.DataFrame(response)), ("steering.csv.gz", bools_as_int8(steer))):
        text = table.to_csv(index=False).encode()
        write_atomic(out / name, gzip.compress(text, mtime=0) if name.endswith(".gz") else text)
    description = (f"Linear probes of data/coinrun_headline's 5 headline agents, 3 positive controls and 5 random-weights "
                   f"networks of the same shape, on the states GoRightAgent visits on {claims.PROBE_LEVELS} held-out levels "
                   f"with the coin moved (seeds from {states.level.min()}), half the levels to fit and half to score; and "
                   f"steering with each agent's coin vector at layer {claims.STEER_LAYER}.")
    estimand = ("probe accuracy on held-out levels: mean over seeds with a t interval over per-seed accuracies and a "
                "seeds x levels bootstrap; steering rates: mean over seeds of each seed's rate, t interval over seeds")
    return write_manifest(out, "inside", command, (description, estimand), machine_provenance(), "steering.csv.gz",
                          n_states=len(states), probe_wall_time_s=probe_wall, steering_wall_time_s=steer_wall,
                          files={p.name: p.stat().st_size for p in sorted(out.glob("*.csv*"))},
                          probe_summaries=probe_summaries(probes, per_level),
                          steering_summaries=steering_summaries(steer))
