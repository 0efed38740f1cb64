"""A sweep runner: one trial function, many configs, one result record per trial.

A **trial** is a plain function ``trial(config) -> dict`` (defined at module level, so that another
process can import it) whose result depends only on its config: every seed it uses comes from the
config. A **sweep** runs the trial on every config of a list and writes one JSON record per trial
into a results folder, named by the config's key (``config_key``: the SHA-256 of the config's
canonical JSON, so the same config always has the same key, whatever the order of its fields).

Three backends run the same sweep unchanged:

* ``"local"`` (the default): a pool of ``workers`` processes on this machine (default: every core),
  each trial with one torch thread;
* ``"ray"``: tasks on a Ray cluster; ``address=None`` starts Ray on this machine, an address such as
  ``"ray://head-node:10001"`` or ``"auto"`` joins an existing cluster (whose workers must be able
  to import ``goalmisgen`` and the trial's module; a local Ray gets this process's ``sys.path``).
  Ray is an optional extra: ``pip install "goalmisgen[ray]"``;
* ``"serial"``: one trial after another in this process (for debugging and for notebooks).

Records are written by the process that runs the sweep, each atomically (a temporary file renamed
into place), as trials finish. A sweep that is interrupted and run again skips the configs that
already have a record: it resumes. A record holds the config, the key and the trial's result, which
are the same whichever backend ran it, and under ``"run"`` the wall time and the backend, which
are not. A trial that raises (``sys.exit`` and ``KeyboardInterrupt`` in a worker included) or returns
something that is not a result leaves a ``<key>.failed.json`` file with the error and its traceback
(not a record: the next run tries it again), and the sweep raises ``SweepError`` after the other
trials have finished.

Nothing is lost or run twice: a results folder is locked while a sweep runs in it (a second sweep
on it is refused, naming the first one's process); a record file that cannot be read is renamed
aside (``<key>.json.unreadable``) with a warning naming it, and files that are not records are
ignored; on SIGINT or SIGTERM the records already written stay, the trials still running are
stopped and recorded as interrupted in their ``.failed.json`` (the next run tries them again).

A trial may also return ``TrialOutput(result, files, timings)``: ``files`` maps file names to bytes
(a saved checkpoint, say), written into ``<results>/<key>/`` next to the record, so artifacts come
home from a Ray cluster the same way as from a local pool; ``timings`` go into ``"run"``.

Example:
    >>> from goalmisgen.sweeps import demo_trial, run_sweep
    >>> records = run_sweep(demo_trial, [{"seed": s, "n": 100} for s in range(4)], "runs/demo")
    >>> [r["result"]["mean"] for r in records]
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import pickle
import re
import signal
import sys
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from goalmisgen.progress import progress_bar

from goalmisgen.files import interrupt_on_sigterm, jsonable, write_atomic, write_json
from goalmisgen.validation import check_choice, check_float, check_int

BACKENDS = ("local", "ray", "serial")
RECORD_SUFFIX = ".json"
FAILED_SUFFIX = ".failed.json"
UNREADABLE_SUFFIX = ".unreadable"
LOCK_NAME = ".sweep.lock"
RECORD_NAME = re.compile(r"[0-9a-f]{64}\.json")


class SweepError(RuntimeError):
    """Raised after a sweep in which some trials failed; ``failures`` maps key -> error text."""

    def __init__(self, failures: dict[str, str]):
        self.failures = failures
        first_key, first = next(iter(failures.items()))
        super().__init__(f"{len(failures)} trial(s) failed; their configs and tracebacks are in the "
                         f"*{FAILED_SUFFIX} files of the results folder. First ({first_key[:12]}): {first}")


@dataclass
class TrialOutput:
    """What a trial may return instead of a bare dict: its result, files to keep (name -> bytes),
    and timings (name -> seconds) that go into the record's ``"run"`` (they differ from run to run,
    so they must not be in the result)."""

    result: dict
    files: dict[str, bytes] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- configs and keys


def plain_config(config: Any) -> dict:
    """A config (a dict or a dataclass instance) as a plain JSON dict; ValueError if it is neither
    or holds something JSON cannot say exactly."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        config = dataclasses.asdict(config)
    if not isinstance(config, dict):
        raise ValueError(f"config={config!r} is not allowed: a config must be a dict or a dataclass instance")
    return jsonable(config, "config", strict=True)


def canonical_json(config: Any) -> str:
    """The config's canonical JSON: keys sorted, no spaces, floats in Python's shortest exact form.

    Note that ``1`` and ``1.0`` are different configs (an int and a float)."""
    return json.dumps(plain_config(config), sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_key(config: Any) -> str:
    """The config's key: the SHA-256 of its canonical JSON, 64 hex digits."""
    return hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- records on disk


def load_records(results_dir: str | os.PathLike, quarantine: bool = False) -> dict[str, dict]:
    """Every record in a results folder, as key -> record (failed trials are not records).

    Only files named ``<key>.json`` (64 hex digits) are read; others are ignored. A record file
    that cannot be read (truncated JSON, another key or no result inside) is skipped with a
    warning naming it, and with ``quarantine`` renamed to ``<key>.json.unreadable`` so that the
    trial runs again."""
    folder = Path(results_dir)
    if not folder.is_dir():
        return {}
    records = {}
    for path in sorted(folder.iterdir()):
        if not RECORD_NAME.fullmatch(path.name):
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(record, dict) or record.get("key") != path.name[:-len(RECORD_SUFFIX)] \
                    or not {"config", "result"} <= set(record):
                raise ValueError("it is not a record of this key (key, config, result)")
        except (OSError, ValueError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            aside = path.with_name(path.name + UNREADABLE_SUFFIX)
            if quarantine:
                path.replace(aside)
            warnings.warn(f"the sweep record {path} cannot be read ({error}); "
                          + (f"moved to {aside.name}, its trial runs again" if quarantine else "skipped"), stacklevel=2)
            continue
        records[record["key"]] = record
    return records


@contextmanager
def folder_lock(folder: Path):
    """Hold the results folder's lock file (``flock`` on ``.sweep.lock``, which names the holder's
    process and is removed at the end) for one sweep; RuntimeError naming the holder's process if
    another sweep holds it."""
    path = folder / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise RuntimeError(f"results_dir={str(folder)!r} is in use by another sweep (process {holder}, "
                               f"lock file {LOCK_NAME}); wait for it to finish or give another results folder") from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break  # not a lock file that its last holder removed meanwhile
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)  # releases the lock


# ---------------------------------------------------------------- running one trial


def demo_trial(config: dict) -> dict:
    """A tiny deterministic trial for tests and examples: the mean and standard deviation of
    ``config["n"]`` normal draws seeded by ``config["seed"]``; raises ValueError if
    ``config.get("fail")`` is true."""
    if config.get("fail"):
        raise ValueError(f"demo_trial was asked to fail (seed {config['seed']})")
    x = np.random.default_rng(config["seed"]).normal(size=config["n"])
    return {"mean": float(x.mean()), "std": float(x.std()), "n": int(config["n"])}


def _trial_output(out: Any) -> TrialOutput:
    """A trial's return value as a checked TrialOutput (JSON result, plain file names with bytes,
    finite timings); TypeError or ValueError saying what is wrong."""
    if not isinstance(out, TrialOutput):
        out = TrialOutput(out)
    if not isinstance(out.result, dict):
        raise TypeError(f"a trial must return a dict or a TrialOutput, got {type(out.result).__name__}")
    if not isinstance(out.files, dict) or not isinstance(out.timings, dict):
        raise TypeError("a TrialOutput's files and timings must be dicts")
    for name, data in out.files.items():
        _check_file_name(name)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"file {name!r} of a TrialOutput must be bytes, got {type(data).__name__}")
    return TrialOutput(jsonable(out.result, "result", strict=True), {k: bytes(v) for k, v in out.files.items()},
                       {str(k): check_float(f"timings.{k}", v, low=0.0) for k, v in out.timings.items()})


def _run_trial(trial: Callable, config: dict, in_worker: bool = False) -> tuple[str, Any, float]:
    """Run one trial with one torch thread. Returns ("ok", TrialOutput, wall seconds) or
    ("error", traceback text, wall seconds); never raises, so one failure does not stop a pool:
    ``sys.exit`` in a trial is a failure, and so is ``KeyboardInterrupt`` in a worker process (in
    this process it is the user's Ctrl-C and stops the sweep)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    caught = (Exception, SystemExit, KeyboardInterrupt) if in_worker else (Exception, SystemExit)
    try:
        return "ok", _trial_output(trial(config)), time.perf_counter() - start
    except caught:  # reported to the sweep, which records it and raises SweepError
        return "error", traceback.format_exc(), time.perf_counter() - start
    finally:
        torch.set_num_threads(threads)


# ---------------------------------------------------------------- backends


def _check_file_name(name: str) -> str:
    if not isinstance(name, str) or not name or name != Path(name).name or name.startswith("."):
        raise ValueError(f"file name {name!r} is not allowed: a trial's files must have plain names (no folders, no leading dot)")
    return name


def _ignore_sigint() -> None:
    """A pool worker's start: Ctrl-C in the terminal reaches the sweep, which stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _local_results(trial, todo: list[dict], workers: int, stopped: Callable[[list[dict]], None]):
    """Yield (config, status, output, wall) as trials finish on a process pool. If the sweep stops
    early, ``stopped`` gets the configs still running and the workers are ended at once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # "spawn": fresh interpreters, safe with torch's threads (a fork can inherit a held lock)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_ignore_sigint)
    futures = {pool.submit(_run_trial, trial, c, True): c for c in todo}
    finished = False
    try:
        for fut in as_completed(futures):
            try:
                yield (futures[fut], *fut.result())
            except BrokenProcessPool as error:
                raise RuntimeError(
                    "a worker process of the local pool died (out of memory, killed, or crashed while starting). "
                    "In a script, call run_sweep under `if __name__ == \"__main__\":`: each worker starts a fresh "
                    "interpreter that imports the main script") from error
            except Exception:  # the result could not come back (it does not pickle): a failed trial
                yield futures[fut], "error", traceback.format_exc(), 0.0
        finished = True
    finally:
        if not finished:
            stopped([c for f, c in futures.items() if f.running()])
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()  # an interrupted sweep does not wait for its running trials
        pool.shutdown(wait=True, cancel_futures=True)


def import_ray():
    """The ``ray`` module, or ImportError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ImportError('backend="ray" needs Ray, an optional extra: pip install "goalmisgen[ray]" '
                          '(or pip install ray)') from None
    return ray


def _ray_results(trial, todo: list[dict], workers: int | None, address: str | None):
    """Yield (config, status, output, wall) as trials finish on Ray; starts Ray if it is not
    running in this process yet (and stops it again at the end)."""
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        kwargs = {}
        if address is None:  # a local Ray: its workers import modules from where this process does
            kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}}
            if workers is not None:
                kwargs["num_cpus"] = workers
        ray.init(address=address, include_dashboard=False, log_to_driver=False, **kwargs)
    pending: dict = {}
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(_run_trial)
        trial_ref = ray.put(trial)
        pending = {remote.remote(trial_ref, c, True): c for c in todo}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                config = pending.pop(ref)
                try:
                    outcome = ray.get(ref)
                except Exception:  # the result could not come back: a failed trial
                    outcome = ("error", traceback.format_exc(), 0.0)
                yield (config, *outcome)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)  # an interrupted sweep starts no new trial
        if started:
            ray.shutdown()


def _serial_results(trial, todo: list[dict], stopped: Callable[[list[dict]], None]):
    """Yield (config, status, output, wall) for each trial, run in this process."""
    for c in todo:
        try:
            outcome = _run_trial(trial, c)
        except BaseException:
            stopped([c])
            raise
        yield (c, *outcome)


# ---------------------------------------------------------------- the sweep


def run_sweep(
    trial: Callable[[dict], Any],
    configs,
    results_dir: str | os.PathLike,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
    raise_on_error: bool = True,
) -> list[dict]:
    """Run ``trial`` on every config that has no record in ``results_dir`` yet, writing one record
    per trial as it finishes; return the records of all configs, in the order of ``configs``.

    Args:
        trial: a module-level function ``config -> dict`` (or ``TrialOutput``).
        configs: a non-empty list of dicts or dataclass instances (JSON data; no two alike).
        results_dir: the results folder (created if missing); ``<key>.json`` per record.
        backend: "local" (a process pool), "ray" or "serial" (this process).
        workers: processes for "local" (default: every core), CPUs Ray may use when it starts
            locally (default: every core); ignored by "serial".
        address: "ray" only: a cluster to join (None: start Ray on this machine).
        progress: show a tqdm bar over the trials.
        raise_on_error: raise SweepError if any trial failed (after all others have run);
            otherwise the failed configs are missing from the returned list.

    Returns:
        list of records ``{"key", "config", "result", "run": {"wall_s", "backend", ...}}``.

    In a script, call it under ``if __name__ == "__main__":``: the local pool's workers are fresh
    interpreters that import the main script (Python's "spawn" start method).
    """
    if not callable(trial):
        raise ValueError(f"trial={trial!r} is not allowed: trial must be a function config -> dict")
    backend = check_choice("backend", backend, BACKENDS)
    if workers is not None:
        workers = check_int("workers", workers, low=1, high=4096)
    if address is not None and (backend != "ray" or not isinstance(address, str) or not address):
        raise ValueError(f"address={address!r} is not allowed: address must be a Ray cluster address (a non-empty "
                         'string) and is used only with backend="ray"')
    if isinstance(configs, (dict, str, bytes)) or not hasattr(configs, "__iter__"):
        raise ValueError(f"configs={configs!r} is not allowed: configs must be a list of dicts or dataclass instances")
    plain = [plain_config(c) for c in configs]
    if not plain:
        raise ValueError("configs=[] is not allowed: a sweep needs at least one config")
    keys = [config_key(c) for c in plain]
    first_seen: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in first_seen:
            raise ValueError(f"configs[{i}]={plain[i]!r} is not allowed: it is the same config as "
                             f"configs[{first_seen[k]}] (each trial must differ)")
        first_seen[k] = i

    if backend == "local":
        _check_picklable(trial)
    folder = Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder), interrupt_on_sigterm():
        done, failures = _run_todo(trial, plain, keys, folder, backend, workers, address, progress)
    if failures and raise_on_error:
        raise SweepError(failures)
    return [done[k] for k in keys if k in done]


def _check_picklable(trial: Callable) -> None:
    """ValueError unless ``trial`` can be sent to another process (a module-level function)."""
    try:
        pickle.dumps(trial)
    except Exception as error:
        raise ValueError(f"trial={trial!r} is not allowed: the local backend runs each trial in another process, "
                         "so trial must be a function defined at module level (not a lambda or a nested function); "
                         f"pickling it failed: {error}") from None


def _run_todo(trial, plain: list[dict], keys: list[str], folder: Path, backend: str, workers: int | None,
              address: str | None, progress: bool) -> tuple[dict[str, dict], dict[str, str]]:
    """Run the configs of ``plain`` that have no record in ``folder`` (whose lock is held) and write
    their records; returns key -> record for every config with a record, and key -> last line of
    the error for those that failed."""
    done = load_records(folder, quarantine=True)
    todo = [c for c, k in zip(plain, keys) if k not in done]

    def stopped(configs: list[dict]) -> None:
        for config in configs:
            write_json(folder / f"{config_key(config)}{FAILED_SUFFIX}",
                       {"key": config_key(config), "config": config, "interrupted": True,
                        "error": "interrupted: the sweep was stopped while this trial ran; the next run tries it again",
                        "run": {"backend": backend}}, indent=1)

    workers_default = workers or os.cpu_count() or 1
    if backend == "local":
        results = _local_results(trial, todo, min(workers_default, max(len(todo), 1)), stopped) if todo else iter(())
    elif backend == "ray":
        results = _ray_results(trial, todo, workers, address) if todo else iter(())
    else:
        results = _serial_results(trial, todo, stopped)

    failures: dict[str, str] = {}
    bar = progress_bar(total=len(plain), initial=len(plain) - len(todo), unit="trial", disable=not progress)
    try:
        for config, status, output, wall in results:
            key = config_key(config)
            failed = folder / f"{key}{FAILED_SUFFIX}"
            if status == "ok":
                for name, data in output.files.items():
                    (folder / key).mkdir(exist_ok=True)
                    write_atomic(folder / key / name, data)
                run = {**output.timings, "wall_s": wall, "backend": backend}
                record = {"key": key, "config": config, "result": output.result, "run": run}
                write_json(folder / f"{key}{RECORD_SUFFIX}", record, indent=1)
                failed.unlink(missing_ok=True)
                done[key] = record
            else:
                failures[key] = output.strip().splitlines()[-1]
                write_json(failed, {"key": key, "config": config, "error": output,
                                    "run": {"wall_s": wall, "backend": backend}}, indent=1)
            bar.update(1)
    finally:
        bar.close()
        if hasattr(results, "close"):
            results.close()  # stops the pool or Ray if the loop was interrupted
    return done, failures


def comparable(record: dict) -> dict:
    """The part of a record that must not depend on the backend: key, config and result."""
    return {k: record[k] for k in ("key", "config", "result")}
