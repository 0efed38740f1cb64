"""The Keys and Chests experiment of chapter 3 (``regenerate keys-chests``): checkpoints along
training, every checkpoint evaluated at both ratios, a resumable run, and the command line."""

import json

import pandas as pd

from goalmisgen.agents import PPOConfig
from goalmisgen.experiments.keys_chests import KEYS_CHESTS_COLUMNS, keys_chests, keys_chests_checkpoint_iterations


def test_checkpoint_iterations_are_distinct_and_end_with_the_final_agent():
    batch = PPOConfig().batch_size
    its = keys_chests_checkpoint_iterations(2_000_000)
    assert its == sorted(set(its)) and its[0] >= 1 and its[-1] == 2_000_000 // batch
    assert keys_chests_checkpoint_iterations(3 * batch) == [1, 2, 3]


def test_a_small_run_writes_its_rows_and_resumes_without_training_again(tmp_path):
    steps = 4 * PPOConfig().batch_size
    out, work = tmp_path / "out", tmp_path / "work"
    manifest = keys_chests(out_dir=out, work_dir=work, seeds=(0, 1), steps=steps, n_levels=12, progress=False)
    rows = pd.read_csv(out / "checkpoints.csv.gz")
    n_checkpoints = len(keys_chests_checkpoint_iterations(steps))
    assert len(rows) == 2 * n_checkpoints * 2 * 12
    assert list(rows.columns) == list(KEYS_CHESTS_COLUMNS)
    test = rows[rows["shift"] == "test"]
    assert (test["num_keys"] == 4).all() and (test["num_chests"] == 2).all()
    assert sorted(p.name for p in out.glob("*.pt")) == ["keys_chests_seed0.pt", "keys_chests_seed1.pt"]
    assert json.loads((out / "manifest.json").read_text())["checkpoint_train_steps"] == manifest["checkpoint_train_steps"]
    stamps = {p.name: p.stat().st_mtime_ns for p in work.glob("*.pt")}
    again = keys_chests(out_dir=out, work_dir=work, seeds=(0, 1), steps=steps, n_levels=12, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in work.glob("*.pt")} == stamps  # nothing trained again
    assert again["training_wall_time_s"] == manifest["training_wall_time_s"]
    assert pd.read_csv(out / "checkpoints.csv.gz").equals(rows)


def test_regenerate_keys_chests_passes_its_seeds_steps_and_command_line(tmp_path, fake_experiment):
    from goalmisgen import __main__ as cli

    calls = []

    def fake(out_dir, work_dir, **options):
        calls.append(options)
        work_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "manifest.json").parent.mkdir(parents=True, exist_ok=True)
        (out_dir / "manifest.json").write_text("{}")

    fake_experiment("keys-chests", fake, tmp_path / "data")
    assert cli.main(["regenerate", "keys-chests", "--seeds", "3", "--steps", "50000"]) == 0
    assert calls == [{"seeds": (3,), "steps": 50000,
                      "command": "python -m goalmisgen regenerate keys-chests --seeds 3 --steps 50000"}]
    assert (tmp_path / "data" / "keys_chests" / "manifest.json").exists()
    assert not (tmp_path / "runs" / "keys_chests").exists()  # the checkpoints go once the folder is swapped in
    assert cli.main(["regenerate", "keys-chests", "--seeds", "1", "1"]) == 2


def test_the_chest_seeker_opens_every_chest_it_can_and_refuses_other_observations():
    import numpy as np
    import pytest

    from goalmisgen.agents.scripted import ChestSeekerAgent
    from goalmisgen.analysis.evaluate import evaluate_game

    for shift in ("train", "test"):
        ev = evaluate_game(ChestSeekerAgent(), n_levels=200, shift=shift)
        assert ev.episodes["opened_max_chests"].all() and not ev.episodes["timed_out"].any()
    with pytest.raises(ValueError, match="obs of shape"):
        ChestSeekerAgent().act(np.zeros((2, 3, 9, 9), dtype=np.uint8))
