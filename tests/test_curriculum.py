"""The curriculum: stages of env options, each warm-started from the last, one result."""

import numpy as np
import pytest
import torch

from goalmisgen.agents import PPOConfig
from goalmisgen.agents.curriculum import Stage, stage_configs, train_curriculum
from goalmisgen.experiments.maze import maze


def _base(**kw):
    return PPOConfig(env="maze", env_options={"view": "centred", "max_steps": 30}, num_envs=16, num_steps=16,
                     num_minibatches=2, **kw)


def test_a_two_stage_curriculum_runs_and_records_every_stage():
    stages = [Stage({"max_size": 7}, 512), Stage({"max_size": 11}, 768)]
    result = train_curriculum(_base(), stages, progress=False)
    assert result.config.env_options == {"view": "centred", "max_steps": 30, "max_size": 11}
    assert result.metrics["total_steps"] == 512 + 768 and result.metrics["stages"] == 2
    assert result.metrics["stage0_total_steps"] == 512 and result.metrics["stage1_total_steps"] == 768
    assert [row["stage"] for row in result.history] == [0, 0, 1, 1, 1]
    assert [row["steps"] for row in result.history] == [256, 512, 768, 1024, 1280]
    assert np.all(np.diff([row["time_s"] for row in result.history]) > 0)
    assert np.isfinite(result.metrics["stage1_mean_return"])


def test_the_second_stage_starts_from_the_first_stages_weights():
    first = train_curriculum(_base(), [Stage({"max_size": 7}, 512)], progress=False)
    # a second stage that cannot learn (learning rate 0) ends where the first stage ended
    both = train_curriculum(_base(), [Stage({"max_size": 7}, 512)], progress=False)
    frozen = train_curriculum(_base(learning_rate=0.0), [Stage({"max_size": 9}, 256)], progress=False,
                              initial=both.policy)
    for k, v in frozen.policy.state_dict().items():
        assert torch.equal(v, first.policy.state_dict()[k]), k


def test_stages_are_checked():
    with pytest.raises(ValueError, match="stages=.*non-empty list of Stage"):
        stage_configs(_base(), [])
    with pytest.raises(ValueError, match="total_steps"):
        Stage({"max_size": 7}, 0)
    with pytest.raises(ValueError, match="env_options"):
        Stage(["max_size"], 100)


def test_the_maze_experiment_writes_agents_episodes_and_a_manifest_that_agree(tmp_path):
    import json

    import pandas as pd

    from goalmisgen.agents import load_agent
    from goalmisgen.analysis.stats import rate_ci

    manifest = maze(out_dir=tmp_path, regions=(5,), seeds=(1,), steps=3 * 8192, n_levels=40,
                                progress=False, command="a test")
    assert json.loads((tmp_path / "manifest.json").read_text())["command"] == "a test"
    (entry,) = manifest["agents"]
    agent = load_agent(tmp_path / entry["file"])
    assert agent.env_options == {"view": "centred", "view_radius": 14, "cheese_region": 5, "max_size": 15}
    assert entry["curriculum"] == [{"max_size": 7, "steps": 8192}, {"max_size": 11, "steps": 8192},
                                   {"max_size": 15, "steps": 8192}]
    assert entry["train_metrics"]["total_steps"] == 3 * 8192 and entry["train_metrics"]["stage2_total_steps"] == 8192
    episodes = pd.read_csv(tmp_path / "episodes.csv")
    assert len(episodes) == 2 * 40 and set(episodes["shift"]) == {"train", "test"}
    test = episodes[episodes["shift"] == "test"]
    good = test[test["good"] == 1]
    assert entry["summary"]["test_good"]["cheese_collected"] == rate_ci(int(good["cheese_collected"].sum()), len(good))
    split = test[test["has_decision_square"] == 1]
    assert entry["summary"]["decision_squares"]["with_a_decision_square"] == len(split)
    train_rows = episodes[episodes["shift"] == "train"]
    by_size = entry["summary"]["train"]["cheese_by_maze_size"]
    assert sum(v["n"] for v in by_size.values()) == 40 and set(by_size) == set(train_rows["maze_size"])
    assert manifest["summaries"]["k5"]["test_cheese_collected"]["n_seeds"] == 1


def test_regenerate_maze_checks_its_options_before_any_work():
    from goalmisgen.__main__ import main

    assert main(["regenerate", "maze", "--seeds", "0", "0"]) == 2
    assert main(["regenerate", "maze", "--steps", "10"]) == 2
    assert main(["regenerate", "headline", "--seeds", "1"]) == 2


def test_regenerate_maze_passes_its_seeds_steps_and_command_line(tmp_path, fake_experiment):
    from goalmisgen import __main__ as cli

    calls = []

    def fake_maze(out_dir, **options):
        calls.append(options)
        (out_dir / "manifest.json").parent.mkdir(parents=True, exist_ok=True)
        (out_dir / "manifest.json").write_text("{}")

    fake_experiment("maze", fake_maze, tmp_path)
    assert cli.main(["regenerate", "maze", "--seeds", "0", "2", "--steps", "50000"]) == 0
    assert calls == [{"seeds": (0, 2), "steps": 50000,
                      "command": "python -m goalmisgen regenerate maze --seeds 0 2 --steps 50000"}]
    assert (tmp_path / "maze" / "manifest.json").exists()
