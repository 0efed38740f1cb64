"""The sweep runner: keys, resuming, failures, bad input, and the same records on every backend."""

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pytest

from goalmisgen import sweeps
from goalmisgen.sweeps import SweepError, TrialOutput, comparable, config_key, demo_trial, load_records, run_sweep
from goalmisgen.envs.grid import HELD_OUT_START
from goalmisgen.experiments.coin_support import SUPPORT_COLUMNS, SUPPORT_FRACTION, coin_support
from goalmisgen.experiments.common import SweepRunner
from goalmisgen.experiments.randomization_sweep import CoinGrid, randomization_sweep

CONFIGS = [{"seed": s, "n": 50 + s} for s in range(4)]

calls = []


def counting_trial(config):
    """demo_trial that also notes each call (serial backend only: the list lives in this process)."""
    calls.append(config["seed"])
    return demo_trial(config)


def trial_with_file(config):
    return TrialOutput(demo_trial(config), files={"draws.npy": np.arange(config["n"]).tobytes()})


def ppo_trial(config):
    """A few PPO updates on CoinRun-grid: deterministic given the seed, with one torch thread."""
    from goalmisgen.agents import PPOConfig, train

    result = train(PPOConfig(total_steps=1024, num_envs=32, num_steps=16, seed=config["seed"]), progress=False)
    weights = [float(p.detach().double().sum()) for p in result.policy.parameters()]
    return {"weight_sums": weights, "episodes": int(result.metrics["episodes"])}


def test_key_is_stable_and_ignores_field_order():
    a = {"seed": 1, "p": 0.005, "env": {"coin_placement": "end", "random_fraction": 0.005}}
    b = {"env": {"random_fraction": 0.005, "coin_placement": "end"}, "p": 0.005, "seed": 1}
    assert config_key(a) == config_key(b)
    # the key is a pure function of the canonical JSON (the same on every machine and run)
    assert config_key({"seed": 0}) == hashlib.sha256(b'{"seed":0}').hexdigest()
    assert sweeps.canonical_json(a) == '{"env":{"coin_placement":"end","random_fraction":0.005},"p":0.005,"seed":1}'
    assert len(config_key(a)) == 64
    assert config_key({"seed": np.int64(1)}) == config_key({"seed": 1})  # numpy scalars are plain numbers
    assert config_key({"seed": 1}) != config_key({"seed": 2})
    assert config_key({"seed": 1}) != config_key({"seed": 1.0})  # an int and a float differ


def test_dataclass_configs_are_keyed_like_their_dicts():
    @dataclass
    class Config:
        seed: int
        n: int

    assert config_key(Config(3, 10)) == config_key({"n": 10, "seed": 3})


def test_sweep_writes_one_record_per_trial_in_config_order(tmp_path):
    records = run_sweep(demo_trial, CONFIGS, tmp_path, backend="serial", progress=False)
    assert [r["config"] for r in records] == CONFIGS
    assert [r["result"] for r in records] == [demo_trial(c) for c in CONFIGS]
    on_disk = load_records(tmp_path)
    assert sorted(on_disk) == sorted(config_key(c) for c in CONFIGS)
    for r in records:
        assert json.loads((tmp_path / f"{r['key']}.json").read_text()) == r
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_resume_skips_trials_that_have_a_record(tmp_path):
    calls.clear()
    run_sweep(counting_trial, CONFIGS[:2], tmp_path, backend="serial", progress=False)
    assert calls == [0, 1]
    calls.clear()
    records = run_sweep(counting_trial, CONFIGS, tmp_path, backend="serial", progress=False)
    assert calls == [2, 3]  # only the two new configs ran
    assert [r["config"]["seed"] for r in records] == [0, 1, 2, 3]
    calls.clear()
    run_sweep(counting_trial, list(reversed(CONFIGS)), tmp_path, backend="serial", progress=False)
    assert calls == []


def test_a_failing_trial_is_recorded_raised_and_retried(tmp_path):
    configs = CONFIGS[:2] + [{"seed": 9, "n": 5, "fail": True}]
    with pytest.raises(SweepError, match="1 trial\\(s\\) failed.*demo_trial was asked to fail \\(seed 9\\)") as info:
        run_sweep(demo_trial, configs, tmp_path, backend="serial", progress=False)
    bad = config_key(configs[2])
    assert list(info.value.failures) == [bad]
    failed = json.loads((tmp_path / f"{bad}.failed.json").read_text())
    assert failed["config"] == configs[2] and "Traceback" in failed["error"] and "ValueError" in failed["error"]
    assert sorted(load_records(tmp_path)) == sorted(config_key(c) for c in configs[:2])  # the others are kept
    records = run_sweep(demo_trial, configs, tmp_path, backend="serial", progress=False, raise_on_error=False)
    assert len(records) == 2


def test_trial_files_are_written_next_to_the_record(tmp_path):
    (record,) = run_sweep(trial_with_file, CONFIGS[:1], tmp_path, backend="serial", progress=False)
    data = (tmp_path / record["key"] / "draws.npy").read_bytes()
    assert np.array_equal(np.frombuffer(data, dtype=np.int64), np.arange(CONFIGS[0]["n"]))


@pytest.mark.parametrize("kwargs, message", [
    ({"configs": []}, "configs=\\[\\] is not allowed"),
    ({"configs": {"seed": 1}}, "configs=.* must be a list"),
    ({"configs": [1, 2]}, "config=1 is not allowed"),
    ({"configs": [{"seed": 1}, {"seed": 1}]}, "same config as configs\\[0\\]"),
    ({"configs": [{"seed": float("nan")}]}, "config.seed=nan is not allowed"),
    ({"configs": [{"seed": object}]}, "config.seed=.*\\(JSON data\\)"),
    ({"configs": [{1: 2}]}, "keys must be strings"),
    ({"backend": "dask"}, "backend='dask' is not allowed: backend must be one of 'local', 'ray', 'serial'"),
    ({"workers": 0}, "workers=0 is not allowed"),
    ({"workers": True}, "workers=True is not allowed"),
    ({"address": "auto"}, "address='auto' is not allowed"),
    ({"trial": 3}, "trial=3 is not allowed"),
])
def test_bad_input_is_refused_before_anything_runs(tmp_path, kwargs, message):
    args = {"trial": demo_trial, "configs": CONFIGS, "results_dir": tmp_path, "backend": "serial", "progress": False}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        run_sweep(**args)
    assert not load_records(tmp_path)


def test_local_pool_gives_the_serial_records(tmp_path):
    serial = run_sweep(demo_trial, CONFIGS, tmp_path / "serial", backend="serial", progress=False)
    local = run_sweep(demo_trial, CONFIGS, tmp_path / "local", backend="local", workers=2, progress=False)
    assert [comparable(r) for r in local] == [comparable(r) for r in serial]
    assert {r["run"]["backend"] for r in local} == {"local"}


@pytest.mark.slow
def test_the_same_sweep_gives_identical_records_on_the_local_pool_and_on_ray(tmp_path):
    """Exact by construction: both backends run the trials on this machine, each PPO on one torch
    thread; a Ray cluster of other machines would give one-more-seed agreement only."""
    pytest.importorskip("ray", reason='ray is an optional extra (pip install "goalmisgen[ray]"); '
                                      "the Ray backend is not tested without it")
    configs = [{"seed": s} for s in range(3)]
    local = run_sweep(ppo_trial, configs, tmp_path / "local", backend="local", workers=2, progress=False)
    ray_records = run_sweep(ppo_trial, configs, tmp_path / "ray", backend="ray", workers=2, progress=False)
    assert [r["run"]["backend"] for r in ray_records] == ["ray"] * 3
    assert [comparable(r) for r in ray_records] == [comparable(r) for r in local]
    files = sorted(p.name for p in (tmp_path / "local").glob("*.json"))
    assert files == sorted(p.name for p in (tmp_path / "ray").glob("*.json")) and len(files) == 3
    # and the trials differ from one another, so equality is not trivial
    assert len({json.dumps(r["result"]) for r in local}) == 3


def test_ray_backend_without_ray_names_the_extra(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ImportError, match='goalmisgen\\[ray\\]'):
        run_sweep(demo_trial, CONFIGS, tmp_path, backend="ray", progress=False)


def test_randomization_sweep_end_to_end_on_a_tiny_scale(tmp_path):
    kwargs = dict(records_dir=tmp_path / "records", grid=CoinGrid(fractions=(0.0, 0.005), seeds=(1,), steps=1024,
                                                                n_levels=12, filter_runs=1),
                  runner=SweepRunner(backend="serial", progress=False), command="test")
    manifest = randomization_sweep(out_dir=tmp_path / "out", **kwargs)
    assert [t["config"]["random_fraction"] for t in manifest["trials"]] == [0.0, 0.005]
    assert sorted(manifest["summaries"]) == ["0", "0.005"]
    for t in manifest["trials"]:
        assert (tmp_path / "out" / t["agent"]).is_file()
        for part in ("moved_all", "moved_good", "moved_good_passed", "coin_at_end"):
            c = t[part]
            assert c["coin_and_end"] + c["coin_not_end"] == c["coin_collected"]
            assert c["coin_and_end"] + c["end_not_coin"] == c["reached_end"]
            assert c["coin_and_end"] + c["coin_not_end"] + c["end_not_coin"] + c["neither"] == c["n"]
        assert t["moved_all"]["n"] == 12 and t["moved_good_passed"]["n"] <= t["moved_good"]["n"] <= 12
        assert set(t["run"]) >= {"train_s", "eval_s", "wall_s", "backend"}
    import pandas as pd

    episodes = pd.read_csv(tmp_path / "out" / "episodes.csv")
    assert len(episodes) == 24 and episodes["level_seed"].min() == HELD_OUT_START
    # a second run resumes: no trial runs again and the shipped files are the same
    before = (tmp_path / "out" / "episodes.csv").read_text()
    again = randomization_sweep(out_dir=tmp_path / "again", **kwargs)
    assert (tmp_path / "again" / "episodes.csv").read_text() == before
    assert [t["run"] for t in again["trials"]] == [t["run"] for t in manifest["trials"]]


@pytest.mark.parametrize("kwargs, message", [
    ({"fractions": (0.0, 1.5)}, "random_fraction=1.5 is not allowed"),
    ({"fractions": ()}, "must be non-empty"),
    ({"seeds": (-1,)}, "seed=-1 is not allowed"),
    ({"steps": 0}, "steps=0 is not allowed"),
    ({"filter_runs": 0}, "filter_runs=0 is not allowed"),
])
def test_randomization_configs_refuse_bad_input(kwargs, message):
    from goalmisgen.experiments.randomization_sweep import randomization_configs

    with pytest.raises(ValueError, match=message):
        randomization_configs(CoinGrid(**kwargs))


def test_the_full_randomization_sweep_has_forty_distinct_trials_with_half_a_percent():
    from goalmisgen.experiments.headline import HEADLINE_STEPS
    from goalmisgen.experiments.randomization_sweep import randomization_configs

    configs = randomization_configs()
    assert len(configs) == 40 and len({config_key(c) for c in configs}) == 40
    assert {c["random_fraction"] for c in configs} >= {0.005, 0.02} and {c["steps"] for c in configs} == {HEADLINE_STEPS}


def test_regenerate_randomization_sweep_writes_its_data_folder(tmp_path, fake_experiment):
    import functools

    from goalmisgen import __main__ as cli

    (tmp_path / "data" / "randomization_sweep" / "agents").mkdir(parents=True)
    (tmp_path / "data" / "randomization_sweep" / "agents" / "stale.pt").write_text("from an older sweep")
    tiny = functools.partial(randomization_sweep, records_dir=tmp_path / "records",
                             grid=CoinGrid(fractions=(0.02,), seeds=(0,), steps=1024, n_levels=8, filter_runs=1))
    fake_experiment("randomization-sweep", tiny, tmp_path / "data")
    assert cli.main(["regenerate", "randomization-sweep", "--workers", "1"]) == 0
    folder = tmp_path / "data" / "randomization_sweep"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == "python -m goalmisgen regenerate randomization-sweep"
    assert manifest["backend"] == "local" and manifest["workers"] == 1
    assert sorted(p.name for p in (folder / "agents").iterdir()) == ["random2pc_seed0.pt"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["randomization_sweep"]  # no staging left


def test_coin_support_experiment_end_to_end_on_a_tiny_scale(tmp_path):
    """The second-correlate experiment: floor-trained agents on the sweep runner against control
    agents loaded from a sweep folder, all played on the same levels (ledge top, floor, end)."""

    control = tmp_path / "sweep"
    randomization_sweep(out_dir=control, records_dir=tmp_path / "sweep_records",
                        grid=CoinGrid(fractions=(SUPPORT_FRACTION,), seeds=(0,), steps=1024, n_levels=4, filter_runs=1),
                        runner=SweepRunner(backend="serial", progress=False))
    manifest = coin_support(out_dir=tmp_path / "out", records_dir=tmp_path / "records", seeds=(0,), steps=1024,
                            n_levels=40, control_dir=control, runner=SweepRunner(backend="serial", progress=False), command="test")
    import pandas as pd

    episodes = pd.read_csv(tmp_path / "out" / "episodes.csv")
    assert list(episodes.columns) == ["group", "seed", "level_seed", *SUPPORT_COLUMNS]
    assert sorted(episodes["group"].unique()) == ["any", "ground"] and len(episodes) == 80
    # both groups played the same levels, and the ledge levels are the same for both
    by_group = {g: rows.reset_index(drop=True) for g, rows in episodes.groupby("group")}
    assert by_group["any"][["level_seed", "coin_on_ledge"]].equals(by_group["ground"][["level_seed", "coin_on_ledge"]])
    assert 0 < manifest["n_ledge_levels"] < 40
    assert (tmp_path / "out" / "agents" / "ground25pc_seed0.pt").is_file()
    assert {"ground", "any", "drop_ground_minus_any", "ledge_coin_ground_minus_any"} <= set(manifest["summaries"])


def test_coin_support_needs_the_control_agents(tmp_path):
    with pytest.raises(FileNotFoundError, match="regenerate randomization-sweep first"):
        coin_support(out_dir=tmp_path / "out", records_dir=tmp_path / "r", seeds=(0,), steps=1024, n_levels=4,
                     control_dir=tmp_path / "missing", runner=SweepRunner(backend="serial", progress=False))


def test_only_sweep_experiments_take_sweep_options():
    from goalmisgen import __main__ as cli

    assert cli.main(["regenerate", "headline", "--workers", "2"]) == 2
