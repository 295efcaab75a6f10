"""The OS sandbox one graded submission runs in: a bubblewrap (``bwrap``) command line with limits.

``command(argv, ...)`` returns the command that runs ``argv`` with

- no network (its own network namespace: only a loopback nobody else is on);
- a read-only view of only what a Python needs (``/usr``, ``/etc``, the interpreter, the
  virtual environment, the cnnbook package, the data and weights folders) and of the files it
  is given; everything else on the machine (other submissions, the autograders, the grades, the
  repository's ``tests/`` and ``instructor/``, home folders, ``/run``'s sockets) is absent;
- its own ``/tmp`` (a tmpfs of ``Limits.scratch`` bytes), its own process, IPC and host-name
  namespaces, and, on the host's disk, write access to the files it is given to write only;
- limits per process on CPU seconds (``RLIMIT_CPU``), address space (``RLIMIT_AS``) and file
  size (``RLIMIT_FSIZE``), and on the number of processes and threads (``RLIMIT_NPROC``).
  The wall-clock limit is the caller's: it kills the command's process group.

``RLIMIT_NPROC`` does not bind root, so run as root the command first becomes ``uid`` (an
otherwise unused user id, one per submission, with no capabilities and no way to gain any),
and the count is that of the sandbox alone. Run as an ordinary user, bwrap makes a user
namespace and the count is that namespace's. Used by ``tools.grading`` (``make grade``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

GiB = 2**30
INSTALL = "apt-get install bubblewrap"
# The system a Python needs, read-only. /bin, /lib... are links into /usr on current Debian.
SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Unused user ids for sandboxed submissions run by root: one per submission, never a real user.
UID_BASE = 2_000_000_000
# Variables a graded notebook may need; the rest of the grader's environment (tokens, paths
# of the grader's machine) stays outside.
PASSED_PREFIXES = ("CNNBOOK_", "TF_", "OMP_", "MKL_", "OPENBLAS_", "CUDA_", "XLA_")
PASSED = ("LANG", "LC_ALL", "TZ", "PYTHONHASHSEED", "PYTHONUNBUFFERED")


class SandboxError(RuntimeError):
    """The sandbox cannot be built on this machine; the message says what to do."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Per process: CPU seconds, bytes of address space, bytes
    per file written; for the whole sandbox: processes and threads, bytes of /tmp."""

    cpu: int = 3600
    memory: int = 8 * GiB
    processes: int = 512
    file_size: int = 1 * GiB
    scratch: int = 2 * GiB

    def __post_init__(self):
        for name in ("cpu", "memory", "processes", "file_size", "scratch"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"sandbox limit {name} must be a positive number")


def missing_tools() -> list[str]:
    """The programs the sandbox needs that this machine lacks (bwrap; setpriv and prlimit
    come with util-linux)."""
    return [tool for tool in ("bwrap", "setpriv", "prlimit") if shutil.which(tool) is None]


def require() -> None:
    """Raise ``SandboxError`` with the remedy when the sandbox's programs are missing."""
    missing = missing_tools()
    if "bwrap" in missing:
        raise SandboxError(
            "grading runs each submission in a bubblewrap sandbox, and `bwrap` is not installed:"
            f" install it ({INSTALL}), or pass --no-sandbox to grade without one (unsafe: "
            "every submission then runs with your rights, can read the other submissions and "
            "the hidden tests, write anywhere you can and use the network)."
        )
    if missing:
        raise SandboxError(
            f"the sandbox needs {' and '.join(missing)} (util-linux): apt-get install util-linux"
        )


def uid_for(index: int) -> int:
    """The user id of the ``index``-th submission graded by this process (root only)."""
    return UID_BASE + (os.getpid() % 100_000) * 1_000 + index % 1_000


def python_paths() -> list[Path]:
    """What this Python needs to run in the sandbox: its environment, its base installation
    and the folders the cnnbook package is imported from (an editable install maps
    ``cnnbook`` to ``src/cnnbook`` and ``cnnbook.catalog`` to ``data/``)."""
    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parents[1]]
    for package in ("cnnbook", "cnnbook.catalog"):
        spec = importlib.util.find_spec(package)
        paths += [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return [p.resolve() for p in paths]


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _minimal(paths: Iterable[Path]) -> list[Path]:
    """``paths`` without those inside another one, shortest first."""
    kept: list[Path] = []
    for path in sorted({Path(p) for p in paths}, key=lambda p: (len(p.parts), str(p))):
        if not _under(path, kept):
            kept.append(path)
    return kept


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The sandbox's environment: a PATH to this Python's tools, HOME and TMPDIR in the private
    /tmp, the variables a notebook may need (``PASSED``), and ``extra``."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
    }
    for name, value in os.environ.items():
        if name in PASSED or name.startswith(PASSED_PREFIXES):
            env[name] = value
    env.update(extra or {})
    return env


def command(
    argv: list[str],
    *,
    readable: Iterable[Path] = (),
    files: Mapping[str, Path] | None = None,
    writable: Mapping[str, Path] | None = None,
    hidden: Iterable[Path] = (),
    limits: Limits | None = None,
    uid: int | None = None,
    cwd: str = "/tmp",
) -> list[str]:
    """The bwrap command that runs ``argv`` in the sandbox.

    readable: folders seen read-only at their own paths (besides ``SYSTEM`` and
        ``python_paths()``); hidden: folders that must stay invisible even where they lie inside
        a readable one (an empty tmpfs covers them); files: {path inside: file outside}, seen
        read-only; writable: {path inside: file outside}, the only host files the command can
        write (each at most ``limits.file_size`` bytes); uid: the user id to run as when this
        process is root (``uid_for``), required then; ignored otherwise.
    """
    limits = limits or Limits()
    as_root = os.geteuid() == 0
    if as_root and uid is None:
        raise ValueError("run as root, the sandbox needs a uid to drop to (uid_for(index))")
    files, writable = dict(files or {}), dict(writable or {})
    for inside in [*files, *writable]:
        if not inside.startswith("/") or inside.startswith("/tmp/") or ".." in inside:
            raise ValueError(f"sandbox path {inside!r}: give an absolute path outside /tmp")
    roots = _minimal(
        [Path(p) for p in SYSTEM if os.path.lexists(p)]
        + python_paths()
        + [Path(p).resolve() for p in readable if Path(p).exists()]
    )
    args = ["bwrap", "--die-with-parent", "--new-session"]
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    if not as_root:  # an ordinary user: bwrap needs a user namespace, where nothing nests
        args += ["--unshare-user", "--disable-userns"]
    # The private /tmp first: folders given under the grader's /tmp are bound into it.
    args += ["--perms", "1777", "--size", str(int(limits.scratch)), "--tmpfs", "/tmp"]
    # Bwrap creates missing parent folders readable by root only: make them 0755 first.
    targets = [*roots, *(Path(p) for p in [*files, *writable])]
    parents = _minimal_parents(targets)
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    for root in roots:
        if os.path.islink(root) and str(root) in SYSTEM:  # /bin -> usr/bin: the same link
            args += ["--symlink", os.readlink(root), str(root)]
        else:
            args += ["--ro-bind", str(root), str(root)]
    for path in _minimal(Path(p).resolve() for p in hidden):
        if path.is_dir() and _under(path, roots):
            args += ["--tmpfs", str(path)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", str(int(limits.scratch)), "--tmpfs", "/dev/shm"]
    for inside, outside in files.items():
        args += ["--ro-bind", str(Path(outside).resolve()), inside]
    for inside, outside in writable.items():
        args += ["--bind", str(Path(outside).resolve()), inside]
    args += ["--remount-ro", "/", "--chdir", cwd, "--"]
    if as_root:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    cpu = int(limits.cpu)
    args += [
        "prlimit",
        f"--cpu={cpu}:{cpu + 5}",  # SIGXCPU at the soft limit, SIGKILL 5 s later
        f"--as={int(limits.memory)}",
        f"--nproc={int(limits.processes)}",
        f"--fsize={int(limits.file_size)}",
        "--core=0",
        "--",
    ]
    return args + list(argv)


def _minimal_parents(targets: Iterable[Path]) -> list[Path]:
    """Every folder above the mount points in ``targets``, shallow first (not "/")."""
    parents = {parent for target in targets for parent in Path(target).parents}
    return sorted(parents - {Path("/")}, key=lambda p: (len(p.parts), str(p)))


def prepare_writable(paths: Iterable[Path], uid: int | None) -> None:
    """Create the host files the sandbox may write, owned by ``uid`` when run as root."""
    for path in paths:
        Path(path).touch()
        if uid is not None and os.geteuid() == 0:
            os.chown(path, uid, uid)
