"""Work the build starts early in a forked process and collects at its end.

A clean build of a large bibliography has three big jobs that need only the parsed
references: APA formatting, the search index of the references and the exports. Forked
as soon as the references are loaded, the index and the exports run beside formatting
and page writing instead of after them. A job is only an optimisation: when it cannot
start (no ``fork``, or this is a daemonic process) or fails, the caller does the work
itself, so nothing is lost.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
import weakref
from collections.abc import Callable
from typing import Any

# Jobs of a running build, by application and name: they are processes, so they live
# outside the (pickled) environment.
_JOBS: weakref.WeakKeyDictionary[Any, dict[str, Job]] = weakref.WeakKeyDictionary()


class Job:
    """A function running in a forked child; ``wait`` says whether it succeeded."""

    def __init__(self, process: Any):
        self._process = process

    def wait(self) -> bool:
        self._process.join()
        return bool(self._process.exitcode == 0)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def _run(target: Callable[..., object], args: tuple[Any, ...]) -> None:
    try:
        target(*args)
    except BaseException:
        traceback.print_exc(file=sys.stderr)
        os._exit(1)


def start(owner: Any, name: str, target: Callable[..., object], *args: Any) -> Job | None:
    """Run ``target(*args)`` in a forked child, kept under ``owner`` and ``name`` for
    ``take``. None (and no child) where forking is not possible."""
    if multiprocessing.current_process().daemon:
        return None  # a daemonic process (a pool worker) may not have children
    try:
        context = multiprocessing.get_context("fork")
        process = context.Process(target=_run, args=(target, args), name=f"equity-kb {name}")
        process.start()
    except (ValueError, OSError):
        return None
    job = Job(process)
    previous = _JOBS.setdefault(owner, {}).pop(name, None)
    if previous is not None:
        previous.stop()
    _JOBS[owner][name] = job
    return job


def take(owner: Any, name: str) -> Job | None:
    """The job started under ``owner`` and ``name``, no longer kept (None if none)."""
    return _JOBS.get(owner, {}).pop(name, None)


def stop_all(owner: Any) -> None:
    """Stop every job of ``owner`` (a build that failed does not need their results)."""
    for job in _JOBS.pop(owner, {}).values():
        job.stop()
