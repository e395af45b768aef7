"""The query engine: free text with phrases and boolean operators, disjunctive facets.

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

import logging
import math
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.qparser import GroupPlugin, MultifieldParser, OperatorsPlugin, PhrasePlugin
from whoosh.spelling import ListCorrector

from . import snippets
from .generations import CURRENT, ReaderLease, current_generation, read_manifest, read_words
from .matching import QueryMatcher, bitset, iter_bits, positive_terms
from .schema import FACET_FIELDS, FIELD_BOOSTS, QUERY_FIELDS, STEMMED_FIELDS, YEAR_FIELD

log = logging.getLogger("equity_kb.search")

MAX_QUERY_CHARS = 500
MAX_WORDS = 32
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
MAX_FACET_VALUES = 50
# A parsed query with more leaves than this is searched as plain words instead.
_MAX_LEAVES = 400
# Longer "words" are not misspellings worth a spelling search.
_MAX_SPELL_CHARS = 30
_WORD = re.compile(r"\w+")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_TYPE_ORDER = {"practice": 0, "brief": 1, "reference": 2}


class IndexNotFound(Exception):
    """No index (no ``CURRENT`` generation) at the given directory."""


@dataclass(frozen=True)
class Hit:
    """One result as the search page and the CLI show it.

    ``snippet`` is HTML: the document's text escaped, with ``<mark>`` around matched
    words and no other markup.
    """

    key: str
    type: str
    title: str
    url: str
    year: int | None
    tenets: list[str]
    focus: list[str]
    levels: list[str]
    authors: list[str]
    summary: str
    snippet: str
    score: float | None = None


@dataclass
class SearchResult:
    """A page of hits, the total, facet counts and how the query was read.

    ``facets`` maps ``type``, ``tenets``, ``focus``, ``levels`` and ``year`` to
    ``[(value, count)]``: each facet counted over the matches filtered by all the
    *other* facets (disjunctive), so ticking a value never hides its siblings.
    ``mode`` is ``"browse"`` (no words: every entry matches), ``"query"`` (the query
    was read with its phrases and operators) or ``"plain"`` (it could not be read, so
    its words were searched for as plain terms); ``note`` says so in words.
    """

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]]
    page: int
    pages: int
    page_size: int
    selected: dict[str, list[Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    suggestion: str | None = None
    mode: str = "browse"
    note: str | None = None
    took_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: facets as ``[{"value", "label", "count", "selected"}]``."""
        facets: dict[str, list[dict[str, Any]]] = {}
        for name, counts in self.facets.items():
            chosen = set(self.selected.get(name, ()))
            labels = self.labels.get(name, {})
            facets[name] = [
                {
                    "value": value,
                    "label": labels.get(str(value), str(value)),
                    "count": count,
                    "selected": value in chosen,
                }
                for value, count in counts
            ]
        return {
            "query": self.query,
            "mode": self.mode,
            "note": self.note,
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "page_size": self.page_size,
            "suggestion": self.suggestion,
            "selected": self.selected,
            "hits": [asdict(h) for h in self.hits],
            "facets": facets,
            "took_ms": round(self.took_ms, 2),
        }


class SearchEngine:
    """Answers queries against the current generation of an index directory.

    Thread-safe (queries are serialised: they are CPU-bound, so threads would only
    contend for the GIL). Raises :class:`IndexNotFound` if there is no index yet.
    """

    def __init__(self, index_dir: str | os.PathLike[str]):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._snap: _Snapshot | None = None
        self._signature: tuple[int, int, int] | None = None
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
            snap = self._refresh()
            try:
                return snap.run(*args)
            except OSError:
                # A file of an old generation vanished under us (a writer removed it
                # while no lease protected it): reopen on the current one, once.
                self._drop()
        return self._refresh().run(*args)

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

    def _refresh(self) -> _Snapshot:
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
                snap = _Snapshot(gen)
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


class _Snapshot:
    """One generation opened: searcher, parsers and per-document facet bitsets."""

    def __init__(self, gen: Path):
        self.name = gen.name
        self.lease = ReaderLease(gen)
        try:
            self.ix = whoosh_index.open_dir(str(gen))
            self.searcher = self.ix.searcher()
            self._load(gen)
        except BaseException:
            self.lease.release()
            raise

    def _load(self, gen: Path) -> None:
        self.reader = reader = self.searcher.reader()
        schema = self.ix.schema
        self.size = reader.doc_count_all()
        live_ids = list(reader.all_doc_ids())
        self.count = len(live_ids)
        self.live = bitset(live_ids, self.size)
        self.values: dict[str, dict[Any, int]] = {}
        for name in FACET_FIELDS:
            self.values[name] = {
                value: bitset(reader.postings(name, value).all_ids(), self.size) & self.live
                for value in reader.field_terms(name)
            }
        year_field = schema[YEAR_FIELD]
        self.values[YEAR_FIELD] = {}
        for btext in year_field.sortable_terms(reader, YEAR_FIELD):
            year = year_field.from_bytes(btext)
            ids = reader.postings(YEAR_FIELD, btext).all_ids()
            self.values[YEAR_FIELD][int(year)] = bitset(ids, self.size) & self.live
        # Facet-only browsing lists entries by type, then title.
        titles = reader.column_reader("title")
        kind = {}
        for value, bits in self.values["type"].items():
            for d in iter_bits(bits, self.size):
                kind[d] = _TYPE_ORDER.get(value, 9)
        self.browse_order = sorted(
            live_ids, key=lambda d: (kind.get(d, 9), _text(titles[d]).casefold(), d)
        )
        self.labels: dict[str, dict[str, str]] = read_manifest(gen).get("labels", {})
        self.parser = MultifieldParser(
            list(QUERY_FIELDS),
            schema,
            fieldboosts=FIELD_BOOSTS,
            # Phrases, groups and AND/OR/NOT only: no field:, wildcard, range or boost
            # syntax (a stray "tenet:" or "*" stays a word; no wildcard scans).
            plugins=[PhrasePlugin(), GroupPlugin(), OperatorsPlugin()],
        )
        self.plain_parser = MultifieldParser(
            list(QUERY_FIELDS), schema, fieldboosts=FIELD_BOOSTS, plugins=[]
        )
        self.matcher = QueryMatcher(self.searcher, self.live, self.size)
        self.words = read_words(gen)
        self.corrector = _FrequencyCorrector(self.words)

    def close(self) -> None:
        try:
            self.searcher.close()
            self.ix.close()
        finally:
            self.lease.release()

    # -- one query --------------------------------------------------------------------

    def run(
        self,
        text: str,
        selected: dict[str, list[str]],
        years: tuple[int | None, int | None],
        page: int,
        page_size: int,
    ) -> SearchResult:
        mode, note, query, matched = self._match(text)
        filters: dict[str, int] = {}
        for name in FACET_FIELDS:
            if selected[name]:
                bits = 0
                for v in selected[name]:
                    bits |= self.values[name].get(v, 0)  # an unknown value matches nothing
                filters[name] = bits
        year_from, year_to = years
        if year_from is not None or year_to is not None:
            lo = year_from if year_from is not None else 0
            hi = year_to if year_to is not None else 10_000
            bits = 0
            for year, ybits in self.values[YEAR_FIELD].items():
                if lo <= year <= hi:
                    bits |= ybits
            filters[YEAR_FIELD] = bits

        result_bits = matched
        for bits in filters.values():
            result_bits &= bits
        total = result_bits.bit_count()

        facets: dict[str, list[tuple[Any, int]]] = {}
        for name in (*FACET_FIELDS, YEAR_FIELD):
            base = matched
            for other, bits in filters.items():
                if other != name:
                    base &= bits
            chosen_set = set(selected.get(name, ()))
            counts = [
                (value, (base & bits).bit_count()) for value, bits in self.values[name].items()
            ]
            counts = [(v, c) for v, c in counts if c or v in chosen_set]
            # A chosen value the index does not hold stays listed, so it can be unticked.
            counts += [(v, 0) for v in selected.get(name, ()) if v not in self.values[name]]
            if name == YEAR_FIELD:
                counts.sort(key=lambda vc: -vc[0])
            else:
                # Vocabulary order where the labels give it, so that checkboxes keep
                # their places as counts change; unlabelled values after, commonest first.
                order = {v: i for i, v in enumerate(self.labels.get(name, {}))}
                counts.sort(key=lambda vc: (order.get(vc[0], len(order)), -vc[1], str(vc[0])))
            facets[name] = counts

        pages = max(1, math.ceil(total / page_size))
        page = min(page, pages)
        start = (page - 1) * page_size
        hits: list[Hit] = []
        if total:
            scores = self.matcher.scores(query) if query is not None else None
            if query is None or scores is None:  # no words, or only NOT words: no ranking
                hits = self._browse_page(result_bits, start, page_size)
            else:
                hits = self._ranked_page(query, scores, result_bits, start, page_size)

        suggestion = None
        if not matched and query is not None:
            suggestion = self._suggest(text)
        if not total and matched and filters and not note:
            note = "Nothing matches all the chosen filters; untick one to see more."
        shown: dict[str, list[Any]] = {k: list(v) for k, v in selected.items() if v}
        if year_from is not None:
            shown["year_from"] = [year_from]
        if year_to is not None:
            shown["year_to"] = [year_to]
        return SearchResult(
            query=text,
            total=total,
            hits=hits,
            facets=facets,
            page=page,
            pages=pages,
            page_size=page_size,
            selected=shown,
            labels=self.labels,
            suggestion=suggestion,
            mode=mode,
            note=note,
        )

    def _match(self, text: str) -> tuple[str, str | None, wq.Query | None, int]:
        """(mode, note, query to rank with or None to browse, bitset of matches)."""
        words = [w for w in _WORD.findall(text) if w not in _OPERATORS][:MAX_WORDS]
        if not words:
            if text:
                note = "The query has no words to search for; showing every entry."
                return "browse", note, None, self.live
            return "browse", None, None, self.live
        query: wq.Query | None = None
        try:
            query = self.parser.parse(text)
        except Exception:  # noqa: BLE001 - whatever the parser cannot read: plain words
            query = None
        if query is not None and _leaf_count(query) <= _MAX_LEAVES and _has_terms(query):
            try:
                return "query", None, query, self._matching(query)
            except Exception:  # noqa: BLE001 - answer anyway, but this is our bug: log it
                log.warning("matching %r failed; searching its words instead", text, exc_info=True)
        note = "The query could not be read as written, so its words were searched for."
        plain = self.plain_parser.parse(" ".join(words))
        if not _has_terms(plain):
            # Only stop words ("the", "and"): nothing to rank by.
            note = "The query has only very common words; showing every entry."
            return "browse", note, None, self.live
        try:
            return "plain", note, plain, self._matching(plain)
        except Exception:  # noqa: BLE001
            log.warning("matching the words of %r failed", text, exc_info=True)
            return "plain", note, wq.NullQuery, 0

    def _matching(self, query: wq.Query) -> int:
        return self.matcher.bits(query)

    def _browse_page(self, bits: int, start: int, size: int) -> list[Hit]:
        flags = bits.to_bytes((self.size >> 3) + 1, "little")
        chosen = []
        skipped = 0
        for d in self.browse_order:
            if flags[d >> 3] >> (d & 7) & 1:
                if skipped < start:
                    skipped += 1
                    continue
                chosen.append(d)
                if len(chosen) == size:
                    break
        stored = self.reader.stored_fields
        return [self._hit(stored(d), None, frozenset()) for d in chosen]

    def _ranked_page(
        self, query: wq.Query, scores: list[float], bits: int, start: int, size: int
    ) -> list[Hit]:
        # Only the page shown is ordered: a heap keeps the best start+size, not a sort.
        best = self.matcher.top(iter_bits(bits, self.size), scores, start + size)[start:]
        stems = frozenset(t for f, t, _ in positive_terms(query) if f in STEMMED_FIELDS)
        stored = self.reader.stored_fields
        return [self._hit(stored(d), scores[d], stems) for d in best]

    def _hit(self, doc: Mapping[str, Any], score: float | None, stems: frozenset[str]) -> Hit:
        summary = str(doc.get("summary") or "")
        snippet = ""
        if stems:
            for name in ("annotation", "body", "summary"):
                snippet = snippets.highlight(str(doc.get(name) or ""), stems)
                if snippet:
                    break
        if not snippet:
            source = summary or str(doc.get("annotation") or doc.get("body") or "")
            snippet = snippets.plain(source)
        year = doc.get("year")
        return Hit(
            key=str(doc.get("key", "")),
            type=(_list(doc.get("type")) or [""])[0],
            title=str(doc.get("title", "")),
            url=str(doc.get("url", "")),
            year=int(year) if isinstance(year, int) else None,
            tenets=_list(doc.get("tenets")),
            focus=_list(doc.get("focus")),
            levels=_list(doc.get("levels")),
            authors=_list(doc.get("authors")),
            summary=summary,
            snippet=snippet,
            score=round(float(score), 4) if score is not None else None,
        )

    def _suggest(self, text: str) -> str | None:
        """A respelling of the query whose words all occur in the index, if one has hits."""
        changed = False

        def fix(match: re.Match[str]) -> str:
            nonlocal changed
            word = match.group(0)
            if word in _OPERATORS or not 3 <= len(word) <= _MAX_SPELL_CHARS:
                return word
            lower = word.lower()
            if lower in self.words:
                return word
            found = self.corrector.suggest(lower, limit=1, maxdist=2, prefix=1)
            if not found:
                return word
            changed = True
            return found[0]

        fixed = _WORD.sub(fix, text[:MAX_QUERY_CHARS])
        if not changed:
            return None
        try:
            query = self.parser.parse(fixed)
            if not _has_terms(query) or not self._matching(query):
                return None
        except Exception:  # noqa: BLE001
            return None
        return fixed


class _FrequencyCorrector(ListCorrector):
    """Suggests indexed words within two edits, the nearer and then the commoner first."""

    def __init__(self, counts: Mapping[str, int]):
        super().__init__(sorted(counts))
        self.counts = counts

    def _suggestions(self, text: str, maxdist: int, prefix: int) -> Iterator[tuple[float, str]]:
        for score, word in super()._suggestions(text, maxdist, prefix):
            freq = self.counts.get(word, 0)
            yield score + 0.5 * freq / (freq + 1), word


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return [str(v) for v in value]


def _leaf_count(query: wq.Query) -> int:
    return sum(1 for _ in query.leaves())


def _has_terms(query: wq.Query) -> bool:
    return query is not wq.NullQuery and any(True for _ in query.iter_all_terms())
