"""No command loses a user's data, and bad values give one ``error:`` line before any work starts:
``train --out``, ``regenerate``, ``student --out``, ``grade`` interrupted by Ctrl-C or SIGTERM,
the values of ``train`` and ``evaluate``, and ``evaluate --json`` when a value is undefined."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
import torch
from nbformat.v4 import new_code_cell

import goalmisgen
from goalmisgen import __main__ as cli
from goalmisgen.teaching.__main__ import main as teaching_main
from goalmisgen.paths import data_dir
from processes import processes_with

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny_exercises.ipynb"
SRC = str(Path(goalmisgen.__file__).resolve().parents[1])


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--checkpoint-every", "-1"], "--checkpoint-every=-1 is not allowed"),
        (["--max-minutes", "-5"], "--max-minutes=-5.0 is not allowed"),
        (["--max-minutes", "nan"], "--max-minutes=nan is not allowed"),
        (["--steps", "0"], "--steps=0 is not allowed"),
        (["--random-fraction", "1.5"], "--random-fraction=1.5 is not allowed"),
        (["--device", "tpu9"], "device='tpu9'"),
    ],
)
def test_train_values_are_checked_before_training(tmp_path, capsys, extra, words):
    out = tmp_path / "agent.pt"
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--out", str(out), *extra]) == 2
    assert words in one_error_line(capsys)
    assert not out.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_a_missing_device_is_one_error_line(tmp_path, capsys):
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--device", "cuda", "--out", str(tmp_path / "a.pt")]) == 2
    assert "not available on this machine" in one_error_line(capsys)
    assert cli.main(["evaluate", "coinrun", "--agent", str(tmp_path / "a.pt"), "--device", "cuda"]) == 2
    assert "not available on this machine" in one_error_line(capsys)


def test_train_out_is_checked_before_training(tmp_path, capsys):
    existing = tmp_path / "agent.pt"
    existing.write_bytes(b"an agent the user wants to keep")
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--out", str(existing)]) == 2
    assert "exists; pass --force" in one_error_line(capsys)
    assert existing.read_bytes() == b"an agent the user wants to keep"
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--out", str(tmp_path)]) == 2
    assert "is a directory" in one_error_line(capsys)
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--out", str(blocker / "agent.pt")]) == 2
    assert "cannot be created" in one_error_line(capsys)


def test_init_from_is_checked_before_training(tmp_path, capsys):
    out = tmp_path / "agent.pt"
    assert cli.main(["train", "coinrun", "--steps", "100000000", "--init-from", str(tmp_path / "none.pt"), "--out", str(out)]) == 2
    assert "--init-from=" in one_error_line(capsys) and not out.exists()
    grid_agent = data_dir() / "coinrun_headline" / "headline_seed0.pt"
    assert cli.main(["train", "procgen-coinrun", "--steps", "100000000", "--init-from", str(grid_agent), "--out", str(out)]) == 2
    assert "trained on 'coinrun', not 'procgen-coinrun'" in one_error_line(capsys) and not out.exists()


def test_init_from_continues_the_given_network_and_records_it(tmp_path, capsys):
    from goalmisgen.agents import load_agent, training_stages

    first, second = tmp_path / "first.pt", tmp_path / "second.pt"
    assert cli.main(["train", "coinrun", "--steps", "8192", "--no-progress", "--out", str(first)]) == 0
    capsys.readouterr()
    fresh = load_agent(first).policy.state_dict()
    continued = tmp_path / "continued.pt"
    assert cli.main(["train", "coinrun", "--steps", "8192", "--seed", "1", "--no-progress", "--init-from", str(first),
                     "--out", str(second)]) == 0
    assert cli.main(["train", "coinrun", "--steps", "8192", "--seed", "1", "--no-progress", "--out", str(continued)]) == 0
    a, b = load_agent(second), load_agent(continued)
    assert a.extra["init_from"]["file"] == "first.pt"
    assert a.extra["init_from"]["metrics"]["total_steps"] == load_agent(first).metrics["total_steps"]
    assert "init_from" not in b.extra
    stages = training_stages(a)
    assert [s["file"] for s in stages] == ["first.pt", None] and training_stages(b)[0]["file"] is None
    assert stages[0]["metrics"]["total_steps"] == load_agent(first).metrics["total_steps"]
    # one iteration of updates moves the weights a little from where they started, not from a fresh draw
    start_gap = sum(float((a.policy.state_dict()[k] - fresh[k]).abs().sum()) for k in fresh)
    fresh_gap = sum(float((b.policy.state_dict()[k] - fresh[k]).abs().sum()) for k in fresh)
    assert start_gap < 0.5 * fresh_gap, (start_gap, fresh_gap)


def test_evaluate_values_are_checked(tmp_path, capsys):
    agent = tmp_path / "agent.pt"
    agent.write_bytes(b"")
    assert cli.main(["evaluate", "coinrun", "--agent", str(agent), "--levels", "1000000000"]) == 2
    assert "--levels=1000000000 is not allowed" in one_error_line(capsys)
    assert cli.main(["evaluate", "coinrun", "--agent", str(tmp_path / "none.pt")]) == 2
    assert "is not a file" in one_error_line(capsys)


def test_evaluate_json_prints_null_not_nan(tmp_path, capsys, monkeypatch):
    import goalmisgen.agents
    import goalmisgen.analysis

    class Evaluation:
        def to_json_dict(self):
            empty = {"mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "n": 0}
            return {"coin_collected": {"mean": 0.5, "ci_low": 0.1, "ci_high": 0.9, "n": 2}, "n_levels": 2,
                    "n_good_levels": 0, "good_levels": {"coin_collected": empty}}

    monkeypatch.setattr(goalmisgen.agents, "load_agent", lambda path, device="cpu": object())
    monkeypatch.setattr(goalmisgen.analysis, "evaluate", lambda agent, **kwargs: Evaluation())
    agent = tmp_path / "agent.pt"
    agent.write_bytes(b"")
    assert cli.main(["evaluate", "coinrun", "--agent", str(agent), "--levels", "2", "--json"]) == 0
    text = capsys.readouterr().out
    parsed = json.loads(text, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON"))
    assert parsed["good_levels"]["coin_collected"]["mean"] is None
    assert parsed["coin_collected"]["mean"] == 0.5


def test_regenerate_swaps_in_only_a_finished_folder(tmp_path, fake_experiment, capsys):
    folder = tmp_path / "coinrun_headline"
    folder.mkdir()
    (folder / "manifest.json").write_text("old")
    (folder / "seed0.pt").write_text("old agent")

    def interrupted(out_dir, **kwargs):
        (Path(out_dir) / "manifest.json").write_text("half new")
        raise KeyboardInterrupt

    fake_experiment("headline", interrupted, tmp_path)
    assert cli.main(["regenerate", "headline"]) == 130
    assert (folder / "manifest.json").read_text() == "old" and (folder / "seed0.pt").read_text() == "old agent"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coinrun_headline"]  # no staging folder left

    def finished(out_dir, **kwargs):
        (Path(out_dir) / "manifest.json").write_text("new")
        (Path(out_dir) / "seed0.pt").write_text("new agent")

    fake_experiment("headline", finished, tmp_path)
    assert cli.main(["regenerate", "headline"]) == 0
    assert (folder / "manifest.json").read_text() == "new" and (folder / "seed0.pt").read_text() == "new agent"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coinrun_headline"]


def test_student_out_keeps_a_config_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "book_copy"
    out.mkdir()
    (out / "_config.yml").write_text("title: my own book\n")
    assert teaching_main(["student", str(FIXTURE), "--out", str(out)]) == 2
    assert "did not write" in one_error_line(capsys)
    assert (out / "_config.yml").read_text() == "title: my own book\n"
    fresh = tmp_path / "fresh"
    assert teaching_main(["student", str(FIXTURE), "--out", str(fresh)]) == 0
    assert teaching_main(["student", str(FIXTURE), "--out", str(fresh)]) == 0  # its own files: replaced


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_grading_keeps_the_rows_so_far_and_no_process(tmp_path, signum):
    folder = tmp_path / "subs"
    folder.mkdir()
    source = nbformat.read(FIXTURE, as_version=4)
    nbformat.write(source, folder / "a_first.ipynb")
    marker = f"goalmisgen-test-sleeper-{uuid.uuid4().hex}"
    slow = nbformat.read(FIXTURE, as_version=4)
    slow.cells.insert(1, new_code_cell(
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'], start_new_session=True)\n"
        "time.sleep(600)"
    ))
    nbformat.write(slow, folder / "b_slow.ipynb")
    out = tmp_path / "grades.csv"
    # A shell that starts a job in the background without job control (nohup make test &) passes
    # it SIGINT ignored, and Python keeps it ignored; Ctrl-C reaches a grader started as a user
    # starts it, with the default disposition, so the test gives it that.
    grader = subprocess.Popen(
        [sys.executable, "-m", "goalmisgen.teaching", "grade", str(folder), "--reference", str(FIXTURE),
         "--out", str(out), "--timeout", "300"],
        env={**os.environ, "PYTHONPATH": SRC}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 240
        while not processes_with(marker) and time.monotonic() < deadline and grader.poll() is None:
            time.sleep(0.2)
        assert processes_with(marker), "the slow notebook never started"
        grader.send_signal(signum)
        _, err = grader.communicate(timeout=60)
    finally:
        if grader.poll() is None:  # the test failed: leave no grader (nor its sandbox) to later tests
            grader.kill()
            grader.wait()
    assert grader.returncode == 130
    assert "interrupted" in err
    rows = out.read_text().splitlines()
    assert rows[0] == "student,exercise,score,status,message,flags"
    assert [r.split(",")[0] for r in rows[1:]] == ["a_first", "a_first"]
    time.sleep(0.5)
    assert processes_with(marker) == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
