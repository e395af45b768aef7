"""Parsed files kept, so that an unchanged file costs (almost) nothing on a rebuild: a file
is cut into chunks (an entry each), each parsed once and cached by its text, in memory
and, with a cache folder, on disk; large cold parses are shared out between processes."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

import bibtexparser

from equity_kb.core import background
from equity_kb.core.model import Problem, Reference

from . import latex
from .names import person
from .parse import Chunks, ParsedFile, from_plain, parse_text, to_plain

# Bump when the cached parse format or the parsing rules change.
CACHE_VERSION = f"4-bibtexparser{getattr(bibtexparser, '__version__', '?')}"

# A chunk is the text from one '@' at the start of a line to the next: an entry (with
# any comment after it). Parsed chunks are cached by their text, so editing one entry
# of a 10,000-entry file re-parses that entry only.
_CHUNK_START = re.compile(r"\n[ \t]*@")  # (searching for "\n" first is fast)
_STRING_BLOCK = re.compile(r"^[ \t]*@\s*string\b", re.MULTILINE | re.IGNORECASE)


def split_chunks(text: str) -> list[tuple[int, str]]:
    """``text`` cut into chunks, each with the 0-based line it starts on.

    A cut is made only where the braces before it balance, so an '@' at the start of a
    line inside a value, or an entry whose braces never close, keeps its text with what
    follows, as one parse of the whole file would. A file with ``@string`` macros is
    one chunk: its entries' values depend on them.
    """
    if _STRING_BLOCK.search(text):
        return [(0, text)]
    cuts = [m.start() + 1 for m in _CHUNK_START.finditer(text)]
    out: list[tuple[int, str]] = []
    start = 0
    line = 0
    for cut in [*cuts, len(text)]:
        piece = text[start:cut]
        if cut < len(text) and not _balanced(piece):
            continue
        out.append((line, piece))
        line += piece.count("\n")
        start = cut
    return out


def _balanced(piece: str) -> bool:
    escaped = piece.count("\\{") - piece.count("\\}")
    return piece.count("{") - piece.count("}") == escaped


def chunk_key(piece: str) -> bytes:
    return hashlib.blake2b(piece.encode("utf-8", "surrogatepass"), digest_size=16).digest()


# Bounded, process-wide caches of pure functions' results (keyed by content hash):
# they hold immutable values, so sharing them between callers is safe.
_PARSED: dict[str, Chunks] = {}  # by the digest of a whole file's bytes
_CHUNK_CACHE: dict[bytes, ParsedFile] = {}  # by chunk_key
VALIDATED: dict[tuple[str, ...], tuple[tuple[Reference, ...], tuple[Problem, ...]]] = {}
# By a file's digest: its @string definitions (absolute lines), and whether a field of it
# waits for other files' macros (macros.py).
FILE_MACROS: dict[str, tuple[tuple[tuple[str, str, int], ...], bool]] = {}
_MAX_CACHED = 64
_MAX_CHUNKS = 200_000


def remember(cache: dict[Any, Any], key: object, value: object) -> None:
    if len(cache) >= _MAX_CACHED:
        cache.pop(next(iter(cache)))
    cache[key] = value


def parsed_chunks(path: str, data: bytes, text: str, cache_dir: Path | None) -> tuple[str, Chunks]:
    """The parsed chunks of a file. Only chunks whose text was not parsed before (in
    this process, or by an earlier build of this file, kept in ``cache_dir``) are
    parsed, together in one call."""
    digest = hashlib.sha256(data).hexdigest()
    hit = _PARSED.get(digest)
    if hit is not None:
        return digest, hit
    pieces = split_chunks(text)
    keys = [chunk_key(piece) for _, piece in pieces]
    known = _CHUNK_CACHE
    store = _store_path(cache_dir, path)
    stored: dict[bytes, ParsedFile] = {}
    if store is not None and any(k not in known for k in keys):
        stored = _load_store(store)
    found = {k: known.get(k) or stored.get(k) for k in keys}
    missing = [i for i, k in enumerate(keys) if found[k] is None]
    if missing:
        batch: list[str] = []
        bases: list[int] = []
        line = 0
        for i in missing:
            piece = pieces[i][1]
            piece = piece if piece.endswith("\n") else piece + "\n"
            bases.append(line)
            batch.append(piece)
            line += piece.count("\n")
        for i, result in zip(missing, _parse_batches(batch, bases), strict=True):
            found[keys[i]] = result
    if len(known) + len(keys) > _MAX_CHUNKS:
        known.clear()
    current = {k: v for k, v in found.items() if v is not None}
    known.update(current)
    if store is not None and (missing or set(current) - set(stored)):
        # The store holds this file's chunks only: what an edit removed goes with it.
        plain = {k: to_plain(v) for k, v in current.items()}
        _write_atomically(store, pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(store.parent)
    chunks = tuple((first, current[k]) for (first, _), k in zip(pieces, keys, strict=True))
    remember(_PARSED, digest, chunks)
    return digest, chunks


# With this many chunks to parse, two or more processes parse them faster than one
# (a clean build's parse is when the build has nothing else to give the other cores):
# 1,000 entries load in 0.27 s on two cores, against 0.35 s in one process.
PARALLEL_MIN_CHUNKS = 1000


def _parse_batches(pieces: list[str], bases: list[int]) -> list[ParsedFile]:
    """``parse_text`` of the pieces joined, shared out between forked processes when
    there are many; the same results either way."""
    workers = background.worker_count()
    if len(pieces) >= PARALLEL_MIN_CHUNKS and workers > 1:
        size = -(-len(pieces) // workers)
        jobs = [
            ("".join(pieces[i : i + size]), [b - bases[i] for b in bases[i : i + size]])
            for i in range(0, len(pieces), size)
        ]
        parts = background.fork_map(_parse_job, jobs, len(jobs))
        if parts is not None:
            return [from_plain(r) for part in parts for r in part]
    return parse_text("".join(pieces), bases)


def _parse_job(job: tuple[str, list[int]]) -> list[tuple[Any, ...]]:
    return [to_plain(chunk) for chunk in parse_text(*job)]


def _store_path(cache_dir: Path | None, path: str) -> Path | None:
    if cache_dir is None:
        return None
    name = hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()
    return cache_dir / f"bib-{CACHE_VERSION}-{name[:32]}.pickle"


def _load_store(store: Path) -> dict[bytes, ParsedFile]:
    try:
        with store.open("rb") as fh:
            loaded = pickle.load(fh)
        os.utime(store)  # recently used: kept when the folder is pruned
        return {k: from_plain(v) for k, v in loaded.items()}
    except Exception:  # missing, damaged or foreign: parse again
        return {}


def _prune(cache_dir: Path) -> None:
    """Keep the most recently used parsed files; every edit of a .bib adds one."""
    try:
        files = sorted(cache_dir.glob("bib-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in files[:-_MAX_CACHED]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file and rename, so parallel builds never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    except OSError:
        return  # the cache is an optimisation; a read-only cache dir must not fail a build
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def clear_cache() -> None:
    """Forget everything parsed, decoded and validated in memory (the disk cache stays)."""
    _PARSED.clear()
    _CHUNK_CACHE.clear()
    VALIDATED.clear()
    FILE_MACROS.clear()
    latex.clear()
    person.cache_clear()
