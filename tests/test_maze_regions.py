"""The Maze region-size sweep (``maze_regions``): what k means, which shipped agents it
reuses, and one tiny run end to end on the serial backend."""

import json

import numpy as np
import pandas as pd
import pytest

from goalmisgen.envs.maze.levels import generate_levels
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.common import SweepRunner
from goalmisgen.experiments.maze import MAZE_LEVELS, MAZE_OPTIONS, MAZE_STEPS, maze, maze_curriculum, maze_stages
from goalmisgen.experiments.maze_regions import (MAZE_REGION_COLUMNS, MAZE_REGION_SWEEP, MazeRegionGrid, cheese_in_region,
                                                 maze_region_configs, maze_region_share, maze_region_threshold,
                                                 maze_region_trial, maze_regions, reusable_maze_agents)

SEEDS = np.arange(HELD_OUT_START, HELD_OUT_START + 2000)


@pytest.mark.parametrize("size", [5, 9, 15])
def test_a_region_as_wide_as_the_maze_is_cheese_anywhere(size):
    region = generate_levels(SEEDS, size, size, "region", size)
    anywhere = generate_levels(SEEDS, size, size, "anywhere", 1)
    assert (region.cheese_x == anywhere.cheese_x).all() and (region.cheese_y == anywhere.cheese_y).all()


def test_a_stage_narrower_than_k_uses_its_whole_grid_and_the_others_are_unchanged():
    assert maze_stages(MAZE_STEPS, 5) == maze_stages(MAZE_STEPS)  # the shipped agents' stages
    stages = maze_stages(MAZE_STEPS, 8)
    assert [s.env_options for s in stages] == [{"max_size": 7, "cheese_region": 7}, {"max_size": 11}, {"max_size": 15}]
    assert [s.env_options.get("cheese_region") for s in maze_stages(MAZE_STEPS, 15)] == [7, 11, None]
    # k = 8 in mazes up to 7 x 7 is the whole maze, exactly as k = 7 there
    wide, whole = generate_levels(SEEDS, 5, 7, "region", 7), generate_levels(SEEDS, 5, 7, "anywhere", 1)
    assert (wide.cheese_x == whole.cheese_x).all() and (wide.cheese_y == whole.cheese_y).all()


def test_the_region_share_grows_with_k_from_the_corner_to_every_square():
    shares = [maze_region_share(k, 300) for k in MAZE_REGION_SWEEP]
    assert 0 < shares[0] < 0.05 and shares[-1] == 1.0
    assert all(a < b for a, b in zip(shares, shares[1:]))
    inside = cheese_in_region(1, 300)
    assert 0 < inside.sum() < 30 and cheese_in_region(15, 300).all()


def _fake_maze_dir(tmp_path, steps=MAZE_STEPS, n_levels=MAZE_LEVELS, regions=(1, 5), seeds=(0, 1, 2)):
    folder = tmp_path / "maze"
    folder.mkdir()
    agents = []
    for k in regions:
        for s in seeds:
            (folder / f"maze_k{k}_seed{s}.pt").write_bytes(b"")
            agents.append({"file": f"maze_k{k}_seed{s}.pt", "cheese_region": k, "seed": s,
                           "config": {"env_options": {**MAZE_OPTIONS, "cheese_region": k, "max_size": 15}},
                           "curriculum": maze_curriculum(steps)})
    (folder / "manifest.json").write_text(json.dumps({"steps_per_agent": steps, "n_levels": n_levels, "agents": agents}))
    return folder


def test_reuse_takes_only_shipped_agents_with_the_same_settings(tmp_path):
    folder = _fake_maze_dir(tmp_path)
    configs = maze_region_configs(MazeRegionGrid((1, 2, 5), (0, 1, 2, 3)))
    found = reusable_maze_agents(folder, configs)
    assert sorted(found) == [(k, s) for k in (1, 5) for s in (0, 1, 2)]
    assert found[(5, 2)] == folder / "maze_k5_seed2.pt"
    assert reusable_maze_agents(folder, maze_region_configs(MazeRegionGrid((1,), (0,), steps=MAZE_STEPS // 2))) == {}
    assert reusable_maze_agents(folder, maze_region_configs(MazeRegionGrid((1,), (0,), n_levels=10))) == {}
    assert reusable_maze_agents(None, configs) == {} and reusable_maze_agents(tmp_path / "none", configs) == {}
    (folder / "maze_k1_seed0.pt").unlink()  # a checkpoint that is not there is not reused
    assert (1, 0) not in reusable_maze_agents(folder, configs)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["agents"][-1]["config"]["env_options"]["view_radius"] = 7  # other options: another agent
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert (5, 2) not in reusable_maze_agents(folder, configs)


def test_bad_region_sweep_input_is_refused():
    with pytest.raises(ValueError, match="cheese_region"):
        maze_region_configs(MazeRegionGrid((0, 5)))
    with pytest.raises(ValueError, match="must differ"):
        maze_region_configs(MazeRegionGrid((5, 5)))
    with pytest.raises(ValueError, match="lacks"):
        maze_region_trial({"cheese_region": 5, "seed": 0, "steps": 10})
    with pytest.raises(ValueError, match="retrain_check"):
        maze_regions(retrain_check="yes")


def test_the_threshold_is_the_smallest_k_whose_ci_clears_one_half():
    per_k = {f"k{k}": {"cheese_region": k, "test_good_cheese_collected": {"ci_low": low}}
             for k, low in ((1, 0.0), (3, 0.51), (2, 0.49), (8, 0.7))}
    assert maze_region_threshold(per_k)["k"] == 3
    per_k["k3"]["test_good_cheese_collected"]["ci_low"] = 0.3
    assert maze_region_threshold(per_k)["k"] == 8
    per_k["k8"]["test_good_cheese_collected"]["ci_low"] = 0.1
    assert maze_region_threshold(per_k)["k"] is None


def test_a_tiny_sweep_reuses_a_maze_agent_exactly_and_trains_the_rest(tmp_path):
    """The shipped agent is trained and re-evaluated in this process on this machine, so here (and
    only here) the reuse and the retrained check are exact by construction."""
    steps, n_levels = 3 * 8192, 12
    shipped = maze(out_dir=tmp_path / "maze", regions=(1,), seeds=(0,), steps=steps, n_levels=n_levels, progress=False)
    manifest = maze_regions(out_dir=tmp_path / "out", records_dir=tmp_path / "runs",
                            grid=MazeRegionGrid((1, 15), (0,), steps=steps, n_levels=n_levels), reuse=tmp_path / "maze",
                            runner=SweepRunner(backend="serial", progress=False))
    trials = {t["config"]["cheese_region"]: t for t in manifest["trials"]}
    assert trials[1]["source"].startswith("maze") and trials[1]["matches_shipped_rows"] is True
    assert set(trials[1]["rerun_agreement"].values()) == {"identical"}
    assert trials[15]["source"] == "trained here" and (tmp_path / "runs" / trials[15]["key"] / "agent.pt").is_file()
    check = manifest["reuse"]["retrained_check"]
    assert check["config"]["cheese_region"] == 1 and check["identical"] is True, check
    assert check["agreement"] is None  # one seed predicts no other
    assert trials[1]["train_metrics"]["total_steps"] == shipped["agents"][0]["train_metrics"]["total_steps"]
    episodes = pd.read_csv(tmp_path / "out" / "episodes.csv.gz")
    assert list(episodes.columns) == list(MAZE_REGION_COLUMNS) and len(episodes) == 2 * 2 * n_levels
    old = pd.read_csv(tmp_path / "maze" / "episodes.csv")
    new = episodes[episodes["k"] == 1].reset_index(drop=True)
    assert (new["cheese_collected"].to_numpy() == old["cheese_collected"].to_numpy()).all()
    k15 = episodes[episodes["k"] == 15]
    train, test = (k15[k15["shift"] == s].reset_index(drop=True) for s in ("train", "test"))
    assert train["cheese_collected"].equals(test["cheese_collected"])  # k = 15 trains on the test distribution
    assert test["cheese_in_region"].all() and train["cheese_in_region"].all()
    per_k = manifest["summaries"]["per_k"]
    assert set(per_k) == {"k1", "k15"} and per_k["k15"]["region_share"] == 1.0
    assert per_k["k15"]["test_good_outside_cheese_collected"] is None
    assert manifest["summaries"]["pursuit_threshold"]["k"] in (None, 1, 15)
    assert manifest["agents_shipped"] is False and not list((tmp_path / "out").glob("*.pt"))


def test_the_command_line_takes_sweep_and_seed_options_for_maze_regions_and_checks_them(capsys):
    from goalmisgen.__main__ import _check_regenerate_args, _parser, _selected, main
    from goalmisgen.experiments.registry import EXPERIMENTS

    args = _parser().parse_args(["regenerate", "maze-regions", "--workers", "2", "--seeds", "0", "1", "--steps", "50000"])
    options = _check_regenerate_args(args, _selected(args))
    assert options == {"runner": SweepRunner(workers=2), "seeds": (0, 1), "steps": 50000,
                       "command": "python -m goalmisgen regenerate maze-regions --seeds 0 1 --steps 50000"}
    assert EXPERIMENTS["maze-regions"].options(**options) == {
        "runner": SweepRunner(workers=2), "grid": MazeRegionGrid(seeds=(0, 1), steps=50000),
        "command": "python -m goalmisgen regenerate maze-regions --seeds 0 1 --steps 50000"}
    assert main(["regenerate", "maze-regions", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["regenerate", "maze-regions", "--seeds", "1", "1"]) == 2
    assert main(["regenerate", "maze", "--workers", "2"]) == 2


def test_the_region_sweep_figure_draws_both_rates_per_k_with_the_threshold():
    import matplotlib

    matplotlib.use("Agg")
    from goalmisgen.analysis.plots import REGION_METRICS, region_sweep_alt_text, region_sweep_figure, region_sweep_table

    per_k = {f"k{k}": {"cheese_region": k, "region_share": maze_region_share(k, 100),
                       **{m: {"mean": mean, "ci_low": mean - 0.05, "ci_high": mean + 0.05, "n_seeds": 3}
                          for m, mean in zip(REGION_METRICS, (0.1 + k / 20, 0.9 - k / 20, 0.6))}}
             for k in (1, 3, 8)}
    table = region_sweep_table(per_k)
    assert len(table) == 3 * len(REGION_METRICS) and list(table["k"][:3]) == [1, 3, 8]
    runs = pd.DataFrame({"k": [1, 8], "seed": [0, 0], "metric": ["test_good_cheese_collected"] * 2, "rate": [0.1, 0.5]})
    fig = region_sweep_figure(table, runs, threshold=8)
    ax = fig.axes[0]
    assert len(ax.lines) == len(REGION_METRICS) + 2  # three series, the threshold and the one-half line
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["1", "3", "8"]
    assert "k = 1 reach the cheese 15%" in region_sweep_alt_text(table)
