"""A few edits to a large static index go to a delta bundle that the page merges over
the base (search/static_index.py write_delta): real Pagefind bundles, a plain static
server and headless chromium. "Large" is lowered to the 15 fixture documents here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_browser_search import (  # noqa: F401 (fixtures)
    CHROMIUM,
    STATIC,
    browser,
    page,
    static_server,
)
from test_search_fixtures import LABELS, fixture_docs, search_page

from equity_kb.search import publish_search, static_dir
from equity_kb.search import static_index as static_index_module
from equity_kb.search.static_index import read_records, read_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def small_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static_index_module, "DELTA_MIN_RECORDS", 5)


def site_with_page(tmp_path: Path) -> Path:
    site = tmp_path / "html"
    (site / "_static").mkdir(parents=True)
    for name in ("search_static.js", "search.js", "search.css"):
        shutil.copy(STATIC / name, site / "_static" / name)
    (site / "search.html").write_text(search_page(LABELS), encoding="utf-8")
    return site


def edited_docs() -> list[dict[str, Any]]:
    docs = [dict(d) for d in fixture_docs()]
    first = docs[0]  # PC-001, a 2021 card on data and collective learning
    first["title"] = "Zygomorphic equity pauses"
    first["body"] = "Zygomorphic flowers, now a card about pauses."
    first["tenets"] = ["practice"]
    return docs


def test_few_edits_write_a_delta_and_many_the_whole_bundle(
    tmp_path: Path, small_delta: None
) -> None:
    site = site_with_page(tmp_path)
    publish_search(site, fixture_docs(), labels=LABELS)
    base = read_store(site)
    assert base and len(base["ids"]) == 15
    stats = publish_search(site, edited_docs(), labels=LABELS)
    assert stats.static_records == 1  # the delta holds the one edited record
    delta = json.loads((static_dir(site) / "delta.json").read_text(encoding="utf-8"))
    assert delta["delta"] == "delta/" and len(delta["ids"]) == 1
    assert base["ids"]["PC-001"] in delta["hide"] and delta["fix"][base["ids"]["PC-001"]]
    assert (static_dir(site) / "delta" / "pagefind-entry.json").is_file()
    store = read_store(site)
    assert store and store["base"] == base["base"]  # the base bundle was not rewritten
    assert (read_records(site) or {})["PC-001"]["meta"]["title"] == "Zygomorphic equity pauses"
    # Undoing the edit leaves no delta.
    publish_search(site, fixture_docs(), labels=LABELS)
    delta = json.loads((static_dir(site) / "delta.json").read_text(encoding="utf-8"))
    assert delta["delta"] is None and not (static_dir(site) / "delta").exists()
    # Many edits: the bundle is written whole again, with no delta.
    many = [dict(d, body=d["body"] + " rewritten") for d in fixture_docs()]
    monkeypatch_max = static_index_module.DELTA_MAX_CHANGES
    assert len(many) <= monkeypatch_max  # 15 edits still fit; lower the limit to see it
    static_index_module.DELTA_MAX_CHANGES = 3
    try:
        assert publish_search(site, many, labels=LABELS).static_records == 15
    finally:
        static_index_module.DELTA_MAX_CHANGES = monkeypatch_max
    assert json.loads((static_dir(site) / "delta.json").read_text("utf-8"))["delta"] is None


def test_a_base_from_another_pagefind_is_written_whole(tmp_path: Path, small_delta: None) -> None:
    """The browser merges bundles of one Pagefind version only: a base written by another
    release (pip's 1.5.2 before tools/pagefind's) gets no delta; the bundle is rewritten."""
    site = site_with_page(tmp_path)
    publish_search(site, fixture_docs(), labels=LABELS)
    entry_path = static_dir(site) / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    entry_path.write_text(json.dumps(dict(entry, version="0.0.1")), encoding="utf-8")
    stats = publish_search(site, edited_docs(), labels=LABELS)
    assert stats.static_records == 15  # whole, not a delta of one
    assert json.loads((static_dir(site) / "delta.json").read_text("utf-8"))["delta"] is None
    assert json.loads(entry_path.read_text(encoding="utf-8"))["version"] == entry["version"]


def test_the_page_searches_the_base_and_the_delta_as_one(
    tmp_path: Path,
    small_delta: None,
    page: Any,  # noqa: F811
) -> None:
    site = site_with_page(tmp_path)
    docs = fixture_docs()
    publish_search(site, docs, labels=LABELS)
    publish_search(site, edited_docs(), labels=LABELS)
    practice = sum(1 for d in edited_docs() if "practice" in d["tenets"])
    data = sum(1 for d in edited_docs() if "data" in d["tenets"])
    with static_server(site) as base:
        page.goto(f"{base}/search.html?q=zygomorphic")
        page.wait_for_selector(".kb-hit")
        assert page.locator(".kb-hit-title").all_inner_texts() == ["Zygomorphic equity pauses"]
        # Browsing lists every entry once: the old PC-001 and the ballast are hidden.
        page.goto(f"{base}/search.html")
        page.wait_for_selector(".kb-hit")
        assert page.inner_text(".kb-count").startswith("15 results")
        # The counts are the edited entries' (PC-001 moved from data to practice).
        assert f"({practice})" in page.inner_text("label[for=kb-f-tenet-practice]")
        assert f"({data})" in page.inner_text("label[for=kb-f-tenet-data]")
        # The same search again on the page (its answers are kept): the same counts, not
        # the delta's corrections taken off twice.
        page.check("#kb-f-tenet-practice")
        page.wait_for_function("() => location.search.includes('tenet=practice')")
        page.wait_for_selector(f".kb-count:text-matches('^{practice} results?')")
        page.uncheck("#kb-f-tenet-practice")
        page.wait_for_selector(".kb-count:text-matches('^15 results')")
        assert f"({practice})" in page.inner_text("label[for=kb-f-tenet-practice]")
        assert f"({data})" in page.inner_text("label[for=kb-f-tenet-data]")
        # A sorted list puts the delta's page where the sort says.
        page.goto(f"{base}/search.html?type=practice&sort=title")
        page.wait_for_selector(".kb-hit")
        titles = page.locator(".kb-hit-title").all_inner_texts()
        cards = sorted(
            (d["title"] for d in edited_docs() if d["type"] == "practice"), key=str.lower
        )
        assert titles == cards[: len(titles)]
