"""The competent-Maze-agent experiment trains in chunks, resumes at its last finished chunk, stops at
its budget, and lists the sweep the issue asks for."""

import json

from goalmisgen.experiments import maze_competent as mc


def test_a_run_trains_chunk_by_chunk_and_resumes_where_it_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(mc, "CHUNK_STEPS", 8192)
    monkeypatch.setattr(mc, "PILOT_LEVELS", 5)
    monkeypatch.setattr(mc, "SIZE_SCHEDULE", (7, 11))
    log = mc.train_competent(15, 0, tmp_path, max_steps=2 * 8192, progress=False)
    assert [c["chunk"] for c in log["chunks"]] == [0, 1] and [c["max_size"] for c in log["chunks"]] == [7, 11]
    assert (tmp_path / "chunk1.pt").exists() and log["competent"] in (True, False)
    stamp = (tmp_path / "chunk1.pt").stat().st_mtime_ns
    again = mc.train_competent(15, 0, tmp_path, max_steps=2 * 8192, progress=False)
    assert (tmp_path / "chunk1.pt").stat().st_mtime_ns == stamp and again["chunks"] == log["chunks"]
    more = mc.train_competent(15, 0, tmp_path, max_steps=3 * 8192, progress=False)
    assert len(more["chunks"]) == 3 and more["chunks"][2]["max_size"] == 15
    assert json.loads((tmp_path / "log.json").read_text())["chunks"] == more["chunks"]


def test_the_sweep_has_every_region_with_five_seeds_where_the_issue_asks():
    configs = mc.sweep_configs()
    per_k = {k: sum(c["cheese_region"] == k for c in configs) for k in (1, 2, 3, 5, 8, 15)}
    assert per_k == {1: 5, 2: 3, 3: 3, 5: 5, 8: 3, 15: 5}


def test_a_snapshot_writes_the_chunks_so_far_marked_unfinished(tmp_path, monkeypatch):
    monkeypatch.setattr(mc, "RUNS", tmp_path / "runs")
    work = tmp_path / "runs" / "maze_competent" / "k15_seed0"
    work.mkdir(parents=True)
    chunk = {"chunk": 0, "max_size": 7, "steps": mc.CHUNK_STEPS, "wall_time_s": 1.0, "cheese": {"mean": 0.4}}
    (work / "log.json").write_text(json.dumps({"cheese_region": 15, "seed": 0, "chunks": [chunk]}))
    record = mc.snapshot_pilot(tmp_path / "out")
    assert record["finished"] is False and record["chunks"] == [chunk]
    assert json.loads((tmp_path / "out" / "pilot.json").read_text())["network"] == mc.COMPETENT_NETWORK
