"""Starting a submission's process in isolation, and killing everything it started.

The grader runs each submission in a process it starts itself, with ``start_new_session`` (so the
process and everything it starts are in a session and process group whose id is the ``Popen``'s
pid, a number the grader holds and the submission cannot change), resource limits
(``resource.setrlimit``, see ``Limits``: data memory, CPU time, file size, processes, no core
dumps), and a cleared environment
(only ``HOME``, ``PATH``, ``PYTHONPATH``, ``MPLBACKEND`` and a few locale and BLAS variables; no
secret of the grader's reaches the submission). Around it, the strongest of three mechanisms that
this machine offers:

``bwrap`` (bubblewrap, Debian package ``bubblewrap``; what Flatpak uses)
    New user, PID, network, IPC and UTS namespaces. The file system is a fresh one: the system's
    ``/usr`` and the Python installation read-only, a copy of the ``goalmisgen`` package *without*
    ``book/`` read-only, a private ``/tmp`` and a home folder holding only a copy of this
    student's notebook, both in memory and each capped at ``Limits.disk`` bytes. Other submissions, the grades file, the instructor's notebooks and the user's home
    are not there at all. No network. The grader and its other processes are invisible (a PID
    namespace), so they cannot be signalled. When the grader kills the sandbox (or dies), the
    kernel kills every process in the PID namespace, daemons that left the session included.
``unshare`` (util-linux, on every Debian)
    Used when bubblewrap is missing or cannot start: new user, PID, network, IPC and UTS
    namespaces, the same kill-everything-at-the-end, but **the file system is shared**: the
    submission can read and write what the grader's user can. The grader compensates where it
    can (it reads every submission into memory first, restores any submission file a notebook
    changed, and flags that notebook) but cannot protect other files, and the disk it may fill
    is capped only file by file (``Limits.file_size``).
``none``
    Neither works (no user namespaces): only the session, the limits and the cleared
    environment. A process that calls ``setsid`` can outlive grading, and the submission can
    signal the grader. Chosen only when asked for by name (``--sandbox none``).

The interpreter is this grader's own, named by an absolute path (``interpreter``) resolved before
any sandbox starts, so a grader started as ``../.venv/bin/python`` finds it inside the sandbox too.

Every process is ended by ``kill_group`` on the pid the grader got from ``Popen``; nothing the
submission writes (a pid file, say) is ever read back to decide what to kill.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import goalmisgen

MECHANISMS = ("bwrap", "unshare", "none")
PASSED_VARIABLES = ("LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "localtime", "fonts", "alternatives")
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)
HOME = "/home/student"  # the submission's folder inside bubblewrap
SITE = "/opt/goalmisgen"  # the package copy inside bubblewrap


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's process, far above what a chapter notebook needs (its
    agents train in well under 1 GiB, with a few threads, writing files of a few MB):

    * ``memory``: bytes of data memory (``RLIMIT_DATA``; the grader passes ``--memory-gb``);
    * ``cpu_seconds``: CPU time (``RLIMIT_CPU``);
    * ``file_size``: the largest file it may write (``RLIMIT_FSIZE``);
    * ``tasks``: processes and threads it may run (``RLIMIT_NPROC``). Linux 5.14 and later count
      them per user namespace, so inside ``bwrap`` and ``unshare`` this is the sandbox's own
      count; elsewhere the kernel counts every task of the grader's user, and the limit is that
      count at the start plus ``tasks`` (root outside a namespace is never limited);
    * ``disk``: bytes of its home folder and of its ``/tmp`` each (under bubblewrap only, where
      both are in memory; the others share the grader's disk, capped file by file).
    """

    memory: int = 4 * 2**30
    cpu_seconds: int = 3600
    file_size: int = 256 * 2**20
    tasks: int = 256
    disk: int = 512 * 2**20


def _probe(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=30, env={"PATH": "/usr/bin:/bin"}).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.cache
def available() -> tuple[str, ...]:
    """The mechanisms that start on this machine, strongest first (``none`` always)."""
    found = []
    if shutil.which("bwrap") and _probe(["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"]):
        found.append("bwrap")
    if shutil.which("unshare") and _probe(_unshare_prefix() + ["true"]):
        found.append("unshare")
    return (*found, "none")


def choose(requested: str = "auto") -> str:
    """The mechanism to use: ``auto`` picks ``bwrap``, else ``unshare``; a named one must be available.

    Raises:
        ValueError: for an unknown name, a mechanism this machine cannot start, or ``auto`` where
            neither namespace mechanism works (then only ``--sandbox none`` grades, unprotected).
    """
    if requested not in ("auto", *MECHANISMS):
        raise ValueError(f"sandbox={requested!r} is not allowed: sandbox must be one of auto, {', '.join(MECHANISMS)}")
    found = available()
    if requested == "auto":
        if found[0] == "none":
            raise ValueError(
                "no sandbox starts on this machine (bubblewrap is not installed and user namespaces are off): "
                "install bubblewrap (apt-get install bubblewrap), or pass --sandbox none to grade trusted work unprotected"
            )
        return found[0]
    if requested not in found:
        raise ValueError(f"sandbox {requested!r} does not start on this machine; available: {', '.join(found)}")
    return requested


def _unshare_prefix() -> list[str]:
    return ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount-proc",
            "--net", "--ipc", "--uts"]


def package_copy(dest: Path) -> Path:
    """Copy the ``goalmisgen`` package (its ``src`` folder only, so no ``book/``) into
    ``dest/src/goalmisgen``; returns ``dest/src``, the folder to put on ``PYTHONPATH``."""
    source = Path(goalmisgen.__file__).resolve().parent
    target = dest / "src" / "goalmisgen"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest / "src"


def interpreter() -> Path:
    """This grader's Python as an absolute path without ``..``: its folder resolved, its own name
    kept (a virtual environment's ``python`` is a link that must not be followed)."""
    executable = Path(os.path.abspath(sys.executable))
    return executable.parent.resolve() / executable.name


def _environment(home: str, site: str) -> dict[str, str]:
    env = {k: os.environ[k] for k in PASSED_VARIABLES if k in os.environ}
    env.update(HOME=home, PYTHONPATH=site, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
               PATH=f"{interpreter().parent}:/usr/local/bin:/usr/bin:/bin", OMP_NUM_THREADS="1")
    return env


def _python_roots() -> list[str]:
    roots = {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix)}
    roots |= {str(interpreter().parents[1]), str(interpreter().resolve().parents[1])}
    return sorted(r for r in roots if not r.startswith("/usr/"))


def _bwrap_argv(site: Path, env: dict[str, str], limits: Limits, fds: dict[str, int]) -> list[str]:
    argv = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev", "--size", str(limits.disk), "--tmpfs", "/tmp"]
    for link in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / link
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for root in _python_roots():
        argv += ["--ro-bind", root, root]
    argv += ["--ro-bind", str(site), SITE, "--size", str(limits.disk), "--tmpfs", HOME, "--chdir", HOME]
    for name, fd in fds.items():
        argv += ["--file", str(fd), f"{HOME}/{name}"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return argv


def user_tasks() -> int:
    """The tasks (processes and threads) of this user now, as ``RLIMIT_NPROC`` counts them."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == os.getuid():
                count += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            continue  # a process that ended meanwhile
    return count


def task_limit(mechanism: str, limits: Limits) -> int:
    """The ``RLIMIT_NPROC`` value that lets a submission run ``limits.tasks`` tasks (see ``Limits``)."""
    release = tuple(int(part) for part in re.findall(r"\d+", os.uname().release)[:2])
    if mechanism != "none" and release >= (5, 14):
        return limits.tasks
    return user_tasks() + limits.tasks


def _limit(limits: Limits, tasks: int) -> None:
    """Set in the child before it runs anything (``preexec_fn``)."""
    for which, value in ((resource.RLIMIT_DATA, limits.memory), (resource.RLIMIT_CPU, limits.cpu_seconds),
                         (resource.RLIMIT_FSIZE, limits.file_size), (resource.RLIMIT_NPROC, tasks),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # if the grader dies, so does the sandbox


def start(mechanism: str, argv: list[str], work: Path, site: Path, limits: Limits) -> subprocess.Popen:
    """Start ``argv`` (a Python command: ``argv[0]`` is replaced by this interpreter) isolated by
    ``mechanism``, in ``work`` with ``site`` on its path; its stdin and stdout are pipes to the grader.

    ``work`` and ``site`` are the paths on this machine; under bubblewrap the process sees
    ``site`` as ``/opt/goalmisgen``, and a home folder in memory, ``/home/student``, holding
    copies of the files of ``work``.
    """
    tasks = task_limit(mechanism, limits)
    with contextlib.ExitStack() as stack:
        if mechanism == "bwrap":
            fds = {path.name: stack.enter_context(open(path, "rb")).fileno() for path in sorted(work.iterdir()) if path.is_file()}
            env = _environment(HOME, SITE)
            command = _bwrap_argv(site, env, limits, fds) + [str(interpreter()), *argv[1:]]
            popen_env, cwd = {"PATH": "/usr/bin:/bin"}, None
        else:
            fds = {}
            env = _environment(str(work), str(site))
            prefix = _unshare_prefix() if mechanism == "unshare" else []
            command = prefix + [str(interpreter()), *argv[1:]]
            popen_env, cwd = env, str(work)
        return subprocess.Popen(
            command, cwd=cwd, env=popen_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=functools.partial(_limit, limits, tasks), close_fds=True,
            pass_fds=tuple(fds.values()),
        )


def kill_group(process: subprocess.Popen) -> None:
    """Kill the process group (and session) that ``start`` created, then reap the process.

    Under ``bwrap`` and ``unshare`` this ends the PID namespace, and with it every process the
    submission started, wherever it moved; under ``none``, only those still in the group.
    """
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
