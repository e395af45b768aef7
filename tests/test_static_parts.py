"""A large static index is written as several Pagefind bundles, one after another, which
the page merges (search/static_index.py ``PART_BUDGET``: Pagefind's memory grows with
the records and text of one bundle). Real Pagefind bundles, a plain static server and
headless chromium; "large" is lowered here so the 15 fixture documents make four parts."""

from __future__ import annotations

import gzip
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from test_browser_search import (  # noqa: F401 (fixtures)
    CHROMIUM,
    browser,
    page,
    static_server,
    wait_for_count,
)
from test_search_fixtures import LABELS, fixture_docs
from test_static_delta import edited_docs, site_with_page, small_delta  # noqa: F401

from equity_kb.search import publish_search, static_dir
from equity_kb.search import static_index as static_index_module
from equity_kb.search.indexer import prebuild, prebuild_dir
from equity_kb.search.layout import index_dir, state_dir
from equity_kb.search.static_index import read_store, static_record
from equity_kb.search.static_terms import read_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

PARTS = ["part-2/", "part-3/", "part-4/"]


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    cost = static_index_module.pagefind_cost(static_record(d) for d in fixture_docs())
    monkeypatch.setattr(static_index_module, "PART_BUDGET", cost // 4 + 1)  # four parts


def parted_site(tmp_path: Path) -> Path:
    site = site_with_page(tmp_path / "parts")
    publish_search(site, fixture_docs(), labels=LABELS)
    return site


def whole_site(tmp_path: Path) -> Path:
    site = site_with_page(tmp_path / "whole")
    saved = static_index_module.PART_BUDGET
    static_index_module.PART_BUDGET = 2**40
    try:
        publish_search(site, fixture_docs(), labels=LABELS)
    finally:
        static_index_module.PART_BUDGET = saved
    return site


def test_a_large_index_is_written_in_parts(tmp_path: Path, small_parts: None) -> None:
    site = parted_site(tmp_path)
    bundle = static_dir(site)
    info = json.loads((bundle / "delta.json").read_text(encoding="utf-8"))
    assert info["parts"] == PARTS and info["delta"] is None
    counts = []
    for folder in ["", *PARTS]:
        entry = json.loads((bundle / folder / "pagefind-entry.json").read_text("utf-8"))
        counts.append(entry["languages"]["en"]["page_count"])
        # Pagefind's own interfaces are left out of every part, as of the first.
        assert not (bundle / folder / "pagefind-ui.js").exists()
    assert sum(counts) == 15 and max(counts) <= 4 and min(counts) >= 3  # dealt in turn
    # Every entry's page id names the part that holds its fragment, each entry once.
    pages = read_pages(bundle)
    assert pages is not None and len(pages["ids"]) == len(set(pages["ids"])) == 15
    for page_id in pages["ids"]:
        folder, _, name = page_id.rpartition("/")
        assert (bundle / folder / "fragment" / f"{name}.pf_fragment").is_file(), page_id
    store = read_store(site)
    assert store is not None and sorted(store["ids"].values()) == sorted(pages["ids"])


def test_a_small_index_is_one_bundle(tmp_path: Path) -> None:
    site = whole_site(tmp_path)
    info = json.loads((static_dir(site) / "delta.json").read_text(encoding="utf-8"))
    assert info["parts"] == [] and not list(static_dir(site).glob("part-*"))
    pages = read_pages(static_dir(site))
    assert pages is not None and not any("/" in i for i in pages["ids"])


def shown(pg: Any, base: str, query: str) -> list[str]:
    pg.goto(f"{base}/search.html?q={urllib.parse.quote(query)}")
    pg.wait_for_selector(".kb-count:text-matches('^\\\\d+ results?')")
    text = pg.inner_text(".kb-count")
    wait_for_count(pg, int(text.split()[0]))
    return pg.locator(".kb-hit-title").all_inner_texts()


def test_the_page_answers_from_every_part_as_from_one_bundle(
    tmp_path: Path,
    small_parts: None,
    page: Any,  # noqa: F811
) -> None:
    parted = parted_site(tmp_path)
    whole = whole_site(tmp_path)
    pages = read_pages(static_dir(parted))
    assert pages is not None
    # A phrase only Pagefind answers: the title of an entry whose page is in the last part.
    last = {i.rpartition("/")[2] for i in pages["ids"] if i.startswith(PARTS[-1])}
    records = read_store(parted)
    assert records is not None
    title = next(
        r["meta"]["title"]
        for k, r in records["current"].items()
        if records["ids"][k].rpartition("/")[2] in last
    )
    questions = ["", "equity", "discipline data", f'"{title}"']
    answers: dict[str, dict[str, list[str]]] = {}
    for name, site in (("whole", whole), ("parts", parted)):
        with static_server(site) as base:
            answers[name] = {q: shown(page, base, q) for q in questions}
    assert len(answers["parts"][""]) == 15  # every entry's fragment, from every part
    assert title in answers["parts"][f'"{title}"']
    for q in questions[:-1]:  # words are ranked from the term data: the same order
        assert answers["parts"][q] == answers["whole"][q], q
    # A phrase is ranked by Pagefind, each part by its own counts: the same entries.
    assert sorted(answers["parts"][questions[-1]]) == sorted(answers["whole"][questions[-1]])


def test_a_delta_over_parts(
    tmp_path: Path,
    small_parts: None,
    small_delta: None,  # noqa: F811
    page: Any,  # noqa: F811
) -> None:
    site = parted_site(tmp_path)
    before = read_store(site)
    assert before is not None
    stats = publish_search(site, edited_docs(), labels=LABELS)
    assert stats.static_records == 1  # a delta of the one edited record
    info = json.loads((static_dir(site) / "delta.json").read_text(encoding="utf-8"))
    assert info["parts"] == PARTS and info["delta"] == "delta/"
    store = read_store(site)
    assert store is not None and store["ids"] == before["ids"]  # the parts stay
    with static_server(site) as base:
        assert shown(page, base, "zygomorphic") == ["Zygomorphic equity pauses"]
        assert shown(page, base, '"zygomorphic flowers"') == ["Zygomorphic equity pauses"]
        everything = shown(page, base, "")
        assert len(everything) == 15 and "Zygomorphic equity pauses" in everything


def _references(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["type"] == "reference"]


def ahead_site(tmp_path: Path, docs: list[dict[str, Any]]) -> Path:
    """A clean build's indexes, with the references' written ahead as a build writes
    them (``prebuild``, here in this process), then ``docs`` published."""
    site = site_with_page(tmp_path / "ahead")
    folder = prebuild_dir(index_dir(site))
    prebuild(folder, _references(fixture_docs()))
    assert (folder / "static" / "parts.json").is_file()
    publish_search(site, docs, labels=LABELS, prebuilt=folder)
    # The parts were taken (or dropped), and nothing of them is left behind.
    assert not list(state_dir(site).glob("*ahead*")), list(state_dir(site).iterdir())
    assert not list(index_dir(site).rglob("parts.json"))
    return site


def test_the_references_parts_are_written_ahead_and_taken(
    tmp_path: Path,
    small_parts: None,
    page: Any,  # noqa: F811
) -> None:
    """The references' parts, written beside the build by the process that writes their
    Whoosh index ahead, become parts of the bundle after the pages' own: each reference
    is answered from them, and the page answers as from one bundle."""
    site = ahead_site(tmp_path, fixture_docs())
    bundle = static_dir(site)
    pages = read_pages(bundle)
    store = read_store(site)
    assert pages is not None and store is not None
    info = json.loads((bundle / "delta.json").read_text(encoding="utf-8"))
    refs = {d["key"] for d in _references(fixture_docs())}
    ahead = {page_id.rpartition("/")[0] for k, page_id in store["ids"].items() if k in refs}
    own = {page_id.rpartition("/")[0] for k, page_id in store["ids"].items() if k not in refs}
    assert own and ahead and not own & ahead  # no part holds both
    assert [f + "/" for f in sorted(ahead)] == info["parts"][-len(ahead) :]
    assert sorted(store["ids"].values()) == sorted(pages["ids"]) and len(pages["ids"]) == 15
    for page_id in pages["ids"]:
        folder, _, name = page_id.rpartition("/")
        assert (bundle / folder / "fragment" / f"{name}.pf_fragment").is_file(), page_id
    whole = whole_site(tmp_path)
    title = next(d["title"] for d in fixture_docs() if d["key"] in refs)
    questions = ["", "equity", "discipline data", f'"{title}"']
    answers: dict[str, dict[str, list[str]]] = {}
    for name, built in (("whole", whole), ("ahead", site)):
        with static_server(built) as base:
            answers[name] = {q: shown(page, base, q) for q in questions}
    for q in questions[:-1]:
        assert answers["ahead"][q] == answers["whole"][q], q
    assert title in answers["ahead"][questions[-1]]
    assert sorted(answers["ahead"][questions[-1]]) == sorted(answers["whole"][questions[-1]])


def test_parts_written_ahead_of_other_documents_are_dropped(tmp_path: Path) -> None:
    """A reference that differs from what was written ahead (its .bib edited while the
    build ran): the parts are dropped, and the job writes every record itself."""
    docs = [dict(d) for d in fixture_docs()]
    ref = next(d for d in docs if d["type"] == "reference")
    ref["title"] = "Zygomorphic flowers of the archive"
    site = ahead_site(tmp_path, docs)
    store = read_store(site)
    assert store is not None and len(store["ids"]) == 15
    assert store["current"][ref["key"]]["meta"]["title"] == ref["title"]
    folder, _, name = store["ids"][ref["key"]].rpartition("/")
    fragment = static_dir(site) / folder / "fragment" / f"{name}.pf_fragment"
    assert b"Zygomorphic" in gzip.decompress(fragment.read_bytes())


def test_the_parts_are_fed_by_a_child_whose_death_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pagefind is fed by a forked child, not a thread of the process writing the Whoosh
    index (which held the interpreter's lock): the parts name that child's process. A
    child that dies on the way leaves a complete Whoosh folder and no parts; the job then
    writes every record itself."""
    import os

    from equity_kb.search import indexer

    real = indexer.write_parts_ahead

    def recorded(folder: Path, records: Any) -> None:
        real(folder, records)
        (folder / "writer").write_text(str(os.getpid()), encoding="utf-8")

    monkeypatch.setattr(indexer, "write_parts_ahead", recorded)
    folder = prebuild_dir(index_dir(site_with_page(tmp_path / "fed")))
    prebuild(folder, _references(fixture_docs()))
    writer = int((folder / "static" / "writer").read_text(encoding="utf-8"))
    assert writer != os.getpid() and indexer.prebuild_complete(folder)

    def dies(folder: Path, records: Any) -> None:
        folder.mkdir(parents=True)
        (folder / "half").write_text("a part cut short", encoding="utf-8")
        os._exit(3)

    monkeypatch.setattr(indexer, "write_parts_ahead", dies)
    site = site_with_page(tmp_path / "died")
    folder = prebuild_dir(index_dir(site))
    prebuild(folder, _references(fixture_docs()))
    assert indexer.prebuild_complete(folder) and not (folder / "static").exists()
    publish_search(site, fixture_docs(), labels=LABELS, prebuilt=folder)
    store = read_store(site)
    pages = read_pages(static_dir(site))
    assert store is not None and pages is not None
    assert sorted(store["ids"]) == sorted(d["key"] for d in fixture_docs())
    assert sorted(store["ids"].values()) == sorted(pages["ids"])


def test_taking_the_parts_and_the_index_written_ahead_digest_each_document_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts' check and the completion of the index written ahead compare the same
    digests: each document is digested once at the build's end, not once for each."""
    from equity_kb.search import indexer

    site = site_with_page(tmp_path / "once")
    folder = prebuild_dir(index_dir(site))
    prebuild(folder, _references(fixture_docs()))
    made: list[str] = []
    real = indexer.digest
    monkeypatch.setattr(indexer, "digest", lambda doc: made.append(doc["key"]) or real(doc))
    stats = publish_search(site, fixture_docs(), labels=LABELS, prebuilt=folder)
    assert stats.ahead_seconds is not None  # the folder written ahead was taken
    assert sorted(made) == sorted(d["key"] for d in fixture_docs())
