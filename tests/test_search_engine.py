"""The query engine on a real Whoosh index of the fixture entries."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from test_search_fixtures import XSS_TITLE, build_index, count_by_hand, fixture_docs

from equity_kb.search import SearchEngine
from equity_kb.search.engine import MAX_PAGE_SIZE, SearchResult


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    index = build_index(tmp_path_factory.mktemp("index"))
    with SearchEngine(index) as eng:
        yield eng


def keys(result: SearchResult) -> list[str]:
    return [h.key for h in result.hits]


def counts(result: SearchResult, facet: str) -> dict[object, int]:
    return {v: c for v, c in result.facets[facet] if c}


# -- ranking and matching ----------------------------------------------------------------


def test_a_title_match_ranks_first(engine: SearchEngine) -> None:
    # "discipline" is in three titles' worth of text; the brief has it in its title and
    # its body, the card only in its title: the title matches lead.
    result = engine.search("disproportionality")
    assert keys(result)[0] == "briefs/discipline"
    result = engine.search("pauses")
    assert keys(result)[0] == "PC-001"


def test_stemming_matches_other_forms(engine: SearchEngine) -> None:
    assert "PC-001" in keys(engine.search("pausing"))
    assert "briefs/discipline" in keys(engine.search("suspension"))


# The entries of test_search_fixtures.py with the words, read from their text (titles,
# summaries, bodies, annotations and authors: "Equity KB editors" wrote every brief).
READ_AS_WRITTEN = {
    # PC-002's title, the discipline brief, Gregory and Skiba's title.
    "discipline": {"PC-002", "briefs/discipline", "gregory2010achievement"},
    # Only PC-001 has the two words next to each other.
    '"equity pause"': {"PC-001"},
    # "data" and "race" both: PC-001, and the continuous improvement, discipline and
    # theory of change briefs ("race-conscious data use"); PC-003 has data but no race.
    "data AND race": {
        "PC-001",
        "briefs/continuous-improvement",
        "briefs/discipline",
        "briefs/theory-of-change",
    },
    "detracking OR suspended": {"PC-004", "PC-002"},
    # Every entry but the five whose text says "data".
    "NOT data": {
        "PC-002",
        "PC-004",
        "PC-005",
        "bowman2021getting",
        "briefs/literacy",
        "gregory2010achievement",
        "ishimaru2019just",
        "ladson1995toward",
        "oakes2005keeping",
        "xss2020leadership",
    },
}


@pytest.mark.parametrize("q", list(READ_AS_WRITTEN))
def test_readable_queries_are_read_as_written(engine: SearchEngine, q: str) -> None:
    result = engine.search(q, page_size=50)
    assert result.mode == "query" and result.note is None and not result.partial
    assert set(keys(result)) == READ_AS_WRITTEN[q]
    assert result.total == len(READ_AS_WRITTEN[q])


def test_words_must_all_match_or_and_not_phrases(engine: SearchEngine) -> None:
    # The one entry with both words first; with fewer than three such, those with one follow.
    both = engine.search("families data", page_size=50)
    assert keys(both)[0] == "PC-003" and both.partial
    assert keys(engine.search("families AND data")) == ["PC-003"]  # AND asks for every word
    either = set(keys(engine.search("detracking OR suspended", page_size=50)))
    assert {"PC-004", "PC-002"} <= either
    without = set(keys(engine.search("discipline NOT students", page_size=50)))
    assert "PC-002" not in without and "briefs/discipline" in without
    assert keys(engine.search('"equity pause"')) == ["PC-001"]
    # The words of a phrase are there, but not next to each other.
    assert keys(engine.search('"pause equity"')) == []


def test_an_id_or_a_bibtex_key_finds_its_entry(engine: SearchEngine) -> None:
    assert keys(engine.search("PC-004"))[0] == "PC-004"
    assert keys(engine.search("gregory2010achievement"))[0] == "gregory2010achievement"
    assert keys(engine.search("Ishimaru"))[0] == "ishimaru2019just"


def test_browsing_with_no_words_lists_everything(engine: SearchEngine) -> None:
    result = engine.search("", page_size=100)
    assert result.mode == "browse"
    assert result.total == len(fixture_docs()) == 15
    # Cards, then briefs, then references, each by title.
    types = [h.type for h in result.hits]
    assert types == sorted(types, key=["practice", "brief", "reference"].index)
    cards = [h.title for h in result.hits if h.type == "practice"]
    assert cards == sorted(cards, key=str.casefold)


# -- facets --------------------------------------------------------------------------------


@pytest.mark.parametrize("facet", ["type", "tenets", "focus", "levels"])
def test_facet_counts_equal_a_count_by_hand(engine: SearchEngine, facet: str) -> None:
    assert counts(engine.search(""), facet) == count_by_hand(facet)


def test_facet_counts_follow_the_words(engine: SearchEngine) -> None:
    result = engine.search("discipline", page_size=50)
    matched = set(keys(result))
    assert counts(result, "tenets") == count_by_hand("tenets", keys=matched)
    assert counts(result, "type") == count_by_hand("type", keys=matched)


def test_year_facet(engine: SearchEngine) -> None:
    years = dict(engine.search("").facets["year"])
    by_hand: dict[int, int] = {}
    for doc in fixture_docs():
        by_hand[doc["year"]] = by_hand.get(doc["year"], 0) + 1
    assert years == by_hand
    ranged = engine.search("", year_from=2020, year_to=2022, page_size=50)
    assert {h.year for h in ranged.hits} <= {2020, 2021, 2022}
    assert ranged.total == sum(c for y, c in by_hand.items() if 2020 <= y <= 2022)
    # The year facet is counted without the year filter (disjunctive, like the others).
    assert dict(ranged.facets["year"]) == by_hand


def test_values_of_one_facet_combine_with_or_and_facets_with_and(engine: SearchEngine) -> None:
    one = engine.search("", tenets=["data"], page_size=50)
    assert one.total == count_by_hand("tenets", where={"tenets": {"data"}})["data"]
    either = engine.search("", tenets=["data", "capacity"], page_size=50)
    expected = {d["key"] for d in fixture_docs() if {"data", "capacity"} & set(d["tenets"])}
    assert set(keys(either)) == expected
    both = engine.search("", tenets=["data", "capacity"], levels=["school"], page_size=50)
    expected_both = {
        d["key"]
        for d in fixture_docs()
        if {"data", "capacity"} & set(d["tenets"]) and "school" in d["levels"]
    }
    assert set(keys(both)) == expected_both
    assert both.total == len(expected_both)


def test_facet_counts_are_disjunctive(engine: SearchEngine) -> None:
    result = engine.search("", tenets=["data"], levels=["school"])
    # Each facet is counted over the matches filtered by the OTHER facets only.
    assert counts(result, "tenets") == count_by_hand("tenets", where={"levels": {"school"}})
    assert counts(result, "levels") == count_by_hand("levels", where={"tenets": {"data"}})
    assert counts(result, "type") == count_by_hand(
        "type", where={"tenets": {"data"}, "levels": {"school"}}
    )
    # Ticking "data" does not hide "practice": its count is still offered (the four
    # school-level entries tagged practice: PC-002, PC-004, the discipline brief, Oakes).
    assert counts(result, "tenets")["practice"] == 4
    # Only the ticked value is marked selected.
    tenets = result.to_dict()["facets"]["tenets"]
    assert {f["value"] for f in tenets if f["selected"]} == {"data"}


def test_a_selected_value_with_no_matches_stays_listed(engine: SearchEngine) -> None:
    result = engine.search("families", tenets=["no-such-tenet"])
    assert result.total == 0
    assert ("no-such-tenet", 0) in result.facets["tenets"]
    assert result.note  # says why nothing matched


def test_facet_values_follow_the_labels_order(engine: SearchEngine) -> None:
    values = [v for v, _ in engine.search("").facets["type"]]
    assert values == ["brief", "practice", "reference"]  # the order LABELS gives


# -- snippets, escaping, suggestions -----------------------------------------------------


def test_snippets_mark_matches_and_escape_everything_else(engine: SearchEngine) -> None:
    result = engine.search("leadership sponsorship")
    hit = next(h for h in result.hits if h.key == "xss2020leadership")
    assert hit.title == XSS_TITLE  # raw text: the page and the CLI escape it on output
    assert "<mark>leadership</mark>" in hit.snippet
    assert "<mark>sponsorship</mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    # The only tags left are <mark> and </mark>.
    assert re.findall(r"<[^>]*>", hit.snippet) == ["<mark>", "</mark>"] * 2
    plain = html.unescape(re.sub(r"</?mark>", "", hit.snippet))
    assert "window.__xss=2" in plain


def test_snippets_do_not_mark_words_under_not(engine: SearchEngine) -> None:
    result = engine.search("discipline NOT students")
    # PC-002 (about students) is left out; both hits mark the word searched for.
    assert sorted(keys(result)) == ["briefs/discipline", "gregory2010achievement"]
    for hit in result.hits:
        assert re.search(r"<mark>discipline</mark>", hit.snippet, re.I), hit.snippet
        assert "<mark>Students</mark>" not in hit.snippet
        assert "<mark>students</mark>" not in hit.snippet


def test_did_you_mean(engine: SearchEngine) -> None:
    result = engine.search("disciplne")
    assert result.total == 0
    assert result.suggestion == "discipline"
    assert engine.search("discipline").suggestion is None
    assert engine.search("zzzzqqqq").suggestion is None


BROWSE = 15  # every fixture entry
NO_WORDS = "The query has no words to search for"
STOP_ONLY = "only very common words"
CUT = "The query was cut to its first 500 characters."


@pytest.mark.parametrize(
    ("q", "total", "same_as", "note"),
    [
        # Nothing but syntax: every entry, and a note that there were no words.
        ('"', BROWSE, "", NO_WORDS),
        ("AND", BROWSE, "", NO_WORDS),
        ("OR NOT", BROWSE, "", NO_WORDS),
        ("(((", BROWSE, "", NO_WORDS),
        ("NOT", BROWSE, "", NO_WORDS),
        # Syntax the parser does not read stays out of the way of the words.
        ("tenet:", 1, "tenet", None),  # the theory of change brief's "tenets"
        (")))equity(((", 6, "equity", None),
        ('"equity pause', 6, "equity pause", "Few entries have all of your words"),
        ("data\x00\x01\x1b[31m", 5, "data 31m", "No entry has all of your words"),
        # A mark that is not syntax here separates words, as the reader means it.
        ("title:equity", 6, "title equity", "No entry has all of your words"),
        ("equity*", 6, "equity", None),
        ("data^99", 5, "data 99", "No entry has all of your words"),
        # Words in no fixture entry, or only common words: nothing, said so where it helps.
        ('"unclosed phrase', 0, "unclosed phrase", None),
        ("équité données 数据 🎓", 0, None, None),
        ("[a TO z]", 0, None, STOP_ONLY),
        ("the and of", 0, None, STOP_ONLY),
        # Too long: cut to 500 characters (no space in them: "equity" is cut off too).
        ("x" * 10_000, 0, None, CUT),
        ("a" * 501 + " equity", 0, None, CUT),
    ],
)  # fmt: skip
def test_queries_the_parser_cannot_read_still_answer(
    engine: SearchEngine, q: str, total: int, same_as: str | None, note: str | None
) -> None:
    result = engine.search(q, page_size=50)
    assert result.total == total
    if same_as is not None:
        plain = engine.search(same_as, page_size=50)
        assert sorted(keys(result)) == sorted(keys(plain))
        assert result.partial == plain.partial
    if note is None:
        assert result.note is None
    else:
        assert result.note and note in result.note, result.note
    assert len(result.query) <= 500
    assert "\x00" not in result.query and "\x1b" not in result.query


def test_query_syntax_characters_are_searched_as_words(engine: SearchEngine) -> None:
    result = engine.search("data: families")
    assert "PC-003" in keys(result)
    assert engine.search("x" * 10_000).note


def test_pagination(engine: SearchEngine) -> None:
    everything = keys(engine.search("", page_size=100))
    pages = [keys(engine.search("", page=p, page_size=4)) for p in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    assert sum(pages, []) == everything
    last = engine.search("", page=99, page_size=4)
    assert last.page == last.pages == 4
    assert engine.search("", page_size=10_000).page_size == MAX_PAGE_SIZE
    ranked = [keys(engine.search("school", page=p, page_size=2)) for p in (1, 2, 3)]
    flat = sum(ranked, [])
    assert len(flat) == len(set(flat))
    assert flat == keys(engine.search("school", page_size=6))[: len(flat)]


def test_result_to_dict_is_json_ready(engine: SearchEngine) -> None:
    import json

    data = engine.search("discipline", tenets=["data"]).to_dict()
    text = json.dumps(data)
    assert data["selected"] == {"tenets": ["data"]}
    tenets = {f["value"]: f for f in data["facets"]["tenets"]}
    assert tenets["data"]["selected"] is True
    assert [v for v, f in tenets.items() if f["selected"]] == ["data"]
    assert tenets["data"]["label"] == "Race-conscious data use"
    assert tenets["practice"] == {
        "value": "practice",
        "label": "Everyday practice",
        "count": 2,  # PC-002 and the discipline brief (disjunctive: without "data")
        "selected": False,
    }
    assert "took_ms" in text


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    from equity_kb.search import IndexNotFound

    with pytest.raises(IndexNotFound, match="no search index"):
        SearchEngine(tmp_path / "nothing")
