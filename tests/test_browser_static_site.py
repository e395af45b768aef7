"""The built site on plain static hosting: the shipped docs served by a static file
server with no /api/search, searched in headless Debian chromium through the site's
static (Pagefind) index. Also: the site folder holds only what a web server serves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)

from equity_kb.core.vocabulary import load_vocabulary
from equity_kb.search.layout import state_dir
from equity_kb.search.static_index import read_records

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

# What a web server must not hand out: build state and caches.
CACHE_NAMES = re.compile(
    r"(^|/)(\.doctrees|\.buildinfo(\.bak)?|\.kb-generated-.*|_search_index|environment\.pickle"
    r"|.*\.doctree|CURRENT|MANIFEST.*|.*\.tmp|\.exported|static-records(\.v\d+)?\.pickle|_sources)$"
)


def count(page: Any) -> int:  # noqa: F811  # noqa: F811
    text = page.inner_text(".kb-count")
    return 0 if text.startswith("No results") else int(text.split()[0].replace(",", ""))


def wait_count_change(page: Any, before: str) -> None:  # noqa: F811
    page.wait_for_function(
        "b => { const c = document.querySelector('.kb-count'); return c && c.textContent !== b; }",
        arg=before,
    )


def body_only_word(site: Path) -> tuple[str, str]:
    """A word in one card's body and in no other entry, nor in that card's title or
    summary: found by the full text only."""
    records = read_records(site) or {}
    words = {k: set(re.findall(r"[a-z]{7,}", r["content"].lower())) for k, r in records.items()}
    for key, record in sorted(records.items()):
        if record["meta"]["type"] != "practice":
            continue
        shown = (record["meta"]["title"] + " " + record["meta"]["summary"]).lower()
        others = set().union(*(w for k, w in words.items() if k != key))
        for word in sorted(words[key]):
            stem = word[:6]  # Pagefind stems: keep clear of any word sharing the start
            if stem not in shown and not any(o.startswith(stem) for o in others):
                return word, key
    raise AssertionError("no card has a word of its own in its body")


def test_the_site_folder_holds_no_build_state(shipped_site: Path) -> None:
    files = sorted(p.relative_to(shipped_site).as_posix() for p in shipped_site.rglob("*"))
    assert files, "the site is empty"
    # .nojekyll is published on purpose (GitHub Pages from a branch); no other dotfile.
    hidden = [f for f in files if f.split("/")[-1].startswith(".") and f != ".nojekyll"]
    state = [f for f in files if CACHE_NAMES.search(f)] + hidden
    assert state == [], state
    kept = state_dir(shipped_site)
    assert (kept / "doctrees" / "environment.pickle").is_file()
    assert (kept / "search-index" / "CURRENT").is_file()
    assert (kept / "buildinfo").is_file()
    assert "kb-search/pagefind.js" in files and "kb-search/words.json" in files
    assert "searchindex.js" not in files  # Sphinx's own index is not built


def test_static_search_of_the_built_site(shipped_site: Path, page: Any) -> None:  # noqa: F811
    word, card = body_only_word(shipped_site)
    with static_server(shipped_site) as base:
        page.goto(f"{base}/find.html?q={word}")
        page.wait_for_selector(".kb-hit")
        assert "static index" in page.inner_text(".kb-mode")
        keys = page.locator(".kb-badge-id").all_inner_texts()
        assert card in keys, (word, card, keys)

        # A tenet changes the results, the counts and the URL.
        page.goto(f"{base}/find.html?q=equity")
        page.wait_for_selector(".kb-hit")
        everything = count(page)
        before = page.inner_text(".kb-count")
        page.check("#kb-f-tenet-data")
        page.wait_for_function("() => location.search.includes('tenet=data')")
        wait_count_change(page, before)
        only_data = count(page)
        assert 0 < only_data < everything
        type_counts = page.inner_text(".kb-facet-type")
        # A second tenet widens the result (OR within a facet).
        before = page.inner_text(".kb-count")
        page.check("#kb-f-tenet-practice")
        page.wait_for_function("() => location.search.includes('tenet=practice')")
        wait_count_change(page, before)
        either = count(page)
        assert only_data < either <= everything
        assert page.inner_text(".kb-facet-type") != type_counts
        # The tenet facet counts over the other facets only: ticking keeps its siblings,
        # every tenet of the vocabulary (each has entries with "equity").
        tenets = load_vocabulary(REPO / "docs" / "vocabulary.yml").terms["tenets"]
        assert page.locator(".kb-facet-tenets input").count() == len(tenets) == 4

        # Reload restores the state from the URL.
        page.reload()
        page.wait_for_selector(".kb-hit")
        assert page.is_checked("#kb-f-tenet-data") and page.is_checked("#kb-f-tenet-practice")
        assert page.input_value("#kb-q") == "equity" and count(page) == either

        # Keyboard: the skip link goes past the filters to the results.
        page.focus("#kb-q")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "kb-skip"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "kb-results"
        assert page.get_attribute(".kb-count", "role") == "status"


def test_a_question_finds_its_card_in_static_mode(shipped_site: Path, page: Any) -> None:  # noqa: F811
    with static_server(shipped_site) as base:
        page.goto(f"{base}/find.html?q=affinity+groups+for+educators+of+color")
        page.wait_for_selector(".kb-hit")
        top = page.locator(".kb-hit-title").all_inner_texts()[:3]
        assert any("affinity" in t.lower() for t in top), top
        # Nothing at all for the words: a suggestion and the nearest entries.
        page.goto(f"{base}/find.html?q=disiplne")
        page.wait_for_selector(".kb-suggestion")
        assert "Did you mean" in page.inner_text(".kb-suggestion")
        page.wait_for_selector(".kb-nearest-hits .kb-hit")


def test_explore_lists_every_entry_sorted_without_a_service(
    shipped_site: Path,
    page: Any,  # noqa: F811
) -> None:
    total = len(read_records(shipped_site) or {})
    with static_server(shipped_site) as base:
        page.goto(f"{base}/explore.html?sort=year-desc&type=reference")
        page.wait_for_selector(".kb-hit")
        years = [int(y) for y in page.locator(".kb-badge-year").all_inner_texts()]
        assert years == sorted(years, reverse=True) and years
        page.goto(f"{base}/explore.html")
        page.wait_for_selector(".kb-hit")
        assert count(page) == total
        sizes = page.evaluate("performance.getEntriesByType('resource').map(e => e.transferSize)")
        assert sum(sizes) < 1_000_000
        # A gap-map cell's link opens Explore on that tenet and focus area, with its count.
        page.goto(f"{base}/gap-map.html")
        cell = page.locator(".kb-cell-total").first
        expected = int(cell.inner_text())
        cell.click()
        page.wait_for_selector(".kb-hit")
        assert "tenet=" in page.url and count(page) == expected


def test_the_relevance_set_in_static_mode(shipped_site: Path, page: Any) -> None:  # noqa: F811
    """The questions of tests/data/relevance.json, asked of the static index through the
    page's own engine (search_static.js): at least 90% find an expected entry in the
    top three, as from the service (test_relevance_service.py)."""
    from test_relevance_service import load_relevance

    queries = load_relevance()
    with static_server(shipped_site) as base:
        page.goto(f"{base}/find.html")
        page.wait_for_selector(".kb-count")
        tops = page.evaluate(
            """async (qs) => {
              const root = document.getElementById('kb-search');
              const url = new URL(root.getAttribute('data-static'), document.baseURI).href;
              const engine = await window.KBStatic.open(url);
              const out = [];
              for (const q of qs) {
                const empty = {q, type: [], tenet: [], focus: [], level: [], page: 1};
                const found = await engine.search(empty, {pageSize: 3});
                out.push(found.hits.map(h => h.key));
              }
              return out;
            }""",
            [q["q"] for q in queries],
        )
    misses = [
        (q["q"], q["expect"], top)
        for q, top in zip(queries, tops, strict=True)
        if not set(q["expect"]) & set(top)
    ]
    hits = len(queries) - len(misses)
    print(f"relevance, static: {hits}/{len(queries)} in the top 3; misses: {misses}")
    assert hits >= 0.9 * len(queries), f"{hits}/{len(queries)} in the top 3; misses: {misses}"


def test_the_sidebar_box_on_a_card_lands_on_search_results(  # noqa: F811
    shipped_site: Path,
    page: Any,  # noqa: F811
) -> None:
    card = sorted((shipped_site / "practices").glob("PC-*.html"))[0]
    with static_server(shipped_site) as base:
        page.goto(f"{base}/practices/{card.name}")
        page.fill("input.sidebar-search", "equity pauses")
        page.press("input.sidebar-search", "Enter")
        page.wait_for_url("**/find.html?q=equity+pauses")
        page.wait_for_selector(".kb-hit")
        assert page.input_value("#kb-q") == "equity pauses" and count(page) > 0
        assert "equity pauses" in page.inner_text(".kb-count")
