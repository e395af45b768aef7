"""The static search index: a Pagefind bundle in the site (``kb-search/``) that the
search and Explore pages query in the browser when no search service answers.

Fed from the same search documents as the Whoosh index (``documents.search_document``),
one Pagefind custom record each, with filters for type, tenet, focus, level, evidence
and year and sort keys for the Explore page. Pagefind has no incremental mode, so the
bundle is rewritten whole, from the records kept in the build state
(``static-records.v<n>.pickle``), whenever some document changed; it is written beside
the site and swapped in, so a browser never reads half a bundle.

Beside it, ``words.json``: the index's words by how many entries use them, which the
page fetches only when a search finds nothing, to offer "did you mean"; and ``terms/``
(static_terms.py): which entries each of the service's terms matches, from which the
page decides what a query matches, Pagefind ranking the matches.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import gzip
import hashlib
import itertools
import json
import os
import pickle
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pagefind.index import IndexConfig
from pagefind.service import PagefindService

from equity_kb.core import faults

from .layout import (
    RECORDS_STEM,
    RECORDS_VERSION,
    STATIC_DIRNAME,
    WORDS_NAME,
    records_path,
    state_dir,
    static_dir,
    static_index_exists,
)
from .pagefind_binary import pagefind_binary
from .static_terms import (
    TERMS_DIRNAME,
    TermData,
    entry_terms,
    make_term_data,
    stage_term_data,
    term_data_exists,
    write_made,
    write_term_data,
)

Doc = Mapping[str, Any]
Record = dict[str, Any]

# The records are kept as a pickle (layout.RECORDS_NAME), like Sphinx's own environment
# beside it: at 13,500 entries it loads in a fifth of the time of the JSON it was (0.6 s)
# and is written in a tenth (0.95 s), and the records the base and the current set share
# are written once.
# Records in flight to the Pagefind process at once (each answer is a few hundred bytes).
_BATCH = 500
# The word list: enough for suggestions, small enough to fetch after a search that failed.
_MAX_WORDS = 40_000
# Sort keys Pagefind orders the Explore page by; every record has each of them.
# Pagefind's ready-made search interfaces: the KB's search page has its own.
_UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
_TYPE_RANK = {"practice": "0", "brief": "1", "reference": "2"}
# Pagefind's memory while it writes a bundle grows with the bundle, whatever its thread
# count: about 41 KB a record plus 52 bytes a byte of their text, fitted on eight bundles
# of 3,000 to 13,500 records (each within 15%, mostly above: 1.5 GB for the 13,500
# records of 100x, 20 MB of text; 0.8 GB for 10,000 references). A larger index is
# written as several bundles of about PART_BUDGET each, one after another, the first in
# ``kb-search/`` and the others in ``kb-search/part-<n>/``, which the page merges
# (Pagefind's mergeIndex). Records are dealt to the parts in turn, by key, so each part
# is a sample of the whole and Pagefind's scores from different parts compare.
_RECORD_COST = 41_000
_TEXT_COST = 52
PART_BUDGET = 600 * 2**20
PART_PREFIX = "part-"


class StaticIndexError(RuntimeError):
    """Pagefind could not write the static index (missing binary, a failed record)."""


def static_record(
    doc: Doc, known: Mapping[str, Record] | None = None, *, terms: bool = True
) -> Record:
    """The Pagefind custom record of one search document.

    ``meta`` is what a result shows (Pagefind stores it in the record's fragment);
    ``filters`` are the facets (Pagefind counts them); ``sort`` the Explore orders;
    ``terms`` what the service's analyzers make of it (static_terms.py), which Pagefind
    never sees. ``known``: the records of the last build, whose terms are taken again
    for a document whose text did not change (analysing it is most of the record's
    cost: 3.1 of 3.5 s at 13,500 entries). ``terms`` False: without them, which Pagefind
    does not need (``StaticWrite`` can take them later)."""
    title = str(doc.get("title") or "")
    year = doc.get("year")
    has_year = isinstance(year, int) and not isinstance(year, bool) and 0 < year < 10_000
    text = [title, str(doc.get("summary") or ""), "; ".join(doc.get("authors") or ())]
    text += [str(doc.get("body") or ""), str(doc.get("annotation") or "")]
    meta = {
        "title": title,
        "key": str(doc["key"]),
        "type": str(doc["type"]),
        "url": str(doc.get("url") or ""),
        "summary": str(doc.get("summary") or ""),
        "tenets": ",".join(doc.get("tenets") or ()),
    }
    if has_year:
        meta["year"] = str(year)
    filters = {
        "type": [str(doc["type"])],
        "tenet": [str(v) for v in doc.get("tenets") or ()],
        "focus": [str(v) for v in doc.get("focus") or ()],
        "level": [str(v) for v in doc.get("levels") or ()],
        "evidence": [str(v) for v in doc.get("evidence") or ()],
    }
    if has_year:
        filters["year"] = [str(year)]
    folded = title.casefold()
    # All ascending, so one year's entries keep title order both ways ("newest" holds
    # 9999 - year); no year sorts last (9999 is no valid year's value in either).
    sort = {
        "order": _TYPE_RANK.get(str(doc["type"]), "9") + folded,
        "title": folded,
        "newest": f"{9999 - int(year or 0):04d} {folded}" if has_year else f"9999 {folded}",
        "oldest": f"{int(year or 0):04d} {folded}" if has_year else f"9999 {folded}",
    }
    return {
        "key": str(doc["key"]),
        "url": meta["url"],
        "content": _parts(text),
        "meta": meta,
        "filters": {k: v for k, v in filters.items() if v},
        "sort": sort,
        **(record_terms(doc, known) if terms else {}),
    }


# Between the parts of a record's text (title, summary, byline, each heading and paragraph
# of the page): the page's excerpts stay within one part (search_static.js PART_BREAK),
# as Pagefind keeps no line breaks. Not a word to Pagefind or to the service.
PART_BREAK = "\u00b6"
_LINES = re.compile(r"\s*\n\s*")


def _parts(texts: Sequence[str]) -> str:
    parts = (p for t in texts if t for p in _LINES.split(t.strip()) if p)
    return f" {PART_BREAK} ".join(parts)


_TERM_FIELDS = ("title", "summary", "body", "annotation", "id")  # and "authors"


def record_terms(
    doc: Doc,
    known: Mapping[str, Record] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A record's ``terms`` and ``terms_of`` (a digest of the fields they come from):
    ``known``'s for the same text, or made now (from ``fields``, the document's
    ``index_fields``, if its index has them made already)."""
    text = "\x1f".join(str(doc.get(k) or "") for k in _TERM_FIELDS)
    authors = "\x1e".join(str(a) for a in doc.get("authors") or ())
    digest = hashlib.blake2b(f"{text}\x1d{authors}".encode(), digest_size=12).hexdigest()
    old = known.get(str(doc["key"])) if known else None
    if old is not None and old.get("terms_of") == digest and "terms" in old:
        return {"terms": old["terms"], "terms_of": digest}
    return {"terms": entry_terms(doc, fields), "terms_of": digest}


# -- the records kept between builds -------------------------------------------------------


def read_store(site: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What the static index holds: ``base`` (the records the bundle was written from),
    ``ids`` (their Pagefind page ids) and ``current`` (base plus the delta), or None
    if there is no readable store (then the bundle is written whole)."""
    try:
        with records_path(site).open("rb") as f:
            data = pickle.load(f)
        if data.get("version") != RECORDS_VERSION:
            return None
        if not all(isinstance(data[k], dict) for k in ("base", "ids", "current")):
            return None
        return dict(data)
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        EOFError,
        ImportError,
        pickle.UnpicklingError,
    ):  # missing, damaged or older: written whole again
        return None


def read_records(site: str | os.PathLike[str]) -> dict[str, Record] | None:
    """The records the static index now answers from, or None if unknown."""
    store = read_store(site)
    return dict(store["current"]) if store else None


def write_store(
    site: str | os.PathLike[str],
    base: Mapping[str, Record],
    ids: Mapping[str, str],
    current: Mapping[str, Record],
) -> None:
    path = records_path(site)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = {
        "version": RECORDS_VERSION,
        "base": dict(base),
        "ids": dict(ids),
        "current": dict(current),
    }
    with tmp.open("wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    for older in path.parent.glob(f"{RECORDS_STEM}*.pickle"):  # of other versions
        if older != path:
            older.unlink(missing_ok=True)


def changed_records(
    site: str | os.PathLike[str], store: Mapping[str, Any] | None, records: Mapping[str, Record]
) -> bool:
    """Whether ``records`` differ from what the static index in ``site`` answers from
    (``store``, as ``read_store`` read it)."""
    return (
        store is None
        or not static_index_exists(site)
        or not term_data_exists(static_dir(site))
        or store["current"] != records
    )


class StaticWrite:
    """``write_static_index`` in a thread, beside the Whoosh index's own writing (the
    work is in the Pagefind process, so the two overlap). ``wait()`` returns how many
    records were written, or raises what the writer raised. ``store``: what
    ``read_store`` returned for ``site`` (the caller has read it already: at 13,500
    entries it is 31 MB of JSON)."""

    def __init__(
        self,
        site: str | os.PathLike[str],
        records: Mapping[str, Record],
        store: Mapping[str, Any] | None,
        terms: Future[Mapping[str, Mapping[str, Any]]] | None = None,
        ahead: Callable[[], AheadParts | None] | None = None,
    ):
        self._site = site
        self._records = dict(records)
        self._store = store
        self._ahead = ahead  # a whole bundle's parts written ahead (_write_bundle)
        # Records made without their terms (``static_record(terms=False)``), with no
        # store to compare: Pagefind starts on them, and each record's ``terms`` and
        # ``terms_of`` are awaited (by key) only for the term data, after it.
        self._terms = terms
        assert terms is None or store is None, "a delta compares records with their terms"
        self._result: int | BaseException = 0
        self._thread = threading.Thread(target=self._run, name="static search index")
        self._thread.start()

    def _run(self) -> None:
        try:
            store = self._store
            changes = delta_changes(self._site, store, self._records)
            if store is None or changes is None:
                ids = _write_bundle(
                    self._site, self._records.values(), self._with_terms, self._ahead
                )
                self._result = len(self._records)
                write_store(self._site, self._records, ids, self._records)
            else:
                self._result = write_delta(self._site, store, self._records, changes)
                write_store(self._site, store["base"], store["ids"], self._records)
        except BaseException as err:  # handed to wait(), in the caller's thread
            self._result = err

    def _with_terms(self) -> None:
        if self._terms is not None:
            for key, terms in self._terms.result().items():
                self._records[key].update(terms)

    def wait(self) -> int:
        self._thread.join()
        if isinstance(self._result, BaseException):
            raise self._result
        return self._result


# -- a delta over a large bundle ---------------------------------------------------------

# Pagefind has no incremental mode and costs about 2 ms of CPU per record (25 s at
# 13,500), so a few edits to a large knowledge base go to a small second bundle,
# ``kb-search/delta/``, that the page merges over the base; ``delta.json`` says which of
# the base's pages it replaces. Small bundles, or more edits, are written whole.
DELTA_MIN_RECORDS = 2000
DELTA_MAX_CHANGES = 20
# Copies of base records (hidden, without filters) that give the delta's ranking about
# the base's word rarity; without them an edited entry's words look common.
_BALLAST = 300
DELTA_NAME = "delta.json"


def delta_changes(
    site: str | os.PathLike[str], store: Mapping[str, Any] | None, records: Mapping[str, Record]
) -> tuple[list[str], list[str]] | None:
    """The keys changed (or new) and removed since the base bundle, if a delta should
    carry them; None if the bundle should be written whole."""
    if store is None or not static_index_exists(site):
        return None
    base: Mapping[str, Record] = store["base"]
    if len(base) < DELTA_MIN_RECORDS or not _same_pagefind(static_dir(site)):
        return None
    changed = [k for k, r in records.items() if base.get(k) != r]
    removed = [k for k in base if k not in records]
    if len(changed) + len(removed) > DELTA_MAX_CHANGES:
        return None
    return changed, removed


def _same_pagefind(bundle: Path) -> bool:
    """Whether the bundle was written by the Pagefind that would write its delta: the
    browser merges bundles of one version only (another one warns and may not merge)."""
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        return bool(entry.get("version")) and entry["version"] == pagefind_binary().version
    except (OSError, ValueError, AttributeError):
        return False


def write_delta(
    site: str | os.PathLike[str],
    store: Mapping[str, Any],
    records: Mapping[str, Record],
    changes: tuple[list[str], list[str]],
) -> int:
    """Write the delta bundle of ``changes`` over the base and its ``delta.json``;
    returns how many records it holds (0: no delta, the base is current)."""
    changed, removed = changes
    target = static_dir(site)
    base: Mapping[str, Record] = store["base"]
    ids: Mapping[str, str] = store["ids"]
    replaced = [k for k in [*changed, *removed] if k in ids]
    info = _bundle_info(_parts_of(ids))
    if changed:
        work = state_dir(site)
        tmp = work / f"{STATIC_DIRNAME}-delta.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        untouched = sorted(k for k in base if k not in set(replaced))
        ballast = untouched[:: max(1, len(untouched) // _BALLAST)][:_BALLAST]
        extra = [_as_ballast(base[k]) for k in ballast]
        try:
            asyncio.run(_pagefind([records[k] for k in changed] + extra, tmp))
            for name in _UNUSED:
                (tmp / name).unlink(missing_ok=True)
            pages = page_meta(tmp)
            _swap_in(tmp, target / "delta")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        info["delta"] = "delta/"
        info["hide"] = [page for page, _, meta in pages if meta.get("ballast")]
        info["ids"] = [page for page, _, meta in pages if not meta.get("ballast")]
    else:
        shutil.rmtree(target / "delta", ignore_errors=True)
    info["hide"] += [ids[k] for k in replaced]
    # The replaced pages are still counted in the base's facet counts: what to subtract.
    info["fix"] = {ids[k]: base[k]["filters"] for k in replaced}
    # The term data names every entry's page: the changed ones' are in the delta bundle.
    fresh = (
        {key: "delta/" + page for page, key, meta in pages if not meta.get("ballast")}
        if changed
        else {}
    )
    write_term_data(target, records, {**ids, **fresh}, before=store["current"])
    _write_json(target / DELTA_NAME, info)
    return len(changed)


def _as_ballast(record: Record) -> Record:
    meta = dict(record["meta"], ballast="1")
    return dict(record, meta=meta, filters={}, sort={})


def _bundle_info(parts: Sequence[str]) -> dict[str, Any]:
    """``delta.json``: the bundles the page merges over the first (``parts``, then
    ``delta``); ``hide`` and ``fix``: the base's pages the delta replaces, and their facet
    values."""
    return {"parts": list(parts), "delta": None, "hide": [], "fix": {}, "ids": []}


def _parts_of(ids: Mapping[str, str]) -> list[str]:
    """The part folders (``part-2/`` ...) that the page ids ``ids`` name."""
    folders = {page.rpartition("/")[0] + "/" for page in ids.values() if "/" in page}
    return sorted(folders, key=lambda f: int(f[len(PART_PREFIX) : -1]))


def pagefind_cost(records: Iterable[Record]) -> int:
    """About how many bytes Pagefind holds while it writes a bundle of ``records``."""
    return sum(_RECORD_COST + _TEXT_COST * len(r["content"]) for r in records)


def _split(records: Sequence[Record]) -> list[Sequence[Record]]:
    """``records`` dealt in turn into as few parts as keep each within PART_BUDGET."""
    count = max(1, -(-pagefind_cost(records) // PART_BUDGET))
    return [records[i::count] for i in range(count)]


def page_meta(folder: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(Pagefind page id, key, meta) of every record in a bundle, from its fragments:
    the ids the page sees, which Pagefind's API does not return."""
    out = []
    for path in sorted((folder / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(path.read_bytes())
        meta = json.loads(raw.removeprefix(b"pagefind_dcd")).get("meta") or {}
        out.append((path.name.removesuffix(".pf_fragment"), str(meta.get("key", "")), meta))
    return out


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    os.replace(tmp, path)


# -- writing the bundle --------------------------------------------------------------------


def write_static_index(site: str | os.PathLike[str], records: Iterable[Record]) -> int:
    """Write the Pagefind bundle of ``records`` and swap it into ``site/kb-search/``.
    The word list already there is kept (``write_word_list`` replaces it). Returns how many
    records it holds."""
    return len(_write_bundle(site, records))


# -- parts written ahead ------------------------------------------------------------------

# A clean build's references are known, and their records made, long before its pages
# are read: the process writing their Whoosh index ahead (indexer.prebuild) writes their
# Pagefind parts too, and the bundle is then assembled from those parts and the pages'.
_AHEAD_MANIFEST = "parts.json"
AheadParts = list[tuple[Path, dict[str, str]]]  # each part's folder, and its ids by key


def write_parts_ahead(folder: Path, records: Iterable[Record]) -> None:
    """Pagefind bundles of ``records`` in ``folder`` (``0/``, ``1/``, ... dealt as
    ``_split`` deals), and, written last, their page ids by key."""
    shutil.rmtree(folder, ignore_errors=True)
    parts: list[dict[str, str]] = []
    for number, part in enumerate(_split(sorted(records, key=lambda r: r["key"]))):
        out = folder / str(number)
        asyncio.run(_pagefind(part, out))
        _drop_unused(out)
        parts.append({key: page for page, key, _ in page_meta(out)})
    _write_json(folder / _AHEAD_MANIFEST, {"parts": parts})


def parts_ahead(folder: Path) -> AheadParts | None:
    """What ``write_parts_ahead`` wrote in ``folder``, or None if it did not finish."""
    try:
        manifest = json.loads((folder / _AHEAD_MANIFEST).read_text(encoding="utf-8"))
        parts = [(folder / str(n), dict(ids)) for n, ids in enumerate(manifest["parts"])]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return parts if all(path.is_dir() for path, _ in parts) else None


def _drop_unused(out: Path) -> None:
    for name in _UNUSED:
        (out / name).unlink(missing_ok=True)
    if (out / "wasm.en.pagefind").is_file():  # every record is English
        (out / "wasm.unknown.pagefind").unlink(missing_ok=True)


def _write_bundle(
    site: str | os.PathLike[str],
    records: Iterable[Record],
    before_terms: Callable[[], None] | None = None,
    ahead: Callable[[], AheadParts | None] | None = None,
) -> dict[str, str]:
    """``write_static_index``, returning each record's Pagefind page id by key (read from
    the bundle's fragments once: 13,500 files at 100x), after the folder of its part
    (``part-2/<id>``) beyond the first. ``before_terms``: called before the term data is
    made from the records, in a thread of its own while Pagefind writes. ``ahead``: gives
    parts written ahead of some of the records (waiting for them if need be), which the
    caller has found to hold those records as they are now; the rest are written here,
    first, and those parts follow them."""
    site_path = Path(site)
    listed = sorted(records, key=lambda r: r["key"])
    by_key = {r["key"]: r for r in listed}
    work = state_dir(site_path)
    work.mkdir(parents=True, exist_ok=True)
    tmp = work / f"{STATIC_DIRNAME}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    staging = work / f".{STATIC_DIRNAME}-terms.{os.getpid()}.tmp"

    def term_data() -> TermData:
        # The term data needs no page id: it is made, and its shards written (219 files
        # for the shipped docs, 1.8 s of work at 100x), while Pagefind writes.
        if before_terms is not None:
            before_terms()
        made = make_term_data(by_key)
        stage_term_data(made, staging, static_dir(site_path) / TERMS_DIRNAME)
        return made

    try:
        with ThreadPoolExecutor(1, thread_name_prefix="static terms") as pool:
            made = pool.submit(term_data)
            ready = (ahead() if ahead is not None else None) or []
            held = {key for _, part_ids in ready for key in part_ids}
            rest = [r for r in listed if r["key"] not in held]
            folders = (
                "" if number == 1 else f"{PART_PREFIX}{number}/" for number in itertools.count(1)
            )
            ids: dict[str, str] = {}
            for part in _split(rest) if rest or not ready else []:
                folder = next(folders)
                out = tmp / folder
                asyncio.run(_pagefind(part, out))
                _drop_unused(out)
                ids.update((key, folder + page) for page, key, _ in page_meta(out))
            for path, part_ids in ready:
                folder = next(folders)
                (tmp / folder).parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, tmp / folder)
                ids.update((key, folder + page) for key, page in part_ids.items())
            _write_json(tmp / DELTA_NAME, _bundle_info(_parts_of(ids)))
            if ids.keys() == by_key.keys():
                write_made(tmp, made.result(), ids)
            else:  # a record Pagefind wrote no page for (a URL twice): left out
                made.result()
                write_term_data(tmp, by_key, ids)
        target = static_dir(site_path)
        words = target / WORDS_NAME
        if words.is_file():
            shutil.copy2(words, tmp / WORDS_NAME)
        faults.point("static-index")
        _swap_in(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return ids


def write_word_list(site: str | os.PathLike[str], counts: Mapping[str, int]) -> None:
    """``kb-search/words.json``: the most used words first, each with its entry count."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:_MAX_WORDS]
    target = static_dir(site) / WORDS_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{WORDS_NAME}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"words": ranked}, ensure_ascii=False, separators=(",", ":")))
    os.replace(tmp, target)


def _swap_in(new: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``new``; the old one is removed after the swap,
    so the site has a whole bundle at every moment but one rename."""
    old = new.with_name(new.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(new, target)
    except OSError:  # another file system: copy, then drop the temporary
        shutil.copytree(new, target)
    shutil.rmtree(old, ignore_errors=True)


async def _pagefind(records: Sequence[Record], out: Path) -> None:
    try:
        service = _Service()
        await service.launch()
    except FileNotFoundError as err:
        raise StaticIndexError(f"the pagefind binary is missing: {err}") from err
    try:
        index = await service.create_index(IndexConfig(force_language="en"))

        async def add(record: Record) -> None:
            await index.add_custom_record(
                url=record["url"] or f"#{record['key']}",
                content=record["content"] or record["meta"]["title"],
                language="en",
                meta=record["meta"],
                filters=record["filters"],
                sort=record["sort"],
            )

        for start in range(0, len(records), _BATCH):
            await asyncio.gather(*(add(r) for r in records[start : start + _BATCH]))
        await index.write_files(output_path=str(out))
        if _flushes_first(pagefind_binary().version):
            _check_whole(out, empty=not records)
        else:
            await _settled(out, empty=not records)
    except OSError:
        raise  # a full disk or a read-only folder: the caller names the path
    except Exception as err:
        code = service.os_error()
        if code:  # Pagefind 1.6 stops on a failed write (a full disk), naming its errno
            raise OSError(code, os.strerror(code), str(out)) from err
        raise StaticIndexError(f"pagefind failed: {err}") from err
    finally:
        await service.close()


_ROOM = 64 * 1024  # less free space than this, and Pagefind's writes cannot all land


async def _settled(out: Path, timeout: float = 60.0, empty: bool = False) -> None:
    """Wait until Pagefind's files are all on disk. Pagefind 1.5.2 answers write_files
    while some of its writes are still in flight in its process, and closing the
    service kills that process: a browser then met an empty pagefind-entry.json or a
    missing file ("Failed to load Pagefind metadata"). Whole means: the entry parses,
    the page list it names is there, no file is empty, and nothing changed for two
    looks in a row. Pagefind 1.6.0 flushes each file before it answers (upstream
    fab688b); this stays while pip's 1.5.2 may write the bundle (no npm). An index of no
    page (``empty``: a project with no entry) is whole once its entry parses."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen: dict[str, int] | None = None
    stable = 0
    while True:
        now = _sizes(out)
        stable = stable + 1 if now == seen and _whole(out, now, empty) else 0
        if stable >= 2:
            return
        if loop.time() > deadline:
            raise StaticIndexError(f"pagefind did not finish writing {out} in {timeout:.0f} s")
        if not stable and shutil.disk_usage(out).free < _ROOM:
            # Pagefind cannot finish on a full disk, and says nothing: say it now.
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))
        seen = now
        await asyncio.sleep(0.01)


def _entry_metas(folder: Path) -> list[str]:
    """The language metadata files the bundle's entry names (raises if it is unreadable)."""
    entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
    return [f"pagefind.{lang['hash']}.pf_meta" for lang in entry["languages"].values()]


def _flushes_first(version: str) -> bool:
    """Whether this Pagefind answers write_files only once every file is on disk (1.6.0
    and later): then one look at the entry is enough, where ``_settled`` would walk the
    whole bundle at least three times (0.5 s at 10,000 records)."""
    try:
        return tuple(int(part) for part in version.split(".")[:2]) >= (1, 6)
    except ValueError:
        return False


def _check_whole(out: Path, empty: bool) -> None:
    """The entry parses and names files that are there: else a bundle no browser can read."""
    try:
        metas = _entry_metas(out)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise StaticIndexError(f"pagefind wrote no readable entry in {out}: {err}") from err
    if not empty and (not metas or not all((out / m).is_file() for m in metas)):
        raise StaticIndexError(f"pagefind's entry in {out} names files it did not write")


def _sizes(folder: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                out[str(path.relative_to(folder))] = path.stat().st_size
        except OSError:
            continue
    return out


def _whole(folder: Path, sizes: Mapping[str, int], empty: bool = False) -> bool:
    if not sizes or any(n == 0 for n in sizes.values()):
        return False
    try:
        metas = _entry_metas(folder)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if empty:
        return True
    return bool(metas) and all(m in sizes for m in metas)


class _Service(PagefindService):
    """Pagefind's service client, reading answers as they come, running the binary
    ``pagefind_binary()`` chooses (``tools/pagefind``'s in a checkout, else pip's).

    The library's reader sleeps 0.1 s before each answer it reads (pagefind 1.5.2;
    upstream issue Pagefind/pagefind#976), which made 13,500 records take 22 minutes
    one by one. This reader awaits the pipe instead; the protocol (base64 JSON
    messages, each ended by a comma) is the library's own. If the process dies, every
    pending request fails at once instead of waiting for ever."""

    def __init__(self) -> None:
        # The library's __init__ (1.5.2) but for the binary, which it would look up
        # itself (and fail without pip's).
        self._loop = asyncio.get_running_loop()
        self._bin = pagefind_binary().path
        self._responses = {}

    # What the process printed that is no answer: its stderr shares the pipe, and a
    # panic ("... Os { code: 28, kind: StorageFull, ... }") is all it says before it stops.
    _said = b""

    async def _wait_for_responses(self) -> None:
        assert self._backend.stdout is not None
        try:
            while True:
                raw = await self._backend.stdout.readuntil(b",")
                try:
                    answer = json.loads(base64.b64decode(raw[:-1], validate=True))
                except ValueError:
                    self._said = (self._said + raw)[-4096:]
                    continue
                self._answer(answer)
        except (asyncio.IncompleteReadError, OSError) as err:
            said = (self._said + getattr(err, "partial", b"")).decode("utf-8", "replace")
            self._said = said.encode("utf-8")
            why = " ".join(said.split())[:500] or str(err)
            for future in self._responses.values():
                if not future.done():
                    future.set_exception(StaticIndexError(f"the pagefind process stopped: {why}"))
            self._responses.clear()

    async def close(self) -> None:
        # ProcessLookupError: it stopped already (Pagefind 1.6, on a failed write).
        with contextlib.suppress(ProcessLookupError):
            await super().close()

    def os_error(self) -> int | None:
        """The errno the process stopped on, if what it printed names one."""
        found = re.search(rb"Os \{ code: (\d+)", self._said)
        return int(found.group(1)) if found else None

    def _answer(self, answer: Any) -> None:
        if not isinstance(answer, dict):
            return
        payload = answer.get("payload") or {}
        message_id = answer.get("message_id")
        if message_id is None and payload.get("original_message"):
            # A message the service could not parse comes back without its id.
            try:
                message_id = json.loads(payload["original_message"]).get("message_id")
            except (ValueError, AttributeError):
                return
        future = self._responses.pop(message_id, None) if isinstance(message_id, int) else None
        if future is None or future.done():
            return
        if payload.get("type") == "Error":
            future.set_exception(StaticIndexError(str(payload.get("message"))))
        else:
            future.set_result(payload)  # type: ignore[arg-type]  # the library's own payload
