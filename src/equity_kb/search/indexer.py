"""Write the Whoosh index: a new generation beside the one readers use (rebuilt, or
copied and updated), swapped in by generations.py; documents compared by digest so an
edit updates what changed; a clean generation written ahead of a long build; the
static index rewritten beside it when a record changed (publish_search).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from equity_kb.core import background
from equity_kb.core.gcpause import gc_paused

from . import whoosh_speedups
from .documents import plain_labels
from .generations import (
    PREBUILD_PREFIX,
    READERS,
    STAMPS,
    new_generation_dir,
    publish_generation,
    read_words,
    remove_temporaries,
    usable_generation,
    write_lock,
    write_manifest,
    write_words,
)
from .layout import STATIC_DIRNAME, WORDS_NAME, index_dir, state_dir, static_dir
from .plan import would_rebuild
from .schema import analysed_once, build_schema, index_fields
from .static_index import (
    AheadParts,
    StaticWrite,
    changed_records,
    parts_ahead,
    read_store,
    record_terms,
    static_record,
    write_parts_ahead,
    write_word_list,
)
from .stats import IndexStats

whoosh_speedups.install()
logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Doc = Mapping[str, Any]

# Below this many documents extra writer processes cost more than they save.
_PROCS_MIN_DOCS = 2000


# -- reading the pointer ------------------------------------------------------------


# -- public writers -------------------------------------------------------------------


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
    with write_lock(root):
        remove_temporaries(root)
        usable = usable_generation(root)
        if usable is None:
            # Nothing usable to copy: the update is the whole index.
            stats = _rebuild_locked(root, upserts, progress=progress, labels=labels)
            stats.duplicates = duplicates
            stats.seconds = time.perf_counter() - started
            return stats
        cur, manifest = usable
        name, tmp = new_generation_dir(root)
        skip = shutil.ignore_patterns(READERS, STAMPS, "*LOCK*", "*.lock")
        shutil.copytree(cur, tmp, ignore=skip, copy_function=_link_or_copy)
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
        new_labels = plain_labels(labels) if labels is not None else manifest.get("labels", {})
        write_manifest(tmp, docs, new_labels)
        # Words of removed documents stay: a suggestion is only offered if it has hits.
        write_words(tmp, count_words(upserts, read_words(cur)))
        publish_generation(root, name, tmp)
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
    with write_lock(root):
        remove_temporaries(root)
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
    usable = usable_generation(root)
    if usable is None:
        stats = rebuild_index(root, unique, progress=progress, labels=labels)
        stats.duplicates = duplicates
        return stats
    cur, manifest = usable
    old: dict[str, str] = manifest.get("docs", {})
    upserts = [d for d in unique if old.get(d["key"]) != digest(d)]
    keys = {d["key"] for d in unique}
    deletes = [k for k in old if k not in keys]
    same_labels = labels is None or plain_labels(labels) == manifest.get("labels", {})
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


def publish_search(
    site: str | os.PathLike[str],
    docs: Sequence[Doc],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    progress: Progress | None = None,
    prebuilt: Path | Callable[[], Path | None] | None = None,
) -> IndexStats:
    """At the end of a build: bring the site's Whoosh index (``layout.index_dir``: only
    what changed, ``sync_index``) and its static index (``site/kb-search/``, rewritten
    if any record changed, in a thread beside the Whoosh work) up to date.

    ``prebuilt``: a folder ``prebuild`` wrote some of ``docs`` into; the rest are added
    to it and it becomes the new generation. If it does not match ``docs`` (or is
    damaged), it is dropped and the index is synchronised as usual. A function giving
    the folder (or None) may wait for the process writing it. With no records kept from
    a last build, the static records take the terms it made with the index
    (``prebuilt_terms``), not analysing those texts again."""
    started = time.perf_counter()
    root = index_dir(site)
    store = read_store(site)
    terms: Future[Mapping[str, Mapping[str, Any]]] | None = None
    static: StaticWrite | None = None
    ahead: Future[AheadParts | None] = Future()
    if store is None:
        # Nothing to compare with: Pagefind starts on the records now, and their terms
        # follow (those the index written ahead made with it; the rest made here).
        terms = Future()
        records = {d["key"]: static_record(d, terms=False) for d in docs}
        static = StaticWrite(site, records, store, terms, ahead.result if prebuilt else None)
    else:
        records = {d["key"]: static_record(d, store["current"]) for d in docs}
        if changed_records(site, store, records):
            static = StaticWrite(site, records, store)
    taken: Path | None = None
    try:
        folder = prebuilt() if callable(prebuilt) else prebuilt
        digest_of = _Digests().of  # the parts' check and the index's share them
        taken = _take_parts_ahead(site, folder, docs, digest_of)
        ahead.set_result(parts_ahead(taken) if taken is not None else None)
        if terms is not None:
            made = prebuilt_terms(folder)
            terms.set_result({d["key"]: record_terms(d, made) for d in docs})
        stats = None
        if folder is not None:
            stats = finish_prebuild(root, folder, docs, labels=labels, digest_of=digest_of)
        if stats is None:
            stats = sync_index(root, docs, labels=labels, progress=progress)
    except BaseException as err:
        for future in (terms, ahead):
            if future is not None and not future.done():
                future.set_exception(err)  # the static thread stops where it needs them
        raise
    finally:
        written = static.wait() if static is not None else None
        if taken is not None:
            shutil.rmtree(taken, ignore_errors=True)
    finish_static(site, stats, written)
    stats.seconds = time.perf_counter() - started  # the static index's writing included
    return stats


def finish_static(site: str | os.PathLike[str], stats: IndexStats, written: int | None) -> None:
    """Record what the static index got, and give it the new generation's word list."""
    stats.static_records = written
    if written is not None or not stats.unchanged or not (static_dir(site) / WORDS_NAME).exists():
        write_word_list(site, read_words(index_dir(site) / stats.generation))


# -- a clean generation written ahead ----------------------------------------------------

_PREBUILD_DIGESTS = "prebuild-digests.json"
_PREBUILD_TERMS = "prebuild-terms.pickle"  # the static records' terms of its documents
_PREBUILD_STATIC = "static"  # the static index's parts of its documents


class _Digests(dict[int, str]):
    """``digest`` of documents, each made once (by the document's identity: only for
    documents that live as long as it does)."""

    def of(self, doc: Doc) -> str:
        made = self.get(id(doc))
        if made is None:
            made = self[id(doc)] = digest(doc)
        return made


def _take_parts_ahead(
    site: str | os.PathLike[str],
    folder: Path | None,
    docs: Sequence[Doc],
    digest_of: Callable[[Doc], str] | None = None,
) -> Path | None:
    """The static index's parts ``prebuild`` wrote in ``folder``, moved out of it (before
    it becomes a generation) to the static index's work folder: None if there are none,
    or if a document they hold is not in ``docs`` as it is there (by ``digest_of``, else
    ``digest``)."""
    if folder is None or not (folder / _PREBUILD_STATIC).is_dir():
        return None
    work = state_dir(site)
    taken = work / f"{STATIC_DIRNAME}-ahead.{os.getpid()}.tmp"
    shutil.rmtree(taken, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    os.replace(folder / _PREBUILD_STATIC, taken)
    try:
        done = json.loads((folder / _PREBUILD_DIGESTS).read_text("utf-8"))["docs"]
        by_key = {d["key"]: d for d in docs}
        of = digest_of or digest
        if all(k in by_key and of(by_key[k]) == v for k, v in done.items()):
            return taken
    except (OSError, ValueError, KeyError, TypeError):
        pass
    shutil.rmtree(taken, ignore_errors=True)
    return None


def prebuilt_terms(folder: Path | None) -> dict[str, dict[str, Any]]:
    """The static records' terms ``prebuild`` made with its index (nothing if it did not
    complete): ``static_record`` takes them for a document whose text they came from."""
    if folder is None or not prebuild_complete(folder):
        return {}
    try:
        with (folder / _PREBUILD_TERMS).open("rb") as f:
            terms = pickle.load(f)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError):
        return {}
    return terms if isinstance(terms, dict) else {}


def needs_rebuild(index_dir: str | os.PathLike[str], docs: Callable[[], Sequence[Doc]]) -> bool:
    """Whether ``sync_index`` would rebuild rather than update for these documents (no
    usable index, another schema, or most of them changed), judged on ``docs()`` alone,
    which is only called when there is an index to compare them with."""
    usable = usable_generation(Path(index_dir))
    if usable is None:
        return True
    old: dict[str, str] = usable[1].get("docs", {})
    docs_now = docs()
    return would_rebuild(sum(1 for d in docs_now if old.get(d["key"]) != digest(d)), len(docs_now))


def prebuild_dir(index_dir: str | os.PathLike[str]) -> Path:
    """Where this process writes a generation ahead (one per build process)."""
    return Path(index_dir) / f"{PREBUILD_PREFIX}{os.getpid()}"


def prebuild(
    folder: str | os.PathLike[str],
    docs: Sequence[Doc] | Callable[[], Sequence[Doc]],
    parts: bool = True,
) -> None:
    """Write a clean, unpublished index of ``docs`` (or of what calling it returns) into
    ``folder``; run in a child process while the build goes on, and ``finish_prebuild``
    completes and publishes it. One writer: the build's other work has the other cores.
    With ``parts`` (a static index to be written whole), the static index's parts of
    these documents too (``publish_search`` takes them)."""
    started = time.perf_counter()
    target = Path(folder)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    unique, _ = _unique(docs() if callable(docs) else docs)
    # The static index's parts of these documents, by Pagefind (a process of its own),
    # fed by a forked child: fed from a thread here, Pagefind waited on the Whoosh
    # writing for this interpreter's lock. The job checks the parts and takes them.
    static: Callable[[], object] | None = None
    parts_folder = target / _PREBUILD_STATIC
    if parts:
        static = background.call_forked(_write_parts_ahead, parts_folder, unique)
        if static is None:  # no fork here: a thread, as before
            thread = threading.Thread(
                target=_write_parts_ahead, args=(parts_folder, unique), name="ahead"
            )
            thread.start()
            static = thread.join
    try:
        terms: dict[str, dict[str, Any]] = {}

        def with_terms(doc: Doc, fields: Mapping[str, Any]) -> None:
            # Right after its analysis, which it takes, from the same field values.
            terms[doc["key"]] = record_terms(doc, fields=fields)

        with analysed_once():  # the static records' terms from the same analysis
            _add_all(whoosh_index.create_in(str(target), build_schema()), unique, each=with_terms)
        with (target / _PREBUILD_TERMS).open("wb") as f:
            pickle.dump(terms, f, protocol=pickle.HIGHEST_PROTOCOL)
        write_words(target, count_words(unique))
        digests = {d["key"]: digest(d) for d in unique}
    finally:
        if static is not None:
            _parts_written(static, parts_folder)
    # Written last: its presence says the folder is complete.
    done = {"docs": digests, "seconds": time.perf_counter() - started}
    (target / _PREBUILD_DIGESTS).write_text(json.dumps(done), encoding="utf-8")


def _write_parts_ahead(folder: Path, docs: Sequence[Doc]) -> None:
    """``write_parts_ahead`` of the documents' records; if it fails, the job writes
    these records itself."""
    try:
        write_parts_ahead(folder, [static_record(d, terms=False) for d in docs])
    except Exception as err:  # noqa: BLE001 (the records are written later instead)
        shutil.rmtree(folder, ignore_errors=True)
        logger.debug("equity_kb: the static index's parts ahead failed (%s)", err)


def _parts_written(wait: Callable[[], object], folder: Path) -> None:
    """Wait for ``_write_parts_ahead``; a child that died on the way leaves no parts
    (the job finds none, and writes those records itself)."""
    try:
        wait()
    except Exception as err:  # noqa: BLE001 (as in _write_parts_ahead)
        shutil.rmtree(folder, ignore_errors=True)
        logger.debug("equity_kb: the static index's parts ahead stopped (%s)", err)


def prebuild_complete(folder: Path) -> bool:
    """Whether ``prebuild`` finished writing ``folder`` (its digests are written last)."""
    return (folder / _PREBUILD_DIGESTS).is_file()


def finish_prebuild(
    index_dir: str | os.PathLike[str],
    folder: Path,
    docs: Sequence[Doc],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    digest_of: Callable[[Doc], str] | None = None,
) -> IndexStats | None:
    """Add to the index in ``folder`` the documents of ``docs`` it lacks and publish it
    as the new generation. None, and ``folder`` removed, if it is incomplete or holds a
    document that ``docs`` has differently or not at all (by ``digest_of``, else ``digest``)."""
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
    of = digest_of or digest
    made = {d["key"]: of(d) for d in unique}
    if any(made.get(key) != value for key, value in done.items()):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    rest = [d for d in unique if d["key"] not in done]
    with write_lock(root):
        remove_temporaries(root, keep=folder)
        try:
            if rest:
                _add_all(whoosh_index.open_dir(str(folder)), rest)
            (folder / _PREBUILD_DIGESTS).unlink()
            (folder / _PREBUILD_TERMS).unlink(missing_ok=True)
            shutil.rmtree(folder / _PREBUILD_STATIC, ignore_errors=True)  # if not taken
            write_manifest(folder, made, plain_labels(labels or {}))
            write_words(folder, count_words(rest, read_words(folder)))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        name, _ = new_generation_dir(root)
        publish_generation(root, name, folder)
    return IndexStats(
        generation=name,
        documents=len(made),
        upserted=len(made),
        rebuilt=True,
        seconds=time.perf_counter() - started,
        ahead_seconds=ahead,
        duplicates=duplicates,
    )


def _link_or_copy(src: str, dst: str) -> str:
    """A new generation's copy of its predecessor's file: a hard link for a segment (Whoosh
    writes a segment's file once, and keeps deletions in the table of contents, which
    is copied), so an update does not copy the whole index (34 MB at 13,500 entries);
    a copy for everything that is rewritten, or where the file system has no links."""
    if src.endswith(_SEGMENT_SUFFIX):
        try:
            os.link(src, dst)
            return dst
        except OSError:
            pass
    return str(shutil.copy2(src, dst))


_SEGMENT_SUFFIX = ".seg"  # a segment's compound file (whoosh3 codec)


# -- documents to fields ----------------------------------------------------------------


def digest(doc: Doc) -> str:
    """A short fingerprint of a document; a change in any field changes it."""
    raw = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


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


# -- generations -------------------------------------------------------------------------


def _rebuild_locked(
    root: Path,
    docs: Sequence[Doc],
    *,
    progress: Progress | None,
    labels: Mapping[str, Mapping[str, str]] | None,
    procs: int | None = None,
) -> IndexStats:
    name, tmp = new_generation_dir(root)
    tmp.mkdir()
    try:
        if procs is None:
            cpus = os.cpu_count() or 1
            procs = 2 if cpus > 1 and len(docs) >= _PROCS_MIN_DOCS else 1
        _add_all(whoosh_index.create_in(str(tmp), build_schema()), docs, procs, progress)
        digests = {d["key"]: digest(d) for d in docs}
        write_manifest(tmp, digests, plain_labels(labels or {}))
        write_words(tmp, count_words(docs))
        if progress and not docs:
            progress(0, 0)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    publish_generation(root, name, tmp)
    return IndexStats(generation=name, documents=len(digests), upserted=len(digests), rebuilt=True)


def _add_all(
    ix: Any,
    docs: Sequence[Doc],
    procs: int = 1,
    progress: Progress | None = None,
    each: Callable[[Doc, Mapping[str, Any]], None] | None = None,
) -> None:
    """Add ``docs`` to the index ``ix`` and commit, or commit nothing if that fails;
    ``ix`` is closed either way. ``procs`` writer processes (see ``_writer``); ``each``
    is called with every document, and its ``index_fields``, once it is added."""
    writer = _writer(ix, procs)
    total = len(docs)
    try:
        with gc_paused():  # acyclic postings by the hundred thousand
            for i, doc in enumerate(docs, 1):
                fields = index_fields(doc)
                writer.add_document(**fields)
                if each is not None:
                    each(doc, fields)
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
