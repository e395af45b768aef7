"""One build at a time per output folder, and a build that died repaired by the next.

- **A lock.** Each build holds an exclusive ``flock`` on ``<state>/build.lock`` from the
  moment its configuration is read (before Sphinx opens the pickled environment) to its
  end. A second build on the same output (``make html`` while ``make livehtml`` builds)
  says which build it waits for, waits up to ``KB_BUILD_WAIT`` seconds (default 900),
  then stops with that reason. The kernel drops the lock when a process dies, even by
  SIGKILL, so a lock is never stale.
- **A marker.** ``<state>/build.unfinished`` exists while a build runs. Found at the start
  of the next build, it means the last one died: any page may be half written, so every
  page is written again (Sphinx's ``.buildinfo`` and the generated pages' digests are
  dropped) and the dead build's temporary files are removed. The search indexes and the
  exports need no repair: they are replaced whole, by rename (search/generations.py,
  search/static_index.py, references.atomic_write), so the service went on answering
  from the last good generation throughout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
from pathlib import Path
from typing import IO, Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import SphinxError
from sphinx.util import logging

from equity_kb.core import faults
from equity_kb.search.layout import state_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: builds are not serialised
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("equity_kb")
LOCK = "build.lock"
UNFINISHED = "build.unfinished"
WAIT_VARIABLE = "KB_BUILD_WAIT"
_held: dict[str, IO[str]] = {}  # lock path -> the open file holding it, in this process


class BuildLocked(SphinxError):
    category = "Another build is running"


def setup_build_guard(app: Sphinx) -> None:
    # Early among config-inited handlers: before anything reads the state folder.
    app.connect("config-inited", start_build, priority=100)
    app.connect("html-page-context", page_point)
    app.connect("build-finished", finish_build, priority=950)


def start_build(app: Sphinx, config: Config) -> None:
    from .write_errors import CannotWrite

    state = state_dir(app.outdir)
    marker = state / UNFINISHED
    try:
        state.mkdir(parents=True, exist_ok=True)
        _lock(state / LOCK, Path(app.outdir))
        if marker.exists():
            logger.info(
                f"the last build of {app.outdir} did not finish ({_read(marker)}): "
                "writing every page again"
            )
            repair(state, Path(app.outdir))
        marker.write_text(f"pid {os.getpid()}, started {_now()}\n", encoding="utf-8")
    except OSError as err:
        raise CannotWrite(
            f"cannot write the build's state at {err.filename or state}: "
            f"{err.strerror or err}. Nothing was changed; free some space or make the "
            "folder writable, then build again"
        ) from None


def repair(state: Path, site: Path) -> None:
    """After a build that died: make the next build write every page, and remove what
    the dead build left half done (never taken for real: nothing reads these names)."""
    # A build info that matches no configuration: Sphinx then writes every page
    # (buildstate.py puts it back in the site for Sphinx to read).
    for name in (".buildinfo", ".buildinfo.bak"):
        (site / name).unlink(missing_ok=True)
    (state / "buildinfo.bak").unlink(missing_ok=True)
    (state / "buildinfo").write_text(
        "# Sphinx build info version 1\n# The last build did not finish: write every page.\n"
        "config: unfinished-build\ntags: unfinished-build\n",
        encoding="utf-8",
    )
    shutil.rmtree(state / "generated", ignore_errors=True)
    for folder in (state, state / "search-index", site, site / "_downloads"):
        for leftover in [*folder.glob(".*.tmp"), *folder.glob("*.tmp"), *folder.glob("*.old")]:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def page_point(app: Sphinx, pagename: str, *args: Any) -> None:
    faults.point(f"page:{pagename}")


def finish_build(app: Sphinx, exception: BaseException | None) -> None:
    state = state_dir(app.outdir)
    if exception is None:
        (state / UNFINISHED).unlink(missing_ok=True)
    _unlock(state / LOCK)


def _lock(path: Path, site: Path) -> None:
    if fcntl is None:
        return
    stale = _held.pop(str(path), None)
    if stale is not None:  # this process's earlier build raised before its end
        stale.close()
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole build
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        wait = float(os.environ.get(WAIT_VARIABLE, "900"))
        # Said, not warned: waiting is not a fault of the content (-W must not fail it).
        logger.info(
            f"another build is writing {site} ({holder}); waiting for it to finish "
            f"(up to {wait:.0f} s, {WAIT_VARIABLE})"
        )
        if not _wait(fh, wait):
            fh.close()
            raise BuildLocked(
                f"another build is still writing {site} ({holder}) after {wait:.0f} s; "
                "this build stopped without touching it. Wait for that build, or stop it"
            ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()}, started {_now()}\n")
    fh.flush()
    _held[str(path)] = fh


def lock_fd(site: str | os.PathLike[str]) -> int | None:
    """The descriptor holding this build's lock on ``site``: a process the build starts
    that inherits it holds the lock too, so no other build begins before it ends."""
    fh = _held.get(str(state_dir(site) / LOCK))
    return fh.fileno() if fh is not None and not fh.closed else None


def _wait(fh: IO[str], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            time.sleep(0.2)
    return False


def _unlock(path: Path) -> None:
    fh = _held.pop(str(path), None)
    if fh is not None:
        with contextlib.suppress(OSError):
            fh.close()  # closing drops the flock


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return "no details"


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
