"""The query engine: free text with phrases and boolean operators, disjunctive facets.

Questions as people type them work: common words do not count, and when no entry has
all the words, the entries with most of them (the rarer words weighing more) come back
with a note; a search with no results offers its nearest entries (snapshot.py's
docstring has the rules).

Imports neither Sphinx nor the Sphinx domain, so ``equity-kb serve`` and ``equity-kb
search`` start without them.

Why it is fast (DESIGN.md measured naive ``groupedby``: 63 ms p50 over 10,000 docs):

* when a searcher opens, the documents holding each facet value and each year are
  read once from the postings into bitsets (Python ints, one bit per document), and
  the field lengths BM25 needs into lists;
* a query's matches are a bitset too (``matching.QueryMatcher``: each term's postings
  read once per searcher and cached); filters and every facet's counts are then ANDs
  and popcounts of bitsets, microseconds each;
* ranking adds the cached BM25 contributions of the query's terms and keeps the best
  ``page * page_size`` in a heap; only the hits shown get stored fields and snippets;
* the searcher is reused across queries and reopened when ``CURRENT`` changes, which
  costs one ``stat`` per query to notice.
"""

from __future__ import annotations

import os
import threading
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from .generations import CURRENT, current_generation
from .results import SearchResult
from .snapshot import MAX_QUERY_CHARS, Snapshot

MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
MAX_FACET_VALUES = 50


class IndexNotFound(Exception):
    """No index (no ``CURRENT`` generation) at the given directory."""


class SearchEngine:
    """Answers queries against the current generation of an index directory.

    Thread-safe (queries are serialised: they are CPU-bound, so threads would only
    contend for the GIL). Raises :class:`IndexNotFound` if there is no index yet.
    """

    def __init__(self, index_dir: str | os.PathLike[str]):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._signature: tuple[int, int, int] | None = None
        self._name_memo: tuple[tuple[int, int, int] | None, str | None] | None = None
        with self._lock:
            self._refresh()

    # -- public -----------------------------------------------------------------------

    def search(
        self,
        q: str = "",
        *,
        types: Iterable[str] = (),
        tenets: Iterable[str] = (),
        focus: Iterable[str] = (),
        levels: Iterable[str] = (),
        evidence: Iterable[str] = (),
        year_from: int | None = None,
        year_to: int | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> SearchResult:
        """Search; never raises for a query it cannot read (see ``SearchResult.mode``)."""
        started = time.perf_counter()
        selected = {
            "type": _values(types),
            "tenets": _values(tenets),
            "focus": _values(focus),
            "levels": _values(levels),
            "evidence": _values(evidence),
        }
        page_size = min(max(int(page_size), 1), MAX_PAGE_SIZE)
        page = min(max(int(page), 1), MAX_PAGE)
        years = (_year(year_from), _year(year_to))
        text, note = clean_query(q)
        with self._lock:
            result = self._run(text, selected, years, page, page_size)
        if note and not result.note:
            result.note = note
        elif note:
            result.note = f"{note} {result.note}"
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _run(self, *args: Any) -> SearchResult:
        for _ in range(2):
            try:
                return _run_on(self._refresh(), args)
            except OSError:
                # A file of an old generation vanished under us (a writer removed it
                # while no lease protected it): reopen on the current one, once.
                self._drop()
        return _run_on(self._refresh(), args)

    def current_name(self) -> str | None:
        """The name ``CURRENT`` gives now, without waiting for a search in progress:
        one ``stat`` while it is unchanged (the service checks ETags with it)."""
        sig = _stat_signature(self.index_dir / CURRENT)
        memo = self._name_memo
        if memo is not None and memo[0] == sig:
            return memo[1]
        gen = current_generation(self.index_dir)
        name = gen.name if gen is not None else None
        self._name_memo = (sig, name)  # one assignment: safe across threads
        return name

    @property
    def generation(self) -> str:
        with self._lock:
            return self._refresh().name

    @property
    def doc_count(self) -> int:
        with self._lock:
            return self._refresh().count

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._snap is not None:
            self._snap.close()
            self._snap = None
        self._signature = None

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- keeping the searcher current -------------------------------------------------

    def _refresh(self) -> Snapshot:
        """The snapshot of the current generation, reopened if ``CURRENT`` changed."""
        sig = _stat_signature(self.index_dir / CURRENT)
        if self._snap is not None and sig == self._signature:
            return self._snap
        for _ in range(5):
            gen = current_generation(self.index_dir)
            if gen is None:
                break
            if self._snap is not None and self._snap.name == gen.name:
                self._signature = sig
                return self._snap
            try:
                snap = Snapshot(gen)
            except (OSError, whoosh_index.EmptyIndexError):
                # A writer swapped and cleaned up between our read of CURRENT and the
                # open: read the pointer again.
                sig = _stat_signature(self.index_dir / CURRENT)
                continue
            old, self._snap, self._signature = self._snap, snap, sig
            if old is not None:
                old.close()
            return snap
        if self._snap is not None:
            return self._snap  # keep answering from what we have
        raise IndexNotFound(
            f"no search index at {self.index_dir}: build the site first, or point to "
            "the index directory (it holds a CURRENT file)"
        )


def _run_on(snap: Snapshot, args: tuple[Any, ...]) -> SearchResult:
    """The snapshot's answer, marked with the generation that gave it."""
    result = snap.run(*args)
    result.generation = snap.name
    return result


def clean_query(q: object) -> tuple[str, str | None]:
    """The query text made safe to parse, and a note if something had to be dropped."""
    text = q if isinstance(q, str) else ""
    # NUL and other control characters (and lone surrogates) mean nothing in a query;
    # they become spaces. Format characters such as the zero-width non-joiner stay.
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text[:4096])
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS)
        text = text[: cut if cut > 0 else MAX_QUERY_CHARS]
        return text, f"The query was cut to its first {MAX_QUERY_CHARS} characters."
    if isinstance(q, str) and len(q) > 4096:
        return text, f"The query was cut to its first {MAX_QUERY_CHARS} characters."
    return text, None


# -- internals ---------------------------------------------------------------------------


def _values(values: Iterable[str] | str) -> list[str]:
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        v = str(v).strip()
        if v and v not in out and len(out) < MAX_FACET_VALUES:
            out.append(v)
    return out


def _year(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        year = int(str(value))
    except (TypeError, ValueError):
        return None
    return year if 0 < year < 10_000 else None


def _stat_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    # os.replace gives CURRENT a new inode; the mtime and size catch an in-place write.
    return (st.st_ino, st.st_mtime_ns, st.st_size)
