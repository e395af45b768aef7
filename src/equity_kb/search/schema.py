"""The Whoosh schema of the index, and the names shared by the indexer and the engine.

Bump ``SCHEMA_VERSION`` (kept in ``layout``, so that reading a generation's manifest
loads no Whoosh) whenever the schema or the way documents are turned into fields
changes: ``sync_index`` then rebuilds instead of updating an index it could no longer
read correctly.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from whoosh.analysis import (
    STOP_WORDS,
    Analyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StemmingAnalyzer,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions

from .layout import SCHEMA_VERSION as SCHEMA_VERSION
from .layout import WORDS_FILE as WORDS_FILE

# Facet fields, in the order pages show them; each holds several values per document.
# ``evidence``: a reference's kind of evidence, or the kinds of a card's sources.
FACET_FIELDS: tuple[str, ...] = ("type", "tenets", "focus", "levels", "evidence")
YEAR_FIELD = "year"

# Fields free text is searched in, with query-time boosts (a title match ranks first;
# changing a boost needs no re-index). ``id`` lets "PC-007" or a BibTeX key find its entry.
QUERY_FIELDS: tuple[str, ...] = ("title", "id", "summary", "body", "annotation", "authors")
FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "id": 4.0, "summary": 1.5}

# Fields whose text shares the stemming analyzer: a stem from any of them marks a word
# in a snippet drawn from any of them.
STEMMED_FIELDS: frozenset[str] = frozenset({"title", "summary", "body", "annotation"})

# The longest stretch of page text kept (stored) for snippets; all of it is indexed.
STORED_BODY_CHARS = 20_000


# Words a query does not require (the engine drops them before matching, except in a
# "quoted phrase"). First the stemming analyzer's own stop words and words shorter than
# its minimum: the text fields never hold them, yet the ``id`` field (no stop filter)
# would still demand them, so "equity for schools" would match nothing. Then the words
# questions are made of, which the text fields do hold but which say nothing about what
# an entry is about. ``stemming_analyzer`` is built from the same STOP_WORDS and minimum.
QUESTION_WORDS: frozenset[str] = frozenset(
    """
    about am any been being could did do does doing done during had has having he her
    here his how i into its me might must my our ours over shall she should some such
    than their them then there these they those was were what whats where whether which
    while who whom whose why would
    """.split()  # noqa: SIM905 - a word list reads better as text
)
QUERY_STOP_WORDS: frozenset[str] = frozenset(STOP_WORDS) | QUESTION_WORDS
MIN_WORD_CHARS = 2


def stemming_analyzer() -> Analyzer:
    return StemmingAnalyzer(stoplist=STOP_WORDS, minsize=MIN_WORD_CHARS)


# What ``analysed_once`` remembers: (value, analyzer settings, boost) -> word values.
_remembered: dict[tuple[Any, ...], list[tuple[str, int, float, bytes]]] | None = None


@contextlib.contextmanager
def analysed_once() -> Iterator[None]:
    """Within it, a field value analysed once (for the Whoosh index) is not analysed again
    (for the static index's terms, static_terms.entry_terms, which reads the same field
    values through the same analyzers): a clean build of 10,000 references did it twice.
    A value is remembered until it is asked for again, so analysing each entry's values
    for both, one entry after another, keeps one entry's values at a time."""
    global _remembered
    _remembered = {}
    try:
        yield
    finally:
        _remembered = None


class StemmedPositions(Positions):
    """Whoosh's ``Positions`` format, with indexing done in one pass for the stemming
    analyzer: the same terms, positions and encoded bytes as the analyzer's chain of
    token generators (tokenizer, lower case, stop words, stemmer) gives, at about a
    third of the cost. Any other analyzer, or options the chain would treat
    differently, go the usual way. Reading an index needs nothing from it."""

    _ENCODED_MAX = 200_000  # distinct position lists kept encoded

    def __init__(self, field_boost: float = 1.0, **options: Any):
        super().__init__(field_boost=field_boost, **options)
        self._encoded: dict[tuple[int, ...], bytes] = {}

    def __getstate__(self) -> dict[str, Any]:  # the schema is pickled into the index
        return {k: v for k, v in self.__dict__.items() if k != "_encoded"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._encoded = {}

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Any:
        steps = stemming_steps(analyzer)
        plain = {k: v for k, v in kwargs.items() if k != "mode"}
        if steps is None or plain or not isinstance(value, str):
            return super().word_values(value, analyzer, **kwargs)
        if _remembered is None:
            return self._fast_values(value, *steps)
        # By the settings, not the stemmer's cache (each schema's analyzer has its own:
        # keyed by it, the index's schema and the static terms' never met).
        key = (value, steps[:5], steps[6], _stemmer_identity(analyzer), self.field_boost)
        got = _remembered.pop(key, None)
        if got is None:
            got = _remembered[key] = self._fast_values(value, *steps)
        return got

    def _fast_values(
        self,
        value: str,
        pattern: re.Pattern[str],
        stops: frozenset[str],
        minsize: int,
        maxsize: int | None,
        renumber: bool,
        stem: Callable[[str], str],
        ignore: frozenset[str],
    ) -> list[tuple[str, int, float, bytes]]:
        positions: dict[str, list[int]] = {}
        pos: int | None = None
        for i, match in enumerate(pattern.finditer(value)):
            word = match.group(0).lower()
            if len(word) < minsize or (maxsize is not None and len(word) > maxsize):
                continue
            if word in stops:
                continue
            # StopFilter renumbers kept words from the first one's position.
            pos = i if not renumber else (i if pos is None else pos + 1)
            if word not in ignore:
                word = stem(word)
            positions.setdefault(word, []).append(pos)
        fb = self.field_boost
        encoded = self._encoded
        out = []
        for word, plist in positions.items():
            key = tuple(plist)
            vbytes = encoded.get(key)
            if vbytes is None:
                if len(encoded) >= self._ENCODED_MAX:
                    encoded.clear()
                vbytes = encoded[key] = self.encode(plist)
            out.append((word, len(plist), len(plist) * fb, vbytes))
        return out


def _stemmer_identity(analyzer: Any) -> tuple[Any, ...]:
    """What a StemmingAnalyzer-shaped chain's stemmer stems with (``stemming_steps``
    gives its cached wrapper, which differs between equal analyzers)."""
    stemmer = analyzer.items[3]
    return (stemmer.stemfn, stemmer.lang)


def stemming_steps(analyzer: Any) -> tuple[Any, ...] | None:
    """The settings of a StemmingAnalyzer-shaped chain, or None for any other analyzer."""
    items = getattr(analyzer, "items", None)
    if not isinstance(items, list) or [type(i) for i in items] != [
        RegexTokenizer,
        LowercaseFilter,
        StopFilter,
        StemFilter,
    ]:
        return None
    tokenizer, _, stop, stemmer = items
    if tokenizer.gaps:
        return None
    return (
        tokenizer.expression,
        frozenset(stop.stops),
        stop.min,
        stop.max,
        stop.renumber,
        stemmer._stem,
        frozenset(stemmer.ignore),
    )


def build_schema() -> Schema:
    """The index schema (DESIGN.md, "Search")."""
    stem = stemming_analyzer()
    words = RegexTokenizer(r"\w+") | LowercaseFilter()
    schema = Schema(
        key=ID(unique=True, stored=True),
        id=TEXT(analyzer=words, stored=True),
        type=KEYWORD(commas=True, stored=True),
        # sortable: a column of titles, read once per searcher for the browse order.
        title=TEXT(analyzer=stem, stored=True, sortable=True),
        summary=TEXT(analyzer=stem, stored=True),
        body=TEXT(analyzer=stem, stored=True),
        annotation=TEXT(analyzer=stem, stored=True),
        authors=TEXT(stored=True),
        # One term per year (no trie levels): the engine filters years with a bitset
        # per year, never a range query, and the levels were a tenth of all postings.
        year=NUMERIC(int, bits=32, stored=True, sortable=True, shift_step=0),
        tenets=KEYWORD(commas=True, stored=True),
        focus=KEYWORD(commas=True, stored=True),
        levels=KEYWORD(commas=True, stored=True),
        evidence=KEYWORD(commas=True, stored=True),
        url=STORED,  # shown, never searched
    )
    for name in STEMMED_FIELDS:
        schema[name].format = StemmedPositions()  # field_boost 1.0, as TEXT's default
    return schema


def index_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
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
