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
