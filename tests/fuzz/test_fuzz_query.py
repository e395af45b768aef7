"""Fuzzing the query parser and engine (search/engine, snapshot, matching) on a real index.

Property: any query string, with any filters, pages and years, returns a result (read
as written, as plain words, or as a browse) and never raises; the result is
well-formed, JSON-ready, and its snippets are escaped HTML whose only tags are <mark>.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import ODD_CHARS, pieces, time_limit
from hypothesis import given
from hypothesis import strategies as st
from test_search_fixtures import build_index, fixture_docs

from equity_kb.search.engine import MAX_PAGE_SIZE, SearchEngine, clean_query
from equity_kb.search.results import SearchResult
from equity_kb.search.snapshot import MAX_QUERY_CHARS


class Warnings(logging.Handler):
    """The engine's warnings: it answers a query it failed to match as plain words,
    and logs a warning, since that is a bug of ours (snapshot._match)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


WARNINGS = Warnings()


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    log = logging.getLogger("equity_kb.search")
    log.addHandler(WARNINGS)
    try:
        with tempfile.TemporaryDirectory(prefix="kb-fuzz-query-") as tmp:
            opened = SearchEngine(build_index(Path(tmp) / "index"))
            with opened:
                yield opened
    finally:
        log.removeHandler(WARNINGS)


# Words the index holds (so queries match something), common words, and query syntax:
# Whoosh's own (fields, wildcards, ranges, boosts, fuzzy terms) is switched off and must
# stay words, the operators and groups are on.
INDEX_WORDS = sorted(
    {w.strip(".,;:").lower() for d in fixture_docs() for w in str(d.get("title", "")).split()}
)
SYNTAX = [
    " AND ",
    " OR ",
    " NOT ",
    " ANDNOT ",
    " ANDMAYBE ",
    "AND",
    "NOT",
    "(",
    ")",
    "((((((((((",
    "))))))))))",
    '"',
    '"equity pause"',
    '"the of and"',
    '"unclosed',
    "'",
    "title:",
    "tenets:data",
    ":",
    "*",
    "?",
    "eq*",
    "~2",
    "^3",
    "^99999999999999999999",
    "[a TO z]",
    "{2020 TO}",
    "<",
    ">",
    "<script>",
    "&amp;",
    "the",
    "how do",
    "and",
    "-",
    "+",
    "!",
    "\\",
    "/",
    " " * 40,
    "word " * 40,
    "x" * 600,
    "(equity OR " * 30,
    "\ud800",  # a lone surrogate: a str may hold one, the query is cleaned of it
    "\udfff",
]
query = st.lists(
    st.one_of(st.sampled_from(INDEX_WORDS + SYNTAX), pieces(ODD_CHARS), st.text(max_size=8)),
    max_size=12,
).map(" ".join)
values = st.lists(
    st.sampled_from(["data", "practice", "brief", "reference", "school", ""]) | st.text(max_size=6),
    max_size=4,
)
numbers = st.one_of(st.integers(-(10**30), 10**30), st.integers(-3, 12), st.none())


def check_result(result: SearchResult, page_size: int) -> None:
    logged = [r.getMessage() for r in WARNINGS.records]
    WARNINGS.records.clear()
    assert not logged, logged
    assert result.mode in {"browse", "query", "plain"}
    assert result.total >= 0 and 1 <= result.page <= result.pages
    assert len(result.hits) <= min(max(page_size, 1), MAX_PAGE_SIZE)
    assert len(result.nearest) <= 5
    assert len(result.query) <= MAX_QUERY_CHARS
    data = result.to_dict()
    # The service writes this as UTF-8 JSON: anything it cannot encode is a 500 there.
    json.dumps(data, ensure_ascii=False).encode("utf-8")
    for hit in [*data["hits"], *data["nearest"]]:
        bare = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
        assert "<" not in bare and ">" not in bare, hit["snippet"]


@given(q=query)
def test_any_query_returns_a_result(engine: SearchEngine, q: str) -> None:
    with time_limit():
        result = engine.search(q)
    check_result(result, 20)


@given(
    q=query,
    types=values,
    tenets=values,
    focus=values,
    levels=values,
    year_from=numbers,
    year_to=numbers,
    page=st.integers(-(10**30), 10**30) | st.integers(0, 5),
    page_size=st.integers(-(10**30), 10**30) | st.integers(0, 120),
)
def test_any_query_with_any_filters_returns_a_result(
    engine: SearchEngine,
    q: str,
    types: list[str],
    tenets: list[str],
    focus: list[str],
    levels: list[str],
    year_from: int | None,
    year_to: int | None,
    page: int,
    page_size: int,
) -> None:
    with time_limit():
        result = engine.search(
            q,
            types=types,
            tenets=tenets,
            focus=focus,
            levels=levels,
            year_from=year_from,
            year_to=year_to,
            page=page,
            page_size=page_size,
        )
    check_result(result, page_size)


@given(q=st.text() | query)
def test_clean_query_keeps_no_control_characters(q: str) -> None:
    text, note = clean_query(q)
    assert len(text) <= MAX_QUERY_CHARS
    assert text == text.strip() and "  " not in text
    text.encode("utf-8")  # no lone surrogate is left
    assert all(c.isprintable() or c == " " or not c.isspace() for c in text)
    assert note is None or "cut" in note
