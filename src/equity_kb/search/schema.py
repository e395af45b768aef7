"""The Whoosh schema of the index, and the names shared by the indexer and the engine.

Bump ``SCHEMA_VERSION`` whenever the schema or the way documents are turned into
fields changes: ``sync_index`` then rebuilds instead of updating an index it could
no longer read correctly.
"""

from __future__ import annotations

from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

SCHEMA_VERSION = 1

# Facet fields, in the order pages show them; each holds several values per document.
FACET_FIELDS: tuple[str, ...] = ("type", "tenets", "focus", "levels")
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

# Distinct words of the indexed text with their document counts, written beside the
# index for "did you mean" (a spelling field in the index doubled its postings, and
# stemmed terms would be suggested as "disciplin").
WORDS_FILE = "words.json"


def stemming_analyzer() -> Analyzer:
    return StemmingAnalyzer()


def build_schema() -> Schema:
    """The index schema (DESIGN.md, "Search")."""
    stem = stemming_analyzer()
    words = RegexTokenizer(r"\w+") | LowercaseFilter()
    return Schema(
        key=ID(unique=True, stored=True),
        id=TEXT(analyzer=words, stored=True),
        type=KEYWORD(commas=True, stored=True),
        # sortable: a column of titles, read once per searcher for the browse order.
        title=TEXT(analyzer=stem, stored=True, sortable=True),
        summary=TEXT(analyzer=stem, stored=True),
        body=TEXT(analyzer=stem, stored=True),
        annotation=TEXT(analyzer=stem, stored=True),
        authors=TEXT(stored=True),
        year=NUMERIC(int, bits=32, stored=True, sortable=True),
        tenets=KEYWORD(commas=True, stored=True),
        focus=KEYWORD(commas=True, stored=True),
        levels=KEYWORD(commas=True, stored=True),
        url=ID(stored=True),
    )
