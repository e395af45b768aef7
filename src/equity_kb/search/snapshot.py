"""One generation of the index opened for queries: the searcher, per-document facet
bitsets and lengths read once, and the query's matching, ranking, snippets and spelling
(engine.py's docstring says why it is fast).

How a query is read, in order:

* its common words (``schema.QUERY_STOP_WORDS``) are dropped, except inside a quoted
  phrase or when there is nothing else;
* the rest must all match (phrases, OR and NOT as written);
* if fewer than ``WIDEN_BELOW`` entries have them all, and the query is several words
  or groups with no explicit AND, any of them may match: entries are ranked by the
  summed rarity (idf) of the words they have (those with every word first), then by
  BM25, and the result says so (``partial``, ``note``);
* a search left with nothing (filters, or words nowhere in the index) offers up to
  ``NEAREST`` entries: the words' matches without the filters, or the matches of the
  did-you-mean spelling (``nearest``, ``nearest_reason``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.qparser import GroupPlugin, MultifieldParser, OperatorsPlugin, PhrasePlugin, syntax
from whoosh.qparser.plugins import Plugin
from whoosh.spelling import ListCorrector

from . import snippets
from .generations import ReaderLease, read_manifest, read_words
from .matching import QueryMatcher, bitset, iter_bits, positive_terms
from .results import Hit, SearchResult
from .schema import (
    FACET_FIELDS,
    FIELD_BOOSTS,
    MIN_WORD_CHARS,
    QUERY_FIELDS,
    QUERY_STOP_WORDS,
    STEMMED_FIELDS,
    YEAR_FIELD,
)

log = logging.getLogger("equity_kb.search")

MAX_QUERY_CHARS = 500


MAX_WORDS = 32


# A parsed query with more leaves than this is searched as plain words instead.
_MAX_LEAVES = 400


# Longer "words" are not misspellings worth a spelling search.
_MAX_SPELL_CHARS = 30


_WORD = re.compile(r"\w+")
_NOT_SYNTAX = re.compile(r'[^\w\s"()]|_')


_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_WORD_CACHE = 20_000  # words' parsed queries kept per generation
_DOC_CACHE = 4_000  # documents' stored fields kept (each a few KB: at most ~20 MB)


_TYPE_ORDER = {"practice": 0, "brief": 1, "reference": 2}


# How many entries a search with no results offers instead.
NEAREST = 5

PARTIAL_NOTE = "No entry has all of your words; showing entries that match most of them."
FEW_NOTE = "Few entries have all of your words; after them come entries that match most of them."
# Fewer entries than this with every word, and those with most of the words follow them.
WIDEN_BELOW = 3
FILTERS_NOTE = "Nothing matches all the chosen filters; untick one to see more."
NEAREST_FILTERS_NOTE = "The nearest entries match your words without the filters."
STOP_ONLY_NOTE = (
    "Your query has only very common words, which are not searched for; add a more specific word."
)


@dataclass
class Reading:
    """How a query was read: what it matches and how its matches are ranked."""

    mode: str
    note: str | None
    query: wq.Query | None  # None: no words to rank by (browse)
    bits: int  # the matches: of all the words, or of some (``partial``)
    all_bits: int  # the entries with all the words (for "did you mean")
    coverage: list[float] | None = None  # partial only: idf of the words each entry has

    @property
    def partial(self) -> bool:
        return self.coverage is not None


class Snapshot:
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
            plugins=[PhrasePlugin(), GroupPlugin(), OperatorsPlugin(), StopWordsPlugin()],
        )
        self.plain_parser = MultifieldParser(
            list(QUERY_FIELDS), schema, fieldboosts=FIELD_BOOSTS, plugins=[StopWordsPlugin()]
        )
        self.matcher = QueryMatcher(self.searcher, self.live, self.size)
        self._word_queries: dict[str, wq.Query] = {}
        self._docs: dict[int, Mapping[str, Any]] = {}
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
        reading = self._read(text)
        filters = self._filters(selected, years)
        result_bits = _and_all(reading.bits, filters.values())
        total = result_bits.bit_count()
        facets = self._facets(reading.bits, filters, selected)

        pages = max(1, math.ceil(total / page_size))
        page = min(page, pages)
        hits = self._page(reading, result_bits, (page - 1) * page_size, page_size)

        suggestion = None
        if not reading.all_bits and reading.query is not None:
            suggestion = self._suggest(text)
        nearest: list[Hit] = []
        reason: str | None = None
        if not total and reading.query is not None:
            nearest, reason = self._nearest(reading, filters, suggestion)
        note = _note(reading, total, bool(filters), reason, suggestion, text)
        year_from, year_to = years
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
            mode=reading.mode,
            note=note,
            partial=reading.partial,
            nearest=nearest,
            nearest_reason=reason,
        )

    def _filters(
        self, selected: Mapping[str, Sequence[str]], years: tuple[int | None, int | None]
    ) -> dict[str, int]:
        """The chosen facet values and years as a bitset per facet (values OR'd)."""
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
        return filters

    def _facets(
        self, matched: int, filters: Mapping[str, int], selected: Mapping[str, Sequence[str]]
    ) -> dict[str, list[tuple[Any, int]]]:
        """Each facet's counts over the matches filtered by the *other* facets."""
        facets: dict[str, list[tuple[Any, int]]] = {}
        for name in (*FACET_FIELDS, YEAR_FIELD):
            base = _and_all(matched, (bits for other, bits in filters.items() if other != name))
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
        return facets

    def _page(self, reading: Reading, bits: int, start: int, size: int) -> list[Hit]:
        """The hits ``start`` to ``start + size`` of ``bits``, ranked as ``reading`` says."""
        if not bits:
            return []
        scores = (
            self.matcher.scores_within(reading.query, bits) if reading.query is not None else None
        )
        if reading.query is None or scores is None:  # no words, or only NOT words
            return self._browse_page(bits, start, size)
        return self._ranked_page(reading.query, reading.coverage, scores, bits, start, size)

    def _nearest(
        self, reading: Reading, filters: Mapping[str, int], suggestion: str | None
    ) -> tuple[list[Hit], str | None]:
        """For a search with no results: the words' matches without the filters, or
        else the matches of the suggested spelling (within the filters if any)."""
        if reading.bits and filters:
            return self._page(reading, reading.bits, 0, NEAREST), "filters"
        if suggestion:
            fixed = self._read(suggestion)
            bits = _and_all(fixed.bits, filters.values()) or fixed.bits
            if bits:
                return self._page(fixed, bits, 0, NEAREST), "spelling"
        return [], None

    def _read(self, text: str) -> Reading:
        """The query read, matched, and widened to partial matches if none has it all."""
        mode, note, query, matched = self._match(text)
        reading = Reading(mode, note, query, matched, matched)
        few = matched.bit_count() < WIDEN_BELOW
        if not few or query is None or "AND" in _WORD.findall(text) or _only_stop_words(text):
            # An explicit AND asks for every word; common words alone are no clue.
            return reading
        widened = self.matcher.partial(query)
        if widened is not None and widened[0] and widened[0] != matched:
            # Entries with every word have the most coverage, so they still come first.
            reading.bits, reading.coverage = widened
        return reading

    def _match(self, text: str) -> tuple[str, str | None, wq.Query | None, int]:
        """(mode, note, query to rank with or None to browse, bitset of matches)."""
        # Only quotes (phrases), brackets and AND/OR/NOT are syntax here; any other mark
        # ("equity*", "title:equity", "data^99", "why?") separates words, as a reader
        # means it, instead of gluing them into one term that no field holds.
        text = " ".join(_NOT_SYNTAX.sub(" ", text).split())
        words = [w for w in _WORD.findall(text) if w not in _OPERATORS][:MAX_WORDS]
        if not words:
            if text:
                note = "The query has no words to search for; showing every entry."
                return "browse", note, None, self.live
            return "browse", None, None, self.live
        query: wq.Query | None = None
        try:
            query = self._parse(text)
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

    def _parse(self, text: str) -> wq.Query:
        """``self.parser.parse(text)``; a query of plain words (letters and digits, no
        operator or common word) is the AND of each word's parse, and those are kept: a
        parse is about half a millisecond, a look-up a microsecond (tests compare the two
        on every shipped word pair)."""
        words = text.split(" ")
        if len(words) > MAX_WORDS or not all(
            w.isalnum() and w not in _OPERATORS and w.lower() not in QUERY_STOP_WORDS for w in words
        ):
            return self.parser.parse(text)
        parts = []
        for w in words:
            part = self._word_queries.get(w)
            if part is None:
                part = self.parser.parse(w)
                if len(self._word_queries) >= _WORD_CACHE:
                    self._word_queries.clear()
                self._word_queries[w] = part
            parts.append(part)
        return parts[0] if len(parts) == 1 else wq.And(parts)

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
        return [self._hit(self._stored(d), None, frozenset()) for d in chosen]

    def _ranked_page(
        self,
        query: wq.Query,
        coverage: list[float] | None,
        scores: Mapping[int, float] | Sequence[float],
        bits: int,
        start: int,
        size: int,
    ) -> list[Hit]:
        # Only the page shown is ordered: a heap keeps the best start+size, not a sort.
        docs = iter_bits(bits, self.size)
        if coverage is None:
            best = self.matcher.top(docs, scores.__getitem__, start + size)[start:]
        else:
            # Partial matches: the rarer and the more of the words an entry has, the
            # higher; BM25 orders entries that have the same words.
            best = self.matcher.top(docs, lambda d: (coverage[d], scores[d]), start + size)
            best = best[start:]
        stems = frozenset(t for f, t, _ in positive_terms(query) if f in STEMMED_FIELDS)
        return [self._hit(self._stored(d), scores[d], stems, d) for d in best]

    def _stored(self, docnum: int) -> Mapping[str, Any]:
        """A document's stored fields, kept for the next query that shows it: reading
        them unpickles and decompresses (tens of microseconds each, 20 per page)."""
        doc = self._docs.get(docnum)
        if doc is None:
            doc = self.reader.stored_fields(docnum)
            if len(self._docs) >= _DOC_CACHE:
                self._docs.clear()
            self._docs[docnum] = doc
        return doc

    def _has_any(self, field: str, stems: frozenset[str], docnum: int) -> bool:
        term = self.matcher.term
        return any(term(field, s).bits >> docnum & 1 for s in stems)

    def _hit(
        self,
        doc: Mapping[str, Any],
        score: float | None,
        stems: frozenset[str],
        docnum: int | None = None,
    ) -> Hit:
        summary = str(doc.get("summary") or "")
        snippet = ""
        if stems:
            for name in ("annotation", "body", "summary"):
                if docnum is not None and not self._has_any(name, stems, docnum):
                    continue  # the index says none of the words is there: skip the scan
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


class StopWordsPlugin(Plugin):
    """Drops the query's common words before it is read, so that they do not count
    against an entry; a quoted phrase keeps them (they are in the positions), and a
    query of nothing but common words is left as it is."""

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        # After GroupPlugin (0) has nested the brackets, before the operators (600)
        # are applied, so an operator left without a word on one side is dropped.
        return [(self.drop_stop_words, 1)]

    def drop_stop_words(self, parser: Any, group: Any) -> Any:
        if all(_is_stop_word(n) for n in _text_nodes(group)):
            return group
        return _without_stop_words(group)


def _note(
    reading: Reading,
    total: int,
    filtered: bool,
    nearest: str | None,
    suggestion: str | None,
    text: str,
) -> str | None:
    """What the page says about how the query was read and why it found what it did."""
    notes = [reading.note]
    if reading.partial:
        if reading.all_bits:
            notes.append(FEW_NOTE)
        else:
            notes.append(PARTIAL_NOTE if total else "No entry has all of your words.")
    if not total and reading.bits and filtered and not reading.note:
        notes.append(FILTERS_NOTE)
    if nearest == "filters":
        notes.append(NEAREST_FILTERS_NOTE)
    elif nearest == "spelling":
        notes.append(f"Nothing matches your words; the nearest entries match “{suggestion}”.")
    elif not total and not suggestion and _only_stop_words(text):
        notes.append(STOP_ONLY_NOTE)
    return " ".join(n for n in notes if n) or None


def _text_nodes(group: Any) -> Iterator[Any]:
    for node in group:
        if isinstance(node, syntax.GroupNode):
            yield from _text_nodes(node)
        elif isinstance(node, syntax.TextNode):
            yield node


def _without_stop_words(group: Any) -> Any:
    kept = []
    for node in group:
        if isinstance(node, syntax.GroupNode):
            node = _without_stop_words(node)
        elif _is_stop_word(node):
            continue
        kept.append(node)
    group.nodes = kept
    return group


def _is_stop_word(node: Any) -> bool:
    """A bare word (not a phrase) whose every part is a common or a one-letter word."""
    if not isinstance(node, syntax.WordNode):
        return False
    return all(
        w in QUERY_STOP_WORDS or len(w) < MIN_WORD_CHARS for w in _WORD.findall(node.text.lower())
    )


def _only_stop_words(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text) if w not in _OPERATORS]
    return bool(words) and all(w in QUERY_STOP_WORDS or len(w) < MIN_WORD_CHARS for w in words)


def _and_all(bits: int, filters: Iterable[int]) -> int:
    for f in filters:
        bits &= f
    return bits


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
