"""The experiments' registry and ``regenerate --list`` / ``regenerate all``: what runs, where it
writes, and how long the shipped runs took (no training is run here)."""

from goalmisgen import __main__ as cli
from goalmisgen.experiments.registry import EXPERIMENTS, cpu_experiments, data_folder, estimated_wall_s
from goalmisgen.paths import data_dir


def test_every_registered_experiment_has_its_data_folder_or_is_marked_gpu_only():
    for e in EXPERIMENTS.values():
        assert (data_dir() / e.folder).is_dir() or not e.cpu, e.name
        assert data_folder(e) == data_dir() / e.folder
    folders = [e.folder for e in EXPERIMENTS.values()]
    assert len(set(folders)) == len(folders)
    by_tools = {"chapter_times"}  # written by tools/chapter_times.py from a book build, not by an experiment
    unregistered = {p.name for p in data_dir().iterdir() if (p / "manifest.json").is_file()} - set(folders) - by_tools
    assert not unregistered  # every folder with a manifest is made by a registered experiment


def test_every_shipped_manifest_records_a_wall_time():
    for e in EXPERIMENTS.values():
        assert estimated_wall_s(e) > 0, e.name


def test_all_selects_exactly_the_cpu_experiments_in_registry_order(monkeypatch, capsys):
    args = cli._parser().parse_args(["regenerate", "all"])
    selected = cli._selected(args)
    assert selected == [e for e in EXPERIMENTS.values() if e.cpu] == cpu_experiments()
    assert "procgen" not in {e.name for e in selected} and "headline" in {e.name for e in selected}
    names = [e.name for e in selected]  # an experiment that reads another's folder runs after it
    assert names.index("randomization-sweep") < names.index("coin-support") < names.index("curriculum-sweep")
    assert names.index("maze") < names.index("maze-regions")
    ran = []
    monkeypatch.setattr(cli, "regenerate", lambda experiment, options: ran.append(experiment.name))
    assert cli.main(["regenerate", "all"]) == 0
    assert ran == names
    out = capsys.readouterr().out
    assert all(f"regenerating {n} " in out for n in names) and out.count("estimated wall time: ") == len(names)


def test_all_refuses_options_that_only_some_experiments_take(capsys):
    assert cli.main(["regenerate", "all", "--seeds", "1"]) == 2
    assert cli.main(["regenerate", "all", "--workers", "2"]) == 2
    assert cli.main(["regenerate"]) == 2
    assert "needs an experiment name" in capsys.readouterr().err


def test_list_prints_every_experiment_with_its_folder_size_and_wall_time(capsys):
    assert cli.main(["regenerate", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(EXPERIMENTS)
    for e, line in zip(EXPERIMENTS.values(), lines[1:]):
        assert line.split()[:2] == [e.name, f"data/{e.folder}/"]
        assert " MB " in line and ("CPU" in line) == e.cpu and ("GPU machine" in line) == (not e.cpu)
        assert "unknown" not in line
