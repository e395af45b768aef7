"""Every shipped practice card prints on one page (Letter and A4), without navigation,
in headless Debian chromium."""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from test_browser_search import CHROMIUM, browser, page  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
    ),
]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_every_card_prints_on_one_page(shipped_site, page):  # noqa: F811
    cards = sorted((shipped_site / "practices").glob("PC-*.html"))
    # One page per card in the docs, none missing (the shipped docs' count, not a floor).
    sources = sorted((REPO / "docs" / "practices").glob("PC-*.md"))
    assert [c.stem for c in cards] == [s.stem for s in sources] and len(cards) >= 25
    for card in cards:
        page.goto(card.as_uri())
        page.emulate_media(media="print")
        assert page.locator(".sidebar-drawer").is_hidden()
        assert page.locator(".kb-cite-this").is_visible()
        for paper in ("Letter", "A4"):
            assert pdf_pages(page.pdf(format=paper)) == 1, f"{card.name} on {paper}"
