"""WCAG 2.2 AA checks (axe-core, through axe-playwright-python) on the shipped site's main
kinds of page, in headless Debian chromium, with the search service running."""

from __future__ import annotations

import pytest
from test_browser_search import CHROMIUM, browser, page  # noqa: F401 (fixtures)
from test_search_fixtures import uvicorn_in_thread

from equity_kb.search.layout import index_dir
from equity_kb.search.server import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
    ),
]

PAGES = [
    "index.html",
    "practices/PC-008.html",
    "briefs/theory-of-change.html",
    "tenets/data.html",
    "focus/family-engagement.html",
    "gap-map.html",
    "explore.html?tenet=data",
    "find.html?q=discipline&tenet=data",
    "bibliography/b.html",
    "bibliography.html",
    "whats-new.html",
]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def test_pages_have_no_wcag_aa_violations(shipped_site, page):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    app = create_app(shipped_site, index_dir(shipped_site))
    found = {}
    with uvicorn_in_thread(app) as base:
        for path in PAGES:
            page.goto(f"{base}/{path}")
            if "kb-search" in page.content():
                page.wait_for_selector(".kb-hits li")
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
            violations = [
                f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
                for v in result.response["violations"]
            ]
            if violations:
                found[path] = violations
    assert found == {}
