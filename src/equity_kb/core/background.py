"""Work done in forked processes: jobs the build starts early and collects at its end,
and bulk work shared out between worker processes (``fork_map``).

A clean build of a large bibliography has three big jobs that need only the parsed
references: APA formatting, the search index of the references and the exports. Forked
as soon as the references are loaded, the index and the exports run beside formatting
and page writing instead of after them. A job is only an optimisation: when it cannot
start (no ``fork``, or this is a daemonic process) or fails, the caller does the work
itself, so nothing is lost.

A job started late in a large build (the search indexes, when reading ends) is a
fresh interpreter instead (``spawn``): forked then, it would keep a copy of the whole
heap the build goes on changing.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import socket
import subprocess
import sys
import traceback
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

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

    def sentinel(self) -> int:
        """A descriptor that reads as ended (EOF) once the job's process has ended: a
        process started after it, given the descriptor, can wait for it (``wait_for``)."""
        return int(self._process.sentinel)

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


class Spawned(Job):
    """A fresh interpreter running a command (``spawn``); same ``wait`` and ``stop``."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        passed: Sequence[int] = (),
        channel: socket.socket | None = None,
    ):
        self._popen = process
        self._channel = channel  # its stdin, when it listens on a socket (``spawn``)
        # A job not listening has its work already.
        self.told = channel is None and process.stdin is None
        self.passed = tuple(passed)  # the descriptors it was given (``pass_fds``, hand_over)

    def wait(self) -> bool:
        return self._popen.wait() == 0

    def stop(self) -> None:
        if self._popen.poll() is None:
            self._popen.terminate()
        self._popen.wait()
        if self._channel is not None:
            self._channel.close()

    def sentinel(self) -> int:
        raise NotImplementedError("a spawned job is waited for by its parent only")

    def tell(self, line: str) -> bool:
        """Send the job, started with ``listen``, its one line of work; False if it is
        not listening (gone, or started without it)."""
        message = line.encode("utf-8") + b"\n"
        channel, stdin = self._channel, self._popen.stdin
        try:
            if channel is not None and channel.fileno() >= 0:
                with channel:
                    channel.sendall(message)
            elif stdin is not None and not stdin.closed:  # no socket here (Windows)
                with stdin:
                    stdin.write(message)
            else:
                return False
        except OSError:  # it has stopped
            return False
        self.told = True
        return True

    def hand_over(self, fd: int) -> bool:
        """Give the listening job a copy of the descriptor ``fd`` (``work_line`` receives
        it), as if it had been passed when it started: a job started before a process
        it must wait for is kept, not started again. False where it cannot be given."""
        channel = self._channel
        if channel is None or channel.fileno() < 0 or not hasattr(socket, "send_fds"):
            return False
        try:
            socket.send_fds(channel, [b" "], [fd])
        except OSError:
            return False
        self.passed += (fd,)
        return True


def work_line() -> tuple[str, list[int]]:
    """In a job started with ``listen``: its line of work (empty if the build closed its
    stdin without one), and the descriptors handed over to it before (``hand_over``)."""
    try:
        stdin = os.dup(0)
    except OSError:  # no stdin at all
        return "", []
    try:
        channel = socket.socket(fileno=stdin)
    except OSError:  # not a socket: a plain pipe
        os.close(stdin)
        return (sys.stdin.readline() if sys.stdin else ""), []
    fds: list[int] = []
    data = b""
    with channel:
        while b"\n" not in data:
            chunk, got, _, _ = socket.recv_fds(channel, 65536, 4)
            fds.extend(got)
            if not chunk:
                break
            data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8").strip(), fds


def wait_for(sentinel: int) -> None:
    """Wait until the job whose ``sentinel`` this process was given has ended (nothing is
    ever written to it: the read returns at end of file, when its writer is gone)."""
    while os.read(sentinel, 1):
        continue


def _run(target: Callable[..., object], args: tuple[Any, ...]) -> None:
    try:
        target(*args)
    except BaseException:
        traceback.print_exc(file=sys.stderr)
        os._exit(1)


def worker_count() -> int:
    """How many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _fork_context() -> Any:
    """The ``fork`` start method, or None: not on this platform, or this process is
    daemonic (a pool worker), which may not have children."""
    if multiprocessing.current_process().daemon:
        return None
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def fork_map(
    fn: Callable[[T], R],
    jobs: Sequence[T],
    workers: int,
    meanwhile: Callable[[], object] | None = None,
) -> list[R] | None:
    """``fn`` over ``jobs`` in up to ``workers`` forked processes, results in order;
    ``meanwhile`` is called here once they are forked, while they work.

    Forked workers inherit what this process has loaded, so only ``jobs`` and results
    are pickled. None, to have the work done here instead, with fewer than two workers,
    without ``fork``, or if anything fails on the way (a worker dies, say)."""
    context = _fork_context()
    if workers < 2 or context is None:
        return None
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = pool.map(fn, jobs)  # every job submitted, and the workers forked
            if meanwhile is not None:
                meanwhile()
            return list(results)
    except Exception as err:  # e.g. BrokenProcessPool, or fork refused
        logger.debug("equity_kb: work in forked processes failed (%s)", err)
        return None


def call_forked(fn: Callable[..., R], *args: Any, **kwargs: Any) -> Callable[[], R] | None:
    """Start ``fn(*args, **kwargs)`` in a forked child, and return a function that waits
    for it and returns what it returned, or raises what it raised (both pickled back).
    None (and no child) where forking is not possible. Only for a small process with
    one thread: a fork copies the heap, and no other thread's locks."""
    context = _fork_context()
    if context is None:
        return None
    reader, writer = context.Pipe(duplex=False)

    def child() -> None:
        try:
            outcome: tuple[bool, Any] = (True, fn(*args, **kwargs))
        except BaseException as err:  # handed to the parent, which raises it
            outcome = (False, err)
        try:
            writer.send(outcome)
        except Exception as err:  # an unpicklable result or error: said as text
            writer.send((False, RuntimeError(f"{fn.__name__} failed: {err!r}")))

    try:
        process = context.Process(target=child, name=f"equity-kb {fn.__name__}")
        process.start()
    except OSError:
        return None
    finally:
        writer.close()  # the child's copy stays open: the parent sees EOF when it ends

    def result() -> R:
        try:
            ok, value = reader.recv()
        except EOFError:
            raise RuntimeError(f"{fn.__name__} stopped before it answered") from None
        finally:
            reader.close()
            process.join()
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    return result


def start(owner: Any, name: str, target: Callable[..., object], *args: Any) -> Job | None:
    """Run ``target(*args)`` in a forked child, kept under ``owner`` and ``name`` for
    ``take``. None (and no child) where forking is not possible."""
    context = _fork_context()
    if context is None:
        return None
    # Frozen, the objects the child inherits are never walked by its collector, which
    # would otherwise write to each one's header and copy every page of the heap.
    gc.freeze()
    try:
        process = context.Process(target=_run, args=(target, args), name=f"equity-kb {name}")
        process.start()
    except OSError:
        return None
    finally:
        gc.unfreeze()
    return _keep(owner, name, Job(process))


def spawn(
    owner: Any,
    name: str,
    args: Sequence[str],
    pass_fds: Sequence[int] = (),
    *,
    listen: bool = False,
    env: Mapping[str, str] | None = None,
) -> Spawned | None:
    """Run the command ``args`` (a fresh interpreter, which shares no memory with this
    one), kept under ``owner`` and ``name`` for ``take``; ``pass_fds`` stay open in it;
    ``listen``: it waits for its work on stdin (``Spawned.tell``), so it can be started,
    and import what it needs, before the work is known. None (and no process) if it
    cannot start.

    Forked, a job started late in a large build holds the whole heap it was forked
    with, as the build goes on changing it (1.2 GB more at 13,500 entries)."""
    ours = theirs = None
    if listen and hasattr(socket, "send_fds"):  # a socket: it can carry descriptors too
        ours, theirs = socket.socketpair()
    stdin: int = subprocess.PIPE if listen else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            list(args),
            pass_fds=tuple(pass_fds),
            stdin=theirs.fileno() if theirs is not None else stdin,
            env=None if env is None else dict(env),
        )
    except OSError as err:
        logger.debug("equity_kb: %s could not start (%s)", name, err)
        if ours is not None:
            ours.close()
        return None
    finally:
        if theirs is not None:
            theirs.close()
    return _keep(owner, name, Spawned(process, pass_fds, ours))


J = TypeVar("J", bound=Job)


def _keep(owner: Any, name: str, job: J) -> J:
    """Keep ``job`` under ``owner`` and ``name``, stopping one kept there before."""
    previous = _JOBS.setdefault(owner, {}).pop(name, None)
    if previous is not None:
        previous.stop()
    _JOBS[owner][name] = job
    return job


def peek(owner: Any, name: str) -> Job | None:
    """The job started under ``owner`` and ``name``, still kept (None if none)."""
    return _JOBS.get(owner, {}).get(name)


def take(owner: Any, name: str) -> Job | None:
    """The job started under ``owner`` and ``name``, no longer kept (None if none)."""
    return _JOBS.get(owner, {}).pop(name, None)


def stop_all(owner: Any) -> None:
    """Stop every job of ``owner`` (a build that failed does not need their results)."""
    for job in _JOBS.pop(owner, {}).values():
        job.stop()
