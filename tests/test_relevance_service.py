"""Questions as people type them, in the search service.

On the shipped content: the relevance set (tests/data/relevance.json) run against the
Whoosh index a real build writes. On a small index written with the indexer: common
words, partial matches (how they are ranked, counted and noted) and the nearest
entries offered when a search has no results.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_search_fixtures import build_index, count_by_hand, fixture_docs
from whoosh.analysis import StopFilter

from equity_kb.search import SearchEngine
from equity_kb.search.layout import index_dir
from equity_kb.search.results import SearchResult
from equity_kb.search.schema import MIN_WORD_CHARS, QUERY_STOP_WORDS, STEMMED_FIELDS, build_schema
from equity_kb.search.snapshot import FEW_NOTE

RELEVANCE = Path(__file__).parent / "data" / "relevance.json"
TOP = 3
WANTED_SHARE = 0.9


def load_relevance(path: Path = RELEVANCE) -> list[dict[str, Any]]:
    """The queries of the relevance set, each ``{"q", "expect", "why"}``."""
    queries = json.loads(path.read_text(encoding="utf-8"))["queries"]
    for item in queries:
        assert item["q"].strip() and item["expect"] and item["why"], item
    return list(queries)


def keys(result: SearchResult) -> list[str]:
    return [h.key for h in result.hits]


def counts(result: SearchResult, facet: str) -> dict[object, int]:
    return {v: c for v, c in result.facets[facet] if c}


# -- the relevance set on the shipped content ----------------------------------------------


@pytest.fixture(scope="module")
def shipped_engine(shipped_site: Path) -> Iterator[SearchEngine]:
    with SearchEngine(index_dir(shipped_site)) as engine:
        yield engine


def test_the_relevance_set_is_well_formed(shipped_engine: SearchEngine) -> None:
    queries = load_relevance()
    # A floor, not a count: the set may grow, but not shrink below what it was built with.
    assert len(queries) >= 32
    assert len({q["q"] for q in queries}) == len(queries), "a query is listed twice"
    types = {h.key: h.type for h in shipped_engine.search("", page_size=100).hits}
    assert shipped_engine.doc_count <= 100  # so the listing above holds every entry
    unknown = sorted({k for q in queries for k in q["expect"]} - set(types))
    assert not unknown, f"expected keys the index does not hold: {unknown}"
    covered = {types[k] for q in queries for k in q["expect"]}
    assert covered == {"practice", "brief", "reference"}


def test_natural_language_queries_find_their_entries(shipped_engine: SearchEngine) -> None:
    queries = load_relevance()
    misses = []
    for item in queries:
        top = keys(shipped_engine.search(item["q"], page_size=TOP))
        if not set(top) & set(item["expect"]):
            misses.append(f"{item['q']!r}: top {top}, expected one of {item['expect']}")
    found = len(queries) - len(misses)
    print(f"relevance, service: {found}/{len(queries)} in the top 3; misses: {misses}")
    assert found >= WANTED_SHARE * len(queries), (
        f"{found}/{len(queries)} queries have an expected entry in the top {TOP}; "
        "misses:\n" + "\n".join(misses)
    )


def test_the_design_journey_finds_the_school_discipline_entries(
    shipped_engine: SearchEngine,
) -> None:
    result = shipped_engine.search(
        "what helps with discipline disproportionality at the school level"
    )
    assert result.total and set(keys(result)[:TOP]) & {"PC-015", "briefs/ret-case-studies"}


# -- a small index: common words ------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchEngine]:
    docs = fixture_docs() + [
        _doc("T-rare", "Counting birds", "A kestrel over the field."),
        _doc("T-common", "School schools school", "The school and its school day, school."),
        _doc("T-both", "Herons", "A heron by the school pond."),
    ]
    with SearchEngine(build_index(tmp_path_factory.mktemp("index"), docs)) as eng:
        yield eng


def _doc(key: str, title: str, body: str) -> dict[str, Any]:
    """A card-like document with only the words given (and no tags to count)."""
    base = fixture_docs()[0]
    return dict(
        base,
        key=key,
        id=key,
        title=title,
        summary="",
        body=body,
        tenets=["practice"],
        focus=[],
        levels=[],
        url=f"practices/{key}.html",
    )


def test_the_query_drops_every_word_the_index_drops() -> None:
    schema = build_schema()
    for name in STEMMED_FIELDS:
        (stop,) = [f for f in schema[name].analyzer.items if isinstance(f, StopFilter)]
        assert stop.stops <= QUERY_STOP_WORDS and stop.min == MIN_WORD_CHARS, name
    asked = {"what", "how", "do", "does", "with", "the", "for", "to", "of", "at", "can"}
    assert asked <= QUERY_STOP_WORDS


def test_common_words_do_not_count_against_a_result(engine: SearchEngine) -> None:
    # One entry has both words: it comes first, and entries with one of them follow.
    alone = engine.search("families data")
    assert keys(alone)[0] == "PC-003" and alone.partial and alone.note == FEW_NOTE
    for q in ["what do families do with data", "how can families read the data", "families & data"]:
        result = engine.search(q)
        assert keys(result)[0] == "PC-003", q
        assert result.mode == "query" and result.note == FEW_NOTE, q
    assert keys(engine.search("what do families do with data")) == keys(alone)


def test_a_phrase_keeps_its_common_words(engine: SearchEngine) -> None:
    # "of" is a word of the brief's ID (the id field has no stop filter), so the phrase
    # finds it there; and as a phrase its words must still be next to each other.
    assert keys(engine.search('"theory of change"'))[0] == "briefs/theory-of-change"
    assert engine.search('"change of theory"').total == 0


def test_a_query_of_only_common_words_keeps_them(engine: SearchEngine) -> None:
    # "what" is not a stop word of the index: the words are searched for as typed.
    assert "PC-002" in keys(engine.search("what", page_size=50))
    result = engine.search("the and of")
    assert result.total == 0 and not result.partial and result.nearest == []
    assert result.note and "very common words" in result.note


# -- a small index: partial matches -----------------------------------------------------------


def union(engine: SearchEngine, *words: str) -> set[str]:
    found: set[str] = set()
    for w in words:
        found |= set(keys(engine.search(w, page_size=100)))
    return found


def test_when_no_entry_has_every_word_the_most_words_come_first(engine: SearchEngine) -> None:
    assert engine.search("kestrel AND heron").total == 0  # no entry has both
    result = engine.search("kestrel heron school", page_size=100)
    assert result.partial and result.mode == "query"
    assert result.note == "No entry has all of your words; showing entries that match most of them."
    assert set(keys(result)) == union(engine, "kestrel", "heron", "school")
    assert result.total == len(result.hits)
    # T-both has two of the words, everything after it one: first the rarest.
    assert keys(result)[:2] == ["T-both", "T-rare"]


def test_rarer_words_weigh_more_than_frequent_ones(engine: SearchEngine) -> None:
    # Each entry has one of the two words. T-common is all "school" (it leads a plain
    # BM25 ranking of the word), but "kestrel" is in one entry and "school" in many,
    # so the kestrel entry comes first.
    assert keys(engine.search("school"))[0] == "T-common"
    result = engine.search("kestrel school")
    assert result.partial
    assert keys(result)[0] == "T-rare"
    assert keys(result)[1] == "T-common"


def test_partial_results_keep_not_and_phrases(engine: SearchEngine) -> None:
    result = engine.search("detracking families NOT race", page_size=100)
    assert result.partial
    expected = union(engine, "detracking", "families") - union(engine, "race")
    assert set(keys(result)) == expected and expected
    phrase = engine.search('"equity pause" detracking', page_size=100)
    assert phrase.partial
    assert (
        set(keys(phrase))
        == union(engine, '"equity pause"', "detracking")
        == {
            "PC-001",
            "PC-004",
        }
    )


@pytest.mark.parametrize("q", ["detracking AND families", "detracking OR kestrel", "zzzzqqqq"])
def test_and_or_and_single_words_are_not_widened(engine: SearchEngine, q: str) -> None:
    result = engine.search(q, page_size=100)
    assert not result.partial
    if "OR" in q:
        assert set(keys(result)) == {"PC-004", "T-rare"}
    else:
        assert result.total == 0


def test_facet_counts_of_partial_results_are_disjunctive(engine: SearchEngine) -> None:
    q = "detracking families race"
    assert engine.search(q.replace(" ", " AND ")).total == 0
    matched = set(keys(engine.search(q, page_size=100)))
    # Each entry with any of the words: detracking (PC-004), families (PC-003, Ishimaru),
    # race (PC-001, Oakes and four briefs); none of the three extra documents.
    assert matched == {
        "PC-004",
        "PC-003",
        "ishimaru2019just",
        "PC-001",
        "oakes2005keeping",
        "briefs/literacy",
        "briefs/continuous-improvement",
        "briefs/theory-of-change",
        "briefs/discipline",
    }
    result = engine.search(q, tenets=["data", "capacity"], levels=["school"], page_size=100)
    assert result.partial
    assert counts(result, "tenets") == count_by_hand(
        "tenets", where={"levels": {"school"}}, keys=matched
    )
    assert counts(result, "levels") == count_by_hand(
        "levels", where={"tenets": {"data", "capacity"}}, keys=matched
    )
    both = {"tenets": {"data", "capacity"}, "levels": {"school"}}
    assert counts(result, "type") == count_by_hand("type", where=both, keys=matched)
    assert result.total == sum(count_by_hand("type", where=both, keys=matched).values())


# -- a small index: nearest entries -----------------------------------------------------------


def test_filters_that_leave_nothing_offer_the_words_matches(engine: SearchEngine) -> None:
    result = engine.search("families", tenets=["no-such-tenet"])
    assert result.total == 0 and result.hits == []
    assert result.nearest_reason == "filters"
    assert [h.key for h in result.nearest] == keys(engine.search("families"))[:5]
    assert result.note and "filters" in result.note
    # The tenet facet, counted without its own filter, still says where the words are.
    assert counts(result, "tenets") == count_by_hand("tenets", keys=union(engine, "families"))
    partial = engine.search("detracking families", types=["brief"])
    assert partial.total == 0 and partial.partial
    expected = union(engine, "detracking", "families")
    assert len(expected) <= 5 and {h.key for h in partial.nearest} == expected


def test_a_misspelt_search_offers_the_suggestions_matches(engine: SearchEngine) -> None:
    result = engine.search("disciplne")
    assert result.total == 0 and result.suggestion == "discipline"
    assert result.nearest_reason == "spelling"
    assert [h.key for h in result.nearest] == keys(engine.search("discipline"))[:5]


def test_nothing_near_offers_nothing(engine: SearchEngine) -> None:
    result = engine.search("zzzzqqqq")
    assert result.total == 0 and result.nearest == [] and result.nearest_reason is None
    assert engine.search("families").nearest == []  # only a search with no results


def test_the_new_fields_are_in_the_json(engine: SearchEngine) -> None:
    data = json.loads(json.dumps(engine.search("families", tenets=["no-such-tenet"]).to_dict()))
    assert data["partial"] is False and data["nearest_reason"] == "filters"
    first = data["nearest"][0]
    assert first["key"] == keys(engine.search("families"))[0] and "<mark>" in first["snippet"]
    data = engine.search("kestrel heron").to_dict()
    assert data["partial"] is True and data["nearest"] == [] and data["nearest_reason"] is None


def test_plain_words_parse_as_the_parser_reads_them(shipped_engine: SearchEngine) -> None:
    """snapshot._parse builds a query of plain words from each word's own parse: the
    same query as the parser's, for every shipped word alone, capitalised, and in
    pairs and triples (sampled), and the parser's own for anything else."""
    import random

    snap = shipped_engine._refresh()
    words = sorted(w for w in snap.words if w.isalnum())
    assert len(words) > 100  # a floor: the shipped docs grow; enough words to sample
    rng = random.Random(5)
    texts = words + [w.capitalize() for w in words]
    texts += [" ".join(rng.sample(words, rng.choice((2, 3)))) for _ in range(3000)]
    texts += ["equity AND pauses", "the equity", '"equity pauses"', "race-conscious data"]
    for text in texts:
        assert snap._parse(text) == snap.parser.parse(text), text
    # Asked again (the words' parses are kept), still the same.
    for text in texts[:200]:
        assert snap._parse(text) == snap.parser.parse(text), text
