"""The built site in headless Debian chromium: follow a gap-map cell to the Explore page,
filtered to exactly that cell's entries, on plain static hosting."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)

from equity_kb.sphinxext.entries.domain import kb_domain

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
    ),
]


def shown_titles(pg) -> list[str]:
    return [t.strip() for t in pg.locator(".kb-hits li h3").all_inner_texts()]


def test_a_gap_map_cell_opens_exactly_its_entries(kb_build, page):  # noqa: F811
    app = kb_build()
    domain = kb_domain(app.env)
    with static_server(Path(app.outdir)) as base:
        page.goto(f"{base}/gap-map.html")
        cell = page.locator("#kb-gapmap-focus tbody tr", has_text="Discipline disproportionality")
        link = cell.locator("td").nth(2).locator("a")  # the Race-conscious data use column
        expected_total = int(link.locator(".kb-cell-total").inner_text())
        link.click()
        page.wait_for_url("**/explore.html?tenet=data&focus=discipline")
        page.wait_for_selector(".kb-hits li")
        expected = sorted(
            e.title for e in domain.all_entries() if "data" in e.tenets and "discipline" in e.focus
        )
        assert sorted(shown_titles(page)) == expected
        assert len(expected) == expected_total == 3
        assert page.locator("#kb-search input[value='data']").is_checked()
        # The level switch shows the other table.
        page.go_back()
        page.get_by_role("button", name="levels").click()
        assert page.locator("#kb-gapmap-levels").is_visible()
        assert page.locator("#kb-gapmap-focus").is_hidden()


def test_explore_sorts_and_shows_markup_in_titles_as_text(kb_build, page):  # noqa: F811
    app = kb_build()
    with static_server(Path(app.outdir)) as base:
        page.goto(f"{base}/explore.html?type=reference&sort=year-desc")
        page.wait_for_selector(".kb-hits li")
        titles = shown_titles(page)
        assert titles[0].startswith("Getting better")  # 2021, then 2021 Hallett (no title), 2020
        assert any(t.startswith('<script>alert("title")</script>') for t in titles)
        assert (
            page.evaluate("document.querySelectorAll('.kb-hits script, .kb-hits img').length") == 0
        )
        page.select_option("#kb-sort", "title")
        page.wait_for_url("**sort=title**")
        # The static index answers asynchronously: wait for the list to be redrawn.
        page.wait_for_function(
            "() => !document.querySelector('.kb-results').hasAttribute('aria-busy')"
        )
        assert shown_titles(page)[0].startswith("<script>")
