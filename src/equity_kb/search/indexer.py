"""Write the Whoosh index in generations and swap them in atomically; write the catalog.

Layout of ``index_dir``::

    CURRENT            one line: the name of the generation readers should open
    gen-000007/        a complete Whoosh index, plus manifest.json
    gen-000006/        the previous generation, kept while a reader may hold it
    .write.lock        serialises writers (two builds never interleave)

A writer never touches the generation readers use. It copies the current generation
(copy on write), updates the copy, fsyncs it, then replaces ``CURRENT`` with
``os.replace``, which is atomic: a reader opens either the old generation or the new
one, never a half-written index. Old generations are removed once no reader holds
them (readers take a shared ``flock`` on ``gen-*/.readers``); the newest two are
always kept, so a reader that has just read ``CURRENT`` still finds its directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from equity_kb.core.gcpause import gc_paused

from . import whoosh_speedups
from .schema import FACET_FIELDS, SCHEMA_VERSION, STORED_BODY_CHARS, WORDS_FILE, build_schema

try:  # POSIX; elsewhere writers are not serialised and old generations are kept
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

whoosh_speedups.install()

Progress = Callable[[int, int], None]
Doc = Mapping[str, Any]

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
# Above this many changed documents a clean rebuild (several processes) beats an update.
_REBUILD_SHARE = 0.5
_REBUILD_MIN = 1000
# Below this many documents extra writer processes cost more than they save.
_PROCS_MIN_DOCS = 2000


@dataclass
class IndexStats:
    """What a write did. ``generation`` is the name now in ``CURRENT``."""

    generation: str
    documents: int
    upserted: int = 0
    deleted: int = 0
    rebuilt: bool = False
    unchanged: bool = False
    seconds: float = 0.0
    ahead_seconds: float | None = None  # the part written ahead took this long, beside
    duplicates: list[str] = field(default_factory=list)


# -- reading the pointer ------------------------------------------------------------


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


# -- public writers -------------------------------------------------------------------


def _usable(root: Path) -> tuple[Path, dict[str, Any]] | None:
    """The current generation and its manifest, if this schema can update it."""
    cur = current_generation(root)
    manifest = read_manifest(cur) if cur else {}
    if cur is None or manifest.get("schema") != SCHEMA_VERSION:
        return None
    return cur, manifest


def update_index(
    index_dir: str | os.PathLike[str],
    upserts: Sequence[Doc],
    deletes: Iterable[str],
    *,
    progress: Progress | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> IndexStats:
    """Add or replace ``upserts`` and remove the documents keyed ``deletes``; nothing else
    is rewritten. Creates the index if there is none. Readers keep the old generation
    until the new one is complete.
    """
    started = time.perf_counter()
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    upserts, duplicates = _unique(upserts)
    upserted_keys = {d["key"] for d in upserts}
    deletes = [k for k in dict.fromkeys(deletes) if k not in upserted_keys]
    with _write_lock(root):
        _remove_temporaries(root)
        usable = _usable(root)
        if usable is None:
            # Nothing usable to copy: the update is the whole index.
            stats = _rebuild_locked(root, upserts, progress=progress, labels=labels)
            stats.duplicates = duplicates
            stats.seconds = time.perf_counter() - started
            return stats
        cur, manifest = usable
        name, tmp = _new_generation_dir(root)
        skip = shutil.ignore_patterns(READERS, STAMPS, "*LOCK*", "*.lock")
        shutil.copytree(cur, tmp, ignore=skip)
        ix = whoosh_index.open_dir(str(tmp))
        writer = ix.writer()
        deleted = 0
        try:
            docs: dict[str, str] = dict(manifest.get("docs", {}))
            for key in deletes:
                if key in docs:
                    deleted += writer.delete_by_term("key", key) or 0
                    del docs[key]
            total = len(upserts)
            for i, doc in enumerate(upserts, 1):
                writer.update_document(**index_fields(doc))
                docs[doc["key"]] = digest(doc)
                if progress:
                    progress(i, total)
            writer.commit()
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        ix.close()
        new_labels = _plain(labels) if labels is not None else manifest.get("labels", {})
        _write_manifest(tmp, docs, new_labels)
        # Words of removed documents stay: a suggestion is only offered if it has hits.
        _write_words(tmp, count_words(upserts, read_words(cur)))
        _publish(root, name, tmp)
        return IndexStats(
            generation=name,
            documents=len(docs),
            upserted=len(upserts),
            deleted=deleted,
            seconds=time.perf_counter() - started,
            duplicates=duplicates,
        )


def rebuild_index(
    index_dir: str | os.PathLike[str],
    docs: Sequence[Doc],
    *,
    progress: Progress | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    procs: int | None = None,
) -> IndexStats:
    """Write a clean index of ``docs`` as a new generation and swap it in.

    ``procs`` writer processes (default: 2 when there are many documents and more than
    one CPU; DESIGN.md measured 40 s with one writer and 19 s with two for 10,000).
    """
    started = time.perf_counter()
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    unique, duplicates = _unique(docs)
    with _write_lock(root):
        _remove_temporaries(root)
        stats = _rebuild_locked(root, unique, progress=progress, labels=labels, procs=procs)
    stats.duplicates = duplicates
    stats.seconds = time.perf_counter() - started
    return stats


def sync_index(
    index_dir: str | os.PathLike[str],
    docs: Sequence[Doc],
    *,
    progress: Progress | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> IndexStats:
    """Make the index hold exactly ``docs``, writing only what changed.

    Compares each document's digest with the current generation's manifest: changed
    and new documents are upserted, missing ones deleted. With no usable index (or a
    schema change, or most documents changed) it rebuilds. With nothing changed it
    writes nothing. This is the one call the Sphinx build needs at build end.
    """
    started = time.perf_counter()
    root = Path(index_dir)
    unique, duplicates = _unique(docs)
    usable = _usable(root)
    if usable is None:
        stats = rebuild_index(root, unique, progress=progress, labels=labels)
        stats.duplicates = duplicates
        return stats
    cur, manifest = usable
    old: dict[str, str] = manifest.get("docs", {})
    upserts = [d for d in unique if old.get(d["key"]) != digest(d)]
    keys = {d["key"] for d in unique}
    deletes = [k for k in old if k not in keys]
    same_labels = labels is None or _plain(labels) == manifest.get("labels", {})
    if not upserts and not deletes and same_labels:
        stats = up_to_date(cur, len(old), started, progress)
        stats.duplicates = duplicates
        return stats
    if would_rebuild(len(upserts), len(unique)):
        stats = rebuild_index(root, unique, progress=progress, labels=labels)
    else:
        stats = update_index(root, upserts, deletes, progress=progress, labels=labels)
    stats.duplicates = duplicates
    stats.seconds = time.perf_counter() - started
    return stats


def up_to_date(gen: Path, documents: int, started: float, progress: Progress | None) -> IndexStats:
    """What a sync that found nothing to write reports (``gen`` stays current)."""
    if progress:
        progress(documents, documents)
    return IndexStats(
        generation=gen.name,
        documents=documents,
        unchanged=True,
        seconds=time.perf_counter() - started,
    )


def write_catalog(
    path: str | os.PathLike[str],
    docs: Iterable[Doc],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    ready: bool = False,
) -> None:
    """Write the static catalog the search page filters when no search service answers.

    Small on purpose (no page text): key, type, title, summary, url, year and tags of
    every entry, plus display labels for facet values. Written to a temporary file and
    renamed, so a browser never fetches half a file. ``ready``: ``docs`` are catalog
    entries already (``documents.catalog_entry``).
    """
    from .documents import catalog_entry

    entries = sorted(
        (d if ready else catalog_entry(d) for d in docs),
        key=lambda e: (_TYPE_ORDER.get(e["type"], 9), e["title"].casefold(), e["key"]),
    )
    data = {"version": 1, "labels": _plain(labels or {}), "entries": entries}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        # dumps, not dump: dump streams through the pure-Python encoder.
        fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def update_catalog(
    path: str | os.PathLike[str],
    upserts: Iterable[Doc],
    deletes: Iterable[str],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> bool:
    """Replace ``upserts`` and remove ``deletes`` in the catalog at ``path``, leaving the
    other entries as they are. False (nothing written) if there is no readable catalog
    to update: then write it whole with ``write_catalog``."""
    from .documents import catalog_entry

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = {e["key"]: e for e in data["entries"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for key in deletes:
        entries.pop(key, None)
    for doc in upserts:
        entries[doc["key"]] = catalog_entry(doc)
    write_catalog(path, entries.values(), labels=labels, ready=True)
    return True


_TYPE_ORDER = {"practice": 0, "brief": 1, "reference": 2}

# Where a built site keeps its search data, relative to the HTML output directory.
INDEX_DIRNAME = "_search_index"
CATALOG_PATH = "_static/kb-catalog.json"


def publish_search(
    outdir: str | os.PathLike[str],
    docs: Sequence[Doc],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    progress: Progress | None = None,
    prebuilt: Path | None = None,
) -> IndexStats:
    """At the end of a build: bring ``outdir/_search_index`` up to date (``sync_index``:
    only what changed) and ``outdir/_static/kb-catalog.json`` with it. The catalog holds
    the same documents, so it is rewritten only when the index changed (or is missing).

    ``prebuilt``: a folder ``prebuild`` wrote some of ``docs`` into; the rest are added
    to it and it becomes the new generation. If it does not match ``docs`` (or is
    damaged), it is dropped and the index is synchronised as usual."""
    out = Path(outdir)
    stats = None
    if prebuilt is not None:
        stats = finish_prebuild(out / INDEX_DIRNAME, prebuilt, docs, labels=labels)
    if stats is None:
        stats = sync_index(out / INDEX_DIRNAME, docs, labels=labels, progress=progress)
    if not stats.unchanged or not (out / CATALOG_PATH).exists():
        write_catalog(out / CATALOG_PATH, docs, labels=labels)
    return stats


# -- a clean generation written ahead ----------------------------------------------------

PREBUILD_PREFIX = ".tmp-prebuild-"
_PREBUILD_DIGESTS = "prebuild-digests.json"


def needs_rebuild(index_dir: str | os.PathLike[str], docs: Callable[[], Sequence[Doc]]) -> bool:
    """Whether ``sync_index`` would rebuild rather than update for these documents (no
    usable index, another schema, or most of them changed), judged on ``docs()`` alone,
    which is only called when there is an index to compare them with."""
    usable = _usable(Path(index_dir))
    if usable is None:
        return True
    old: dict[str, str] = usable[1].get("docs", {})
    docs_now = docs()
    return would_rebuild(sum(1 for d in docs_now if old.get(d["key"]) != digest(d)), len(docs_now))


def would_rebuild(changed: int, total: int) -> bool:
    """Whether ``sync_index`` rebuilds, not updates, when ``changed`` of ``total``
    documents changed: a rebuild (several processes) is then the faster."""
    return changed > max(_REBUILD_MIN, _REBUILD_SHARE * total)


def prebuild_dir(index_dir: str | os.PathLike[str]) -> Path:
    """Where this process writes a generation ahead (one per build process)."""
    return Path(index_dir) / f"{PREBUILD_PREFIX}{os.getpid()}"


def prebuild(
    folder: str | os.PathLike[str], docs: Sequence[Doc] | Callable[[], Sequence[Doc]]
) -> None:
    """Write a clean, unpublished index of ``docs`` (or of what calling it returns) into
    ``folder``; run in a child process while the build goes on, and ``finish_prebuild``
    completes and publishes it. One writer: the build's other work has the other cores."""
    started = time.perf_counter()
    target = Path(folder)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    unique, _ = _unique(docs() if callable(docs) else docs)
    _add_all(whoosh_index.create_in(str(target), build_schema()), unique)
    _write_words(target, count_words(unique))
    digests = {d["key"]: digest(d) for d in unique}
    # Written last: its presence says the folder is complete.
    done = {"docs": digests, "seconds": time.perf_counter() - started}
    (target / _PREBUILD_DIGESTS).write_text(json.dumps(done), encoding="utf-8")


def finish_prebuild(
    index_dir: str | os.PathLike[str],
    folder: Path,
    docs: Sequence[Doc],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> IndexStats | None:
    """Add to the index in ``folder`` the documents of ``docs`` it lacks and publish it
    as the new generation. None, and ``folder`` removed, if it is incomplete or holds a
    document that ``docs`` has differently or not at all."""
    started = time.perf_counter()
    root = Path(index_dir)
    unique, duplicates = _unique(docs)
    try:
        record = json.loads((folder / _PREBUILD_DIGESTS).read_text("utf-8"))
        done: dict[str, str] = record["docs"]
        ahead = float(record["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    digests = {d["key"]: digest(d) for d in unique}
    if any(digests.get(key) != value for key, value in done.items()):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    rest = [d for d in unique if d["key"] not in done]
    with _write_lock(root):
        _remove_temporaries(root, keep=folder)
        try:
            if rest:
                _add_all(whoosh_index.open_dir(str(folder)), rest)
            (folder / _PREBUILD_DIGESTS).unlink()
            _write_manifest(folder, digests, _plain(labels or {}))
            _write_words(folder, count_words(rest, read_words(folder)))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        name, _ = _new_generation_dir(root)
        _publish(root, name, folder)
    return IndexStats(
        generation=name,
        documents=len(digests),
        upserted=len(digests),
        rebuilt=True,
        seconds=time.perf_counter() - started,
        ahead_seconds=ahead,
        duplicates=duplicates,
    )


# -- documents to fields ----------------------------------------------------------------


def digest(doc: Doc) -> str:
    """A short fingerprint of a document; a change in any field changes it."""
    raw = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


def index_fields(doc: Doc) -> dict[str, Any]:
    """Whoosh field values for one document (see ``documents.search_document``)."""
    text = {k: str(doc.get(k) or "") for k in ("title", "summary", "body", "annotation")}
    authors = [str(a) for a in doc.get("authors") or ()]
    fields: dict[str, Any] = {
        "key": str(doc["key"]),
        "id": str(doc.get("id") or doc["key"]),
        "title": text["title"],
        "summary": text["summary"],
        "_stored_summary": text["summary"],
        "body": text["body"],
        # All of the body is indexed; only its start is stored, for snippets.
        "_stored_body": text["body"][:STORED_BODY_CHARS],
        "annotation": text["annotation"],
        "authors": "\n".join(authors),
        "_stored_authors": authors,
        "url": str(doc.get("url") or ""),
    }
    if text["summary"] and text["annotation"].startswith(text["summary"].rstrip("…")):
        # A summary taken from the annotation (a reference's first sentence) is stored
        # for display but not indexed twice: a fifth fewer postings to write.
        fields["summary"] = ""
    for name in FACET_FIELDS:
        raw = doc.get(name) or ()
        values = [raw] if isinstance(raw, str) else [str(v) for v in raw]
        values = [v.replace(",", " ").strip() for v in values if str(v).strip()]
        fields[name] = ",".join(values)
        # An entry has one type (stored as text); the tag facets are lists.
        fields[f"_stored_{name}"] = (values[0] if values else "") if name == "type" else values
    year = doc.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and 0 < year < 10_000:
        fields["year"] = year
    return fields


_WORD = re.compile(r"[^\W\d_]{3,}")


def count_words(docs: Iterable[Doc], counts: dict[str, int] | None = None) -> dict[str, int]:
    """Add to ``counts`` how many documents use each word (lower-cased, letters only)."""
    tally = Counter(counts or {})
    findall = _WORD.findall
    for doc in docs:
        seen: set[str] = set()
        for name in ("title", "summary", "body", "annotation"):
            seen.update(findall(str(doc.get(name) or "")))
        tally.update({w.lower() for w in seen})  # (lower-cased once per distinct word)
    if counts is None:
        return dict(tally)
    counts.update(tally)
    return counts


def read_words(gen_dir: Path) -> dict[str, int]:
    return read_json_object(gen_dir / WORDS_FILE) or {}


def _write_words(gen_dir: Path, counts: Mapping[str, int]) -> None:
    (gen_dir / WORDS_FILE).write_text(
        json.dumps(dict(sorted(counts.items())), ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )


def _unique(docs: Iterable[Doc]) -> tuple[list[Doc], list[str]]:
    """Documents with distinct keys (the first of each wins) and the keys seen twice."""
    out: dict[str, Doc] = {}
    dupes: list[str] = []
    for doc in docs:
        key = doc["key"]
        if key in out:
            dupes.append(key)
        else:
            out[key] = doc
    return list(out.values()), dupes


def _plain(labels: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    return {str(k): {str(v): str(lab) for v, lab in m.items()} for k, m in labels.items()}


# -- generations -------------------------------------------------------------------------


def _rebuild_locked(
    root: Path,
    docs: Sequence[Doc],
    *,
    progress: Progress | None,
    labels: Mapping[str, Mapping[str, str]] | None,
    procs: int | None = None,
) -> IndexStats:
    name, tmp = _new_generation_dir(root)
    tmp.mkdir()
    try:
        if procs is None:
            cpus = os.cpu_count() or 1
            procs = 2 if cpus > 1 and len(docs) >= _PROCS_MIN_DOCS else 1
        _add_all(whoosh_index.create_in(str(tmp), build_schema()), docs, procs, progress)
        digests = {d["key"]: digest(d) for d in docs}
        _write_manifest(tmp, digests, _plain(labels or {}))
        _write_words(tmp, count_words(docs))
        if progress and not docs:
            progress(0, 0)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _publish(root, name, tmp)
    return IndexStats(generation=name, documents=len(digests), upserted=len(digests), rebuilt=True)


def _add_all(
    ix: Any, docs: Sequence[Doc], procs: int = 1, progress: Progress | None = None
) -> None:
    """Add ``docs`` to the index ``ix`` and commit, or commit nothing if that fails;
    ``ix`` is closed either way. ``procs`` writer processes (see ``_writer``)."""
    writer = _writer(ix, procs)
    total = len(docs)
    try:
        with gc_paused():  # acyclic postings by the hundred thousand
            for i, doc in enumerate(docs, 1):
                writer.add_document(**index_fields(doc))
                if progress and (i % 100 == 0 or i == total):
                    progress(i, total)
            writer.commit()
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()


def _writer(ix: Any, procs: int) -> Any:
    if procs > 1:
        try:
            return ix.writer(procs=procs, multisegment=True, limitmb=128)
        except (OSError, ValueError, ImportError):
            pass  # no multiprocessing here (a sandbox, an odd platform): one writer
    return ix.writer(limitmb=256)


def _new_generation_dir(root: Path) -> tuple[str, Path]:
    numbers = [int(m.group(1)) for p in root.iterdir() if (m := _GEN.match(p.name))]
    name = f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"
    return name, root / f".tmp-{name}-{os.getpid()}"


def _write_manifest(gen: Path, docs: Mapping[str, str], labels: Mapping[str, Any]) -> None:
    data = {"schema": SCHEMA_VERSION, "count": len(docs), "labels": labels, "docs": dict(docs)}
    (gen / MANIFEST).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _publish(root: Path, name: str, tmp: Path) -> None:
    """Make ``tmp`` durable, rename it to ``name`` and point ``CURRENT`` at it."""
    for path in tmp.iterdir():
        if path.is_file():
            _fsync_file(path)
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


def _remove_temporaries(root: Path, keep: Path | None = None) -> None:
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
def _write_lock(root: Path) -> Iterator[None]:
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
