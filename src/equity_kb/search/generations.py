"""Generations of the index on disk: the pointer, the manifest, locks and leases.

Layout of ``index_dir``::

    CURRENT            one line: the name of the generation readers should open
    gen-000007/        a complete Whoosh index, plus manifest.json
    gen-000006/        the previous generation, kept while a reader may hold it
    .write.lock        serialises writers (two builds never interleave)

A writer never touches the generation readers use (indexer.py writes a new one beside
it). ``publish_generation`` makes it durable and replaces ``CURRENT`` with
``os.replace``, which is atomic: a reader opens either the old generation or the new
one, never a half-written index. Old generations are removed once no reader holds
them (readers take a shared ``flock`` on ``gen-*/.readers``); the newest two are
always kept, so a reader that has just read ``CURRENT`` still finds its directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from equity_kb.core import faults

from .layout import SCHEMA_VERSION, WORDS_FILE

try:  # POSIX; elsewhere writers are not serialised and old generations are kept
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


CURRENT = "CURRENT"


MANIFEST = "manifest.json"


# Each document's source stamp (see stamps.py); never copied into a new generation, so
# a generation another writer made has none and is compared document by document.
STAMPS = "stamps.json"


READERS = ".readers"


WRITE_LOCK = ".write.lock"


GEN_PREFIX = "gen-"


_GEN = re.compile(r"^gen-(\d{6,})$")


KEEP_GENERATIONS = 2


PREBUILD_PREFIX = ".tmp-prebuild-"


def current_generation(index_dir: str | os.PathLike[str]) -> Path | None:
    """The directory of the generation ``CURRENT`` names, or None if there is no index."""
    root = Path(index_dir)
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not _GEN.match(name):
        return None
    gen = root / name
    return gen if gen.is_dir() else None


def read_manifest(gen_dir: Path) -> dict[str, Any]:
    """The manifest of a generation: schema version, labels and each key's digest."""
    return read_json_object(gen_dir / MANIFEST) or {}


def read_json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object a generation keeps beside the index, or None if missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def usable_generation(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """The current generation and its manifest, if this schema can update it."""
    cur = current_generation(root)
    manifest = read_manifest(cur) if cur else {}
    if cur is None or manifest.get("schema") != SCHEMA_VERSION:
        return None
    return cur, manifest


def read_words(gen_dir: Path) -> dict[str, int]:
    return read_json_object(gen_dir / WORDS_FILE) or {}


def write_words(gen_dir: Path, counts: Mapping[str, int]) -> None:
    (gen_dir / WORDS_FILE).write_text(
        json.dumps(dict(sorted(counts.items())), ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )


def new_generation_dir(root: Path) -> tuple[str, Path]:
    numbers = [int(m.group(1)) for p in root.iterdir() if (m := _GEN.match(p.name))]
    name = f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"
    return name, root / f".tmp-{name}-{os.getpid()}"


def write_manifest(gen: Path, docs: Mapping[str, str], labels: Mapping[str, Any]) -> None:
    data = {"schema": SCHEMA_VERSION, "count": len(docs), "labels": labels, "docs": dict(docs)}
    (gen / MANIFEST).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def publish_generation(root: Path, name: str, tmp: Path) -> None:
    """Make ``tmp`` durable, rename it to ``name`` and point ``CURRENT`` at it."""
    for path in tmp.iterdir():
        if path.is_file():
            _fsync_file(path)
    faults.point("search-index")
    final = root / name
    os.replace(tmp, final)
    _fsync_dir(root)
    pointer = root / f".{CURRENT}.{os.getpid()}.tmp"
    with open(pointer, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer, root / CURRENT)  # the atomic swap
    _fsync_dir(root)
    _remove_old_generations(root, name)


def _remove_old_generations(root: Path, current: str) -> None:
    gens = sorted((p for p in root.iterdir() if _GEN.match(p.name)), key=lambda p: p.name)
    keep = {p.name for p in gens[-KEEP_GENERATIONS:]} | {current}
    for gen in gens:
        if gen.name in keep or fcntl is None:
            continue
        with _try_exclusive(gen / READERS) as free:
            if free:
                shutil.rmtree(gen, ignore_errors=True)


def remove_temporaries(root: Path, keep: Path | None = None) -> None:
    """Leftovers of a writer that died; only called while holding the write lock.
    A generation written ahead is left alone while its build process lives."""
    for path in root.iterdir():
        if path.name.startswith(".tmp-gen-"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(PREBUILD_PREFIX) and path != keep:
            pid = path.name[len(PREBUILD_PREFIX) :]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{CURRENT}.") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


@contextlib.contextmanager
def write_lock(root: Path) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(root / WRITE_LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _try_exclusive(path: Path) -> Iterator[bool]:
    """True if no reader holds ``path`` (a generation's reader lock)."""
    try:
        fh = open(path, "a+b")  # noqa: SIM115 - closed by the with below
    except OSError:
        yield True  # no lock file: no reader ever opened this generation
        return
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class ReaderLease:
    """A shared lock on a generation: while held, writers do not delete it."""

    def __init__(self, gen_dir: Path):
        self._fh = None
        if fcntl is None:  # pragma: no cover
            return
        try:
            # Held open for the searcher's lifetime: closing it releases the lease.
            fh = open(gen_dir / READERS, "a+b")  # noqa: SIM115
        except OSError:
            return  # a read-only index directory: nothing can delete it either
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        except OSError:
            fh.close()
            return
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing drops the flock
            self._fh = None


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - not possible on Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
