"""Probes for hostile and careless inputs to the sweep runner, the train command, the checkpoint
loader and the public entry points (issue 31): each case once broke a run or gave a traceback."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from goalmisgen.sweeps import SweepError, TrialOutput, config_key, demo_trial, folder_lock, load_records, run_sweep

TESTS = Path(__file__).parent
GOOD = {"seed": 0, "n": 10}


def exiting_trial(config):
    """A trial that ends its process the way careless code does."""
    if config.get("how") == "exit":
        sys.exit(3)
    if config.get("how") == "interrupt":
        raise KeyboardInterrupt
    return demo_trial(config)


def malformed_trial(config):
    """A trial whose return value is not a result."""
    shapes = {
        "int": 3,
        "nan": {"x": float("nan")},
        "folder_file": TrialOutput({"x": 1}, files={"../escape": b""}),
        "text_file": TrialOutput({"x": 1}, files={"a.txt": "text"}),
        "timing": TrialOutput({"x": 1}, timings={"t": "slow"}),
    }
    return shapes[config["shape"]] if "shape" in config else demo_trial(config)


def slow_trial(config):
    """demo_trial, after ``config["sleep"]`` seconds."""
    time.sleep(config.get("sleep", 0))
    return demo_trial(config)


def self_interrupting_trial(config):
    """A trial during which the user presses Ctrl-C (SIGINT to this process)."""
    if config.get("interrupt"):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    return demo_trial(config)


# ---------------------------------------------------------------- sweeps


# (in the serial backend a KeyboardInterrupt is the user's Ctrl-C: it stops the sweep, tested below)
@pytest.mark.parametrize("backend, hows", [("serial", ["exit"]), ("local", ["exit", "interrupt"])])
def test_sweep_trial_calling_sys_exit_or_raising_keyboardinterrupt_is_a_failed_trial(tmp_path, backend, hows):
    bad = [{"seed": 1, "n": 5, "how": how} for how in hows]
    with pytest.raises(SweepError) as info:
        run_sweep(exiting_trial, [GOOD, *bad], tmp_path, backend=backend, workers=2, progress=False)
    assert sorted(info.value.failures.values()) == sorted({"exit": "SystemExit: 3", "interrupt": "KeyboardInterrupt"}[h]
                                                          for h in hows)
    assert list(load_records(tmp_path)) == [config_key(GOOD)]
    for config in bad:
        assert "Traceback" in json.loads((tmp_path / f"{config_key(config)}.failed.json").read_text())["error"]


def test_sweep_results_folder_is_locked_against_a_second_sweep(tmp_path):
    with folder_lock(tmp_path):
        with pytest.raises(RuntimeError, match=f"in use by another sweep \\(process {os.getpid()}"):
            run_sweep(demo_trial, [GOOD], tmp_path, backend="serial", progress=False)
    assert not load_records(tmp_path)
    run_sweep(demo_trial, [GOOD], tmp_path, backend="serial", progress=False)  # free again afterwards
    assert list(load_records(tmp_path)) == [config_key(GOOD)] and not (tmp_path / ".sweep.lock").exists()


@pytest.mark.parametrize("content", ["{\"key\": \"tr", "[]", "{\"key\": \"0\", \"config\": {}, \"result\": {}}", "\udcff"])
def test_sweep_unreadable_record_is_quarantined_and_stray_files_ignored(tmp_path, content):
    broken = tmp_path / f"{config_key(GOOD)}.json"
    broken.write_text(content, errors="surrogateescape")
    (tmp_path / "notes.json").write_text("my notes, not a record")
    (tmp_path / "README.txt").write_text("hello")
    with pytest.warns(UserWarning, match=f"{broken.name} cannot be read.*moved to {broken.name}.unreadable"):
        (record,) = run_sweep(demo_trial, [GOOD], tmp_path, backend="serial", progress=False)
    assert record["result"] == demo_trial(GOOD)
    assert (tmp_path / f"{broken.name}.unreadable").read_text(errors="surrogateescape") == content
    assert (tmp_path / "notes.json").read_text() == "my notes, not a record"


@pytest.mark.parametrize("backend", ["serial", "local"])
def test_sweep_malformed_trial_results_are_failed_trials_not_a_lost_sweep(tmp_path, backend):
    shapes = ["int", "nan", "folder_file", "text_file", "timing"]
    configs = [GOOD] + [{"shape": s} for s in shapes]
    with pytest.raises(SweepError, match="5 trial\\(s\\) failed") as info:
        run_sweep(malformed_trial, configs, tmp_path, backend=backend, workers=2, progress=False)
    assert sorted(info.value.failures) == sorted(config_key(c) for c in configs[1:])
    assert list(load_records(tmp_path)) == [config_key(GOOD)]
    assert not (tmp_path / config_key({"shape": "folder_file"})).exists() and not (tmp_path.parent / "escape").exists()


def test_sweep_lambda_trial_is_refused_up_front_on_the_local_pool(tmp_path):
    with pytest.raises(ValueError, match="trial=<function .*<lambda>.* is not allowed.*defined at module level"):
        run_sweep(lambda c: {"x": 1}, [GOOD], tmp_path, backend="local", progress=False)
    assert not any(tmp_path.iterdir())


def test_sweep_ctrl_c_in_this_process_keeps_finished_records_and_records_the_running_trial(tmp_path):
    stop = {"seed": 1, "n": 5, "interrupt": True}
    with pytest.raises(KeyboardInterrupt):
        run_sweep(self_interrupting_trial, [GOOD, stop, {"seed": 2, "n": 5}], tmp_path, backend="serial", progress=False)
    assert list(load_records(tmp_path)) == [config_key(GOOD)]
    interrupted = json.loads((tmp_path / f"{config_key(stop)}.failed.json").read_text())
    assert interrupted["interrupted"] is True and interrupted["config"] == stop
    assert not (tmp_path / ".sweep.lock").exists()


SWEEP_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_hostile_runs import slow_trial
from goalmisgen.sweeps import run_sweep
run_sweep(slow_trial, [{{"seed": 0, "n": 10}}, {{"seed": 1, "n": 5, "sleep": 60}}], {folder!r}, backend="local",
          workers=2, progress=False)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sweep_signal_keeps_finished_records_and_records_running_trials_as_interrupted(tmp_path, signum):
    slow = {"seed": 1, "n": 5, "sleep": 60}
    script = SWEEP_SCRIPT.format(tests=str(TESTS), folder=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / f"{config_key(GOOD)}.json").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.5)  # the slow trial is running by now (both were started together)
    proc.send_signal(signum)
    start = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - start < 10, "the sweep waited for its running trial"
    assert proc.returncode != 0
    assert list(load_records(tmp_path)) == [config_key(GOOD)], err
    interrupted = json.loads((tmp_path / f"{config_key(slow)}.failed.json").read_text())
    assert interrupted["interrupted"] is True
    assert not (tmp_path / ".sweep.lock").exists()


# ---------------------------------------------------------------- train: never lost at save time


def _strict_json(text: str):
    """JSON that must not hold NaN or infinities (a bare NaN is not JSON)."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON on stdout"))


def _nested_init_from(tiny_agent_path, tmp_path, depth: int) -> Path:
    """A copy of the tiny agent whose provenance records ``depth`` earlier trainings."""
    import torch

    payload = torch.load(tiny_agent_path, weights_only=True)
    chain = None
    for i in range(depth):
        chain = {"file": f"stage{i}.pt", "env_options": {}, "metrics": {}, **({"init_from": chain} if chain else {})}
    payload["extra"]["init_from"] = chain
    path = tmp_path / f"deep{depth}.pt"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * depth))  # torch.save recurses once or twice per level
    try:
        torch.save(payload, path)
    finally:
        sys.setrecursionlimit(limit)
    return path


def test_train_out_that_passes_os_access_but_cannot_be_written_is_refused_before_training(capsys):
    from goalmisgen import __main__ as cli

    if not os.access("/proc", os.W_OK | os.X_OK):
        pytest.skip("needs a folder that os.access calls writable but that is not (/proc, as root)")
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--out", "/proc/agent.pt"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "out='/proc/agent.pt' cannot be written: a test file in its folder failed" in err[0]


@pytest.mark.parametrize("depth", [101, 600])
def test_train_init_from_a_deep_provenance_chain_is_refused_before_training(tmp_path, tiny_agent_path, capsys, depth):
    from goalmisgen import __main__ as cli

    deep = _nested_init_from(tiny_agent_path, tmp_path, depth)
    out = tmp_path / "agent.pt"
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--init-from", str(deep), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "records more than 100 earlier trainings" in err[0] and not out.exists()


@pytest.mark.parametrize("where", ["next_to_out", "temp_folder"])
def test_train_whose_save_fails_keeps_the_weights_in_a_named_rescue_file(tmp_path, capsys, monkeypatch, where):
    from goalmisgen import __main__ as cli
    from goalmisgen.agents import checkpoint, load_agent

    out_dir, temp = tmp_path / "out", tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(checkpoint.tempfile, "tempdir", str(temp))
    real_write = checkpoint.write_atomic

    def failing_write(path, data):
        if Path(path).name == "agent.pt" or (where == "temp_folder" and Path(path).parent == out_dir):
            raise OSError(28, "No space left on device")
        return real_write(path, data)

    monkeypatch.setattr(checkpoint, "write_atomic", failing_write)
    assert cli.main(["train", "coinrun", "--steps", "1024", "--no-progress", "--out", str(out_dir / "agent.pt")]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    (rescue,) = (out_dir if where == "next_to_out" else temp).glob("agent.rescued-*.pt")
    assert err.startswith("error: saving the trained agent to") and "No space left on device" in err and str(rescue) in err
    assert load_agent(rescue).metrics["total_steps"] == 8192


def test_train_prints_no_bare_nan_and_says_when_its_steps_are_rounded(tmp_path, capsys, monkeypatch):
    import goalmisgen.agents
    from goalmisgen import __main__ as cli

    real_train = goalmisgen.agents.train

    def train_without_episodes(*args, **kwargs):
        result = real_train(*args, **kwargs)
        result.metrics["coin_rate"] = float("nan")  # no episode ended: the rate is undefined
        return result

    monkeypatch.setattr(goalmisgen.agents, "train", train_without_episodes)
    assert cli.main(["train", "coinrun", "--steps", "2048", "--no-progress", "--out", str(tmp_path / "a.pt")]) == 0
    captured = capsys.readouterr()
    printed = _strict_json(captured.out.strip().splitlines()[-1])
    assert printed["coin_rate"] is None and printed["total_steps"] == 8192
    assert "warning: --steps total_steps=2,048 is rounded up to 8,192" in captured.err


# ---------------------------------------------------------------- the checkpoint loader


def _with_weight(tiny_agent_path, tmp_path, make) -> Path:
    """A copy of the tiny agent with its first weight replaced by ``make(weight)``."""
    import torch

    payload = torch.load(tiny_agent_path, weights_only=True)
    name = next(iter(payload["state_dict"]))
    payload["state_dict"][name] = make(payload["state_dict"][name])
    path = tmp_path / "odd.pt"
    torch.save(payload, path)
    return path


ODD_WEIGHTS = {"sparse_coo": lambda t: t.to_sparse(), "sparse_csr": lambda t: t.to_sparse_csr(),
               "meta": lambda t: t.to("meta")}


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
@pytest.mark.parametrize("kind", sorted(ODD_WEIGHTS))
def test_checkpoint_with_sparse_or_meta_weights_is_refused_with_the_loaders_error(tiny_agent_path, tmp_path, kind):
    from goalmisgen.agents import load_agent

    path = _with_weight(tiny_agent_path, tmp_path, ODD_WEIGHTS[kind])
    with pytest.raises(ValueError, match="malformed checkpoint .*weights must be dense \\(strided\\) tensors on the cpu"):
        load_agent(path)


def _rezipped(source: Path, target: Path, extra_entry: tuple[str, bytes] | None = None) -> Path:
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        if extra_entry is not None:
            new.writestr(extra_entry[0], extra_entry[1], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return target


@pytest.mark.parametrize("case", ["deflated_bomb", "declared_too_big", "legacy_pickle"])
def test_checkpoint_oversized_or_non_zip_entries_are_refused_before_torch_load(tiny_agent_path, tmp_path, monkeypatch, case):
    import torch

    from goalmisgen.agents import checkpoint, load_agent

    if case == "legacy_pickle":
        path = tmp_path / "legacy.pt"
        torch.save(torch.load(tiny_agent_path, weights_only=True), path, _use_new_zipfile_serialization=False)
        message = "is not a goalmisgen checkpoint \\(not a zip archive"
    elif case == "deflated_bomb":  # 32 MB of zeros in about 32 KB
        path = _rezipped(tiny_agent_path, tmp_path / "bomb.pt", ("tiny/data/99", bytes(32 * 2**20)))
        message = "entry 'tiny/data/99' declares 33,554,432 bytes from .* stored"
    else:
        monkeypatch.setattr(checkpoint, "MAX_ENTRY_BYTES", 1000)
        path = tiny_agent_path
        message = "declares .* bytes .*at most 1,000 bytes"
    monkeypatch.setattr(checkpoint.torch, "load", lambda *a, **k: pytest.fail("torch.load ran on a refused file"))
    with pytest.raises(ValueError, match=message):
        load_agent(path)


# ---------------------------------------------------------------- API messages


@pytest.mark.parametrize("agent, message", [
    (None, "agent=None is not allowed: evaluate needs an agent with act"),
    ("runs/agent.pt", "agent='runs/agent.pt' is not allowed: evaluate needs a loaded agent, not a path; load it first"),
    (Path("agent.pt"), "agent='agent.pt' is not allowed: evaluate needs a loaded agent, not a path"),
])
def test_evaluate_without_a_loaded_agent_says_one_is_needed(agent, message):
    from goalmisgen.analysis import evaluate

    with pytest.raises(ValueError, match=message):
        evaluate(agent, n_levels=2)


@pytest.mark.parametrize("game", ["coinrun", "maze", "keys-chests"])
@pytest.mark.parametrize("single", [True, False])
@pytest.mark.parametrize("kwargs, message", [
    ({"seed": 2**70}, "seed=1180591620717411303424 is not allowed: seed must be an integer in \\[0, 18446744073709551615\\]"),
    ({"seed": -1}, "seed=-1 is not allowed"),
    ({"options": "level_seed"}, "options='level_seed' is not allowed: options must be None or a dict"),
    ({"options": [("level_seed", 3)]}, "options=\\[\\('level_seed', 3\\)\\] is not allowed"),
])
def test_grid_env_reset_with_a_huge_seed_or_non_dict_options_names_what_is_allowed(game, single, kwargs, message):
    from goalmisgen.envs import GAMES

    spec = GAMES[game]
    env = spec.single_env() if single else spec.vec_env(num_envs=2)
    with pytest.raises(ValueError, match=message):
        env.reset(**kwargs)


def test_huge_seeds_elsewhere_name_the_allowed_range(tiny_agent_path):
    from goalmisgen.agents import PPOConfig, load_agent
    from goalmisgen.analysis import evaluate

    agent = load_agent(tiny_agent_path)
    for call in (lambda: agent.seed(2**64), lambda: PPOConfig(seed=2**70), lambda: evaluate(agent, n_levels=2, seed=2**64)):
        with pytest.raises(ValueError, match="seed=.* is not allowed: seed must be an integer in \\[0, 18446744073709551615\\]"):
            call()


@pytest.mark.parametrize("method", ["act", "action_probs"])
@pytest.mark.parametrize("shape, dtype", [((6, 10, 11), "uint8"), ((2, 3, 9, 9), "uint8"), ((1, 2), "int64"),
                                          ((2, 6, 10, 11), "<U1")])
def test_agent_called_on_observations_of_the_wrong_shape_names_both_shapes(tiny_agent_path, method, shape, dtype):
    import numpy as np

    from goalmisgen.agents import load_agent

    agent = load_agent(tiny_agent_path)
    obs = np.zeros(shape, dtype=dtype)
    with pytest.raises(ValueError, match=f"observations of shape {re_escape(str(shape))} and dtype .* expects numbers of "
                                         f"shape \\(batch,\\) \\+ {re_escape(str(agent.obs_shape))}"):
        getattr(agent, method)(obs)


def re_escape(text: str) -> str:
    import re

    return re.escape(text)


# ---------------------------------------------------------------- regenerate stopped by SIGTERM


REGENERATE_SCRIPT = """
import sys, time
from dataclasses import replace
from pathlib import Path
from goalmisgen import __main__ as cli
from goalmisgen.experiments import common, registry

def slow_experiment(out_dir, **kwargs):
    (out_dir / "half_written.csv").write_text("a,b")
    print("staged", flush=True)
    time.sleep(60)

common.DATA = Path({data!r})
registry.EXPERIMENTS["headline"] = replace(registry.EXPERIMENTS["headline"], function=slow_experiment, work_dir=None)
sys.exit(cli.main(["regenerate", "headline"]))
"""


def test_regenerate_stopped_by_sigterm_leaves_no_staging_copy_in_data(tmp_path):
    data = tmp_path / "data"
    (data / "coinrun_headline").mkdir(parents=True)
    (data / "coinrun_headline" / "shipped.csv").write_text("kept")
    proc = subprocess.Popen([sys.executable, "-c", REGENERATE_SCRIPT.format(data=str(data))], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert any(line.startswith("staged") for line in iter(proc.stdout.readline, ""))
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM and "terminated: nothing was replaced" in err, err
    assert sorted(p.name for p in data.iterdir()) == ["coinrun_headline"]
    assert [p.name for p in (data / "coinrun_headline").iterdir()] == ["shipped.csv"]
