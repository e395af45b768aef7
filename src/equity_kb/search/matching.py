"""Evaluate a parsed Whoosh query against one searcher: bitsets to match, BM25 to rank.

Whoosh parses the query and stores the postings; this module reads each term's
postings once per searcher (an LRU cache) and then works on plain Python values:

* a term's matching documents as a bitset (an int, one bit per document number), so
  AND / OR / NOT and every facet filter and count are integer operations;
* a term's BM25 contribution per document, precomputed, so ranking a query is adding
  the contributions of its positive terms and taking the top N;
* for a conjunction no document satisfies (``partial``), the documents with any of its
  clauses and the summed idf of the clauses each one has, to rank them by.

Whoosh's own matchers score every match through layers of Python objects (DESIGN.md
measured 63 ms p50 with facets at 10,000 documents; its phrase matcher took hundreds
of milliseconds for a common phrase here). Query semantics are Whoosh's: the same
parse tree, the same analyzers, the same positions for phrases.
"""

from __future__ import annotations

import heapq
import math
import pickle
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from typing import Any

from whoosh import query as wq
from whoosh.matching import FilterMatcher

K1 = 1.2
# Length normalisation per field: full for running text, little for short fields
# whose length says nothing about relevance.
LENGTH_B = {"body": 0.75, "annotation": 0.75, "summary": 0.5, "title": 0.3}
# Postings kept in memory across queries (arrays of 4-byte ids and 8-byte scores): about
# 50 MB at most, whatever the vocabulary; least recently used terms go first.
CACHE_POSTINGS = 4_000_000
PHRASE_CACHE = 1024


class TermData:
    """One (field, term): its documents as a bitset, and BM25 contribution per document."""

    __slots__ = ("bits", "ids", "scores", "field", "text")

    def __init__(self, field: str, text: str, bits: int, ids: array[int], scores: array[float]):
        self.field = field
        self.text = text
        self.bits = bits
        self.ids = ids
        self.scores = scores


class QueryMatcher:
    """Match and rank parsed queries on one open searcher (not thread-safe)."""

    def __init__(self, searcher: Any, live: int, size: int):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves: list[tuple[Any, int]] = list(self.reader.leaf_readers())
        self.live = live
        self.size = size
        self.count = max(1, live.bit_count())
        self._terms: OrderedDict[tuple[str, str], TermData] = OrderedDict()
        self._cached = 0  # postings held by _terms
        self._phrases: OrderedDict[tuple[str, tuple[str, ...], int], int] = OrderedDict()
        self._norms: dict[str, list[float]] = {}
        # Read the field lengths now, not in the first query that needs them.
        for field in LENGTH_B:
            self._norm(field)

    # -- matching ----------------------------------------------------------------------

    def bits(self, q: wq.Query) -> int:
        """The documents ``q`` matches, as a bitset of live documents."""
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text).bits
        if isinstance(q, wq.Phrase):
            return self.phrase(q)
        if isinstance(q, wq.Not):
            return self.live & ~self.bits(q.query)
        if isinstance(q, wq.AndNot):
            return self.bits(q.a) & ~self.bits(q.b)
        if isinstance(q, wq.AndMaybe):
            return self.bits(q.a)
        if isinstance(q, wq.Require):
            return self.bits(q.a) & self.bits(q.b)
        if isinstance(q, wq.And):
            out = self.live
            for child in q.children():
                out &= self.bits(child)
                if not out:
                    break
            return out
        if isinstance(q, wq.Or | wq.DisjunctionMax):
            out = 0
            for child in q.children():
                out |= self.bits(child)
            return out
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return 0
        if isinstance(q, wq.Every):
            return self.live
        # Anything else the parser might make: let Whoosh match it.
        return bitset(self.searcher.docs_for_query(q), self.size) & self.live

    def term(self, field: str, text: Any) -> TermData:
        text = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        key = (field, text)
        data = self._terms.get(key)
        if data is not None:
            self._terms.move_to_end(key)
            return data
        ids, weights = self._postings(field, text)
        bits = bitset(ids, self.size) & self.live
        scores = array("d")
        if ids:
            idf = self.idf(bits.bit_count() or len(ids))
            norms = self._norm(field)
            top = idf * (K1 + 1)
            scores = array(
                "d", [top * w / (w + norms[d]) for d, w in zip(ids, weights, strict=True)]
            )
        data = TermData(field, text, bits, array("i", ids), scores)
        self._terms[key] = data
        self._cached += len(ids)
        while self._cached > CACHE_POSTINGS and len(self._terms) > 1:
            _, old = self._terms.popitem(last=False)
            self._cached -= len(old.ids)
        return data

    def phrase(self, q: wq.Phrase) -> int:
        words = tuple(w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in q.words)
        slop = int(getattr(q, "slop", 1) or 1)
        key = (q.fieldname, words, slop)
        cached = self._phrases.get(key)
        if cached is not None:
            self._phrases.move_to_end(key)
            return cached
        result = self._match_phrase(q.fieldname, words, slop)
        self._phrases[key] = result
        if len(self._phrases) > PHRASE_CACHE:
            self._phrases.popitem(last=False)
        return result

    # -- ranking -----------------------------------------------------------------------

    def scores(self, q: wq.Query) -> list[float] | None:
        """BM25 per document summed over the positive terms of ``q`` (None if it has none)."""
        acc = [0.0] * self.size
        found = False
        for field, text, boost in positive_terms(q):
            data = self.term(field, text)
            if not data.ids:
                continue
            found = True
            for d, s in zip(data.ids, data.scores, strict=True):
                acc[d] += s * boost
        return acc if found else None

    def scores_within(self, q: wq.Query, bits: int) -> dict[int, float] | list[float] | None:
        """``scores(q)``, but only the documents in ``bits`` need to be right: when they
        are few next to the terms' postings (a query of several words), each one's
        contribution is looked up in each term's sorted postings instead of adding up
        every posting. The sums are the same, term by term in the same order."""
        terms = [(self.term(f, t), boost) for f, t, boost in positive_terms(q)]
        terms = [(data, boost) for data, boost in terms if data.ids]
        if not terms:
            return None
        postings = sum(len(data.ids) for data, _ in terms)
        if bits.bit_count() * len(terms) * 4 > postings:
            return self.scores(q)
        acc = dict.fromkeys(iter_bits(bits, self.size), 0.0)
        for data, boost in terms:
            ids, values = data.ids, data.scores
            for d in iter_bits(data.bits & bits, self.size):
                acc[d] += values[bisect_left(ids, d)] * boost
        return acc

    @staticmethod
    def top(docs: Iterable[int], key: Callable[[int], Any], n: int) -> list[int]:
        """The ``n`` documents with the highest ``key``, ties in document order."""
        return heapq.nlargest(n, docs, key=key)

    def partial(self, q: wq.Query) -> tuple[int, list[float]] | None:
        """For a query of several required clauses: the documents with any of them (and
        none of its NOT clauses), and per document the summed idf of the clauses it has.

        None if ``q`` is not a conjunction of at least two positive clauses (one word,
        a phrase or an OR group is matched as it is)."""
        split = clauses(q)
        if split is None or len(split[0]) < 2:
            return None
        positive, negative = split
        excluded = 0
        for clause in negative:
            excluded |= self.bits(clause)
        matched = 0
        coverage = [0.0] * self.size
        for clause in positive:
            bits = self.bits(clause)
            weight = self.idf(bits.bit_count())
            bits &= ~excluded
            matched |= bits
            for d in iter_bits(bits, self.size):
                coverage[d] += weight
        return matched, coverage

    def idf(self, df: int) -> float:
        """BM25's idf of a term (or clause) that ``df`` of the live documents have."""
        return math.log(1 + (self.count - df + 0.5) / (df + 0.5))

    # -- reading postings ----------------------------------------------------------------

    def _postings(self, field: str, text: str) -> tuple[list[int], list[float]]:
        ids: list[int] = []
        weights: list[float] = []
        for reader, offset in self.leaves:
            if (field, text) not in reader:
                continue
            m = reader.postings(field, text)
            for block_ids, block_weights, _ in _blocks(m, values=False):
                if offset:
                    ids.extend(d + offset for d in block_ids)
                else:
                    ids.extend(block_ids)
                weights.extend(block_weights)
        return ids, weights

    def _positions(self, field: str, text: str, wanted: int) -> dict[int, list[int]]:
        """Positions of ``text`` in ``field`` for the documents in bitset ``wanted``."""
        out: dict[int, list[int]] = {}
        flags = wanted.to_bytes((self.size >> 3) + 1, "little")
        for reader, offset in self.leaves:
            if (field, text) not in reader:
                continue
            m = reader.postings(field, text)
            decode = _position_decoder(reader.schema[field].format)
            for block_ids, _, values in _blocks(m, values=True):
                for i, d in enumerate(block_ids):
                    d += offset
                    if flags[d >> 3] >> (d & 7) & 1:
                        out[d] = decode(values[i])
        return out

    def _match_phrase(self, field: str, words: tuple[str, ...], slop: int) -> int:
        if not words:
            return 0
        candidates = self.live
        for w in words:
            candidates &= self.term(field, w).bits
            if not candidates:
                return 0
        if len(words) == 1:
            return candidates
        positions = [self._positions(field, w, candidates) for w in words]
        matched = []
        for d in iter_bits(candidates, self.size):
            starts = set(positions[0].get(d, ()))
            for i, later in enumerate(positions[1:], 1):
                here = later.get(d, ())
                if slop <= 1:
                    # Exact phrase: word i sits i positions after the start.
                    starts &= {p - i for p in here}
                else:
                    starts = {s for s in starts if any(0 < p - s <= i * slop for p in here)}
                if not starts:
                    break
            if starts:
                matched.append(d)
        return bitset(matched, self.size)

    def _norm(self, field: str) -> list[float]:
        """K1 * (1 - b + b * length / average length) per document, read once."""
        norms = self._norms.get(field)
        if norms is None:
            b = LENGTH_B.get(field, 0.0)
            if b:
                lengths = [0] * self.size
                for reader, offset in self.leaves:
                    fast = getattr(reader, "doc_field_length_reader", None)  # whoosh3 only
                    if fast is not None:
                        get = fast(field, 0)
                        for d in range(reader.doc_count_all()):
                            lengths[offset + d] = get(d) or 0
                    else:
                        slow = reader.doc_field_length
                        for d in range(reader.doc_count_all()):
                            lengths[offset + d] = slow(d, field, 0) or 0
                avg = (sum(lengths) / self.count) or 1.0
                norms = [K1 * (1 - b + b * n / avg) for n in lengths]
            else:
                norms = [K1] * self.size
            self._norms[field] = norms
        return norms


def clauses(q: wq.Query) -> tuple[list[wq.Query], list[wq.Query]] | None:
    """The clauses a conjunction requires and those it excludes (NOT), or None if
    ``q`` is not a conjunction. A clause is one word (over all fields), a phrase or a
    group, as the parser made it."""
    if isinstance(q, wq.AndNot):
        positive, negative = clauses(q.a) or ([q.a], [])
        return positive, [*negative, q.b]
    if isinstance(q, wq.And):
        children = list(q.children())
        positive = [c for c in children if not isinstance(c, wq.Not)]
        negative = [c.query for c in children if isinstance(c, wq.Not)]
        return positive, negative
    return None


def positive_terms(q: wq.Query) -> Iterator[tuple[str, str, float]]:
    """(field, text, boost) of the terms that make a document relevant (not under NOT)."""
    if isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from positive_terms(q.a)
        return
    if isinstance(q, wq.Term):
        yield q.fieldname, _str(q.text), float(q.boost)
        return
    if isinstance(q, wq.Phrase):
        for w in q.words:
            yield q.fieldname, _str(w), float(q.boost)
        return
    if q.is_leaf():
        return
    for child in q.children():
        yield from positive_terms(child)


def _position_decoder(fmt: Any) -> Any:
    """Decode a posting's positions; Whoosh's Positions format, decoded at C speed."""
    if type(fmt).__name__ != "Positions":
        return fmt.decode_positions

    def decode(value: bytes) -> list[int]:
        # An unsigned int (the count), then pickled position deltas whose final STOP
        # opcode the codec trims when it stores them.
        body = value[4:] if value.endswith(b".") else value[4:] + b"."
        return list(accumulate(pickle.loads(body)))

    return decode


def _str(text: Any) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else str(text)


def _blocks(m: Any, *, values: bool) -> Iterator[tuple[Any, Any, Any]]:
    """(ids, weights, values) block by block.

    Reads Whoosh's on-disk posting blocks whole (the W3 codec's block attributes) when it
    can, since walking a matcher posting by posting costs a Python call each; any other
    matcher is walked with the public Matcher API.
    """
    # Deleted documents: the caller masks every result with the live documents.
    while isinstance(m, FilterMatcher):
        m = m.child
    if hasattr(m, "_read_data") and hasattr(m, "_next_block") and hasattr(m, "_lastblock"):
        while m.is_active():
            if m._data is None:
                m._read_data()
            raw = m._data[0]
            # Block ids are delta-encoded; accumulate() decodes them at C speed.
            ids = raw if m._byteids else list(accumulate(raw))
            m._read_weights()
            if values:
                m._read_values()
            yield ids, m._weights, (m._values if values else None)
            if m._lastblock:
                break
            m._next_block()
        return
    all_ids: list[int] = []
    weights: list[float] = []
    vals: list[Any] = []
    while m.is_active():
        all_ids.append(m.id())
        weights.append(m.weight())
        if values:
            vals.append(m.value())
        m.next()
    yield all_ids, weights, vals


def bitset(docnums: Iterable[int], size: int) -> int:
    """A bitset (int) with a bit set for each document number."""
    buf = bytearray((size >> 3) + 1)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def iter_bits(bits: int, size: int) -> list[int]:
    """The document numbers set in ``bits``, ascending."""
    if not bits:
        return []
    text = bin(bits)[:1:-1]  # least significant bit first
    if bits.bit_count() * 16 < len(text):
        out = []
        i = text.find("1")
        while i >= 0:
            out.append(i)
            i = text.find("1", i + 1)
        return out
    return [i for i, c in enumerate(text) if c == "1"]
