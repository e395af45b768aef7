"""One generation of the index opened for queries: the searcher, per-document facet
bitsets and lengths read once, and the query's matching, ranking, snippets and spelling
(engine.py's docstring says why it is fast)."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.qparser import GroupPlugin, MultifieldParser, OperatorsPlugin, PhrasePlugin
from whoosh.spelling import ListCorrector

from . import snippets
from .generations import ReaderLease, read_manifest, read_words
from .matching import QueryMatcher, bitset, iter_bits, positive_terms
from .results import Hit, SearchResult
from .schema import FACET_FIELDS, FIELD_BOOSTS, QUERY_FIELDS, STEMMED_FIELDS, YEAR_FIELD

log = logging.getLogger("equity_kb.search")

MAX_QUERY_CHARS = 500


MAX_WORDS = 32


# A parsed query with more leaves than this is searched as plain words instead.
_MAX_LEAVES = 400


# Longer "words" are not misspellings worth a spelling search.
_MAX_SPELL_CHARS = 30


_WORD = re.compile(r"\w+")


_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


_TYPE_ORDER = {"practice": 0, "brief": 1, "reference": 2}


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
