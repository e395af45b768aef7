"""Meeting packs: print-pack.html?cards=... prints each chosen card on its own page, in
one print job, in headless Chromium; the Explore page's "Print these cards" leads there."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import BuildFn
from test_browser_print import pdf_pages
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def kb_site(kb_build: BuildFn) -> Path:
    return Path(kb_build().outdir)


def open_pack(page: Any, url: str) -> None:  # noqa: F811
    page.emulate_media(media="screen")
    page.goto(url)
    page.wait_for_selector("#kb-print-pack[data-ready]", state="attached")
    assert page.get_attribute("#kb-print-pack", "data-ready") == "true"


def test_three_cards_print_to_three_pages(kb_site: Path, page: Any) -> None:  # noqa: F811
    with static_server(kb_site) as base:
        open_pack(page, f"{base}/print-pack.html?cards=PC-003,PC-001,pc-002")
        cards = page.locator(".kb-pack-card")
        # The URL's set, in the URL's order (IDs read case-insensitively).
        assert cards.evaluate_all("s => s.map(c => c.dataset.card)") == [
            "PC-003",
            "PC-001",
            "PC-002",
        ]
        assert page.locator("h1").all_inner_texts()[1:] == [
            "Family literacy nights",
            "Equity pauses in improvement meetings",
            "Student voice panels",
        ]
        assert page.input_value("#kb-pack-ids") == "PC-003, PC-001, PC-002"
        # Links in a card lead to the card's own neighbours, not the pack's.
        badge = page.locator('[data-card="PC-001"] a.kb-badge-tenets').first
        assert badge.get_attribute("href") == f"{base}/tenets/data.html"
        # Each card keeps its stamp; no id is shared between two cards.
        assert page.locator(".kb-pack-card .kb-print-stamp").count() == 3
        ids = page.locator(".kb-pack-cards [id]").evaluate_all("n => n.map(e => e.id)")
        assert len(ids) == len(set(ids)) > 3
        page.emulate_media(media="print")
        assert page.locator(".kb-pack-controls").is_hidden()
        for paper in ("Letter", "A4"):
            assert pdf_pages(page.pdf(format=paper)) == 3, paper


def test_an_unknown_id_is_named_and_the_rest_print(kb_site: Path, page: Any) -> None:  # noqa: F811
    with static_server(kb_site) as base:
        open_pack(page, f"{base}/print-pack.html?cards=PC-001,PC-999")
        status = page.inner_text(".kb-pack-status")
        assert "No card with the ID PC-999 in this knowledge base." in status
        assert "1 card ready to print: PC-001." in status
        assert page.locator(".kb-pack-card").count() == 1
        assert page.locator(".kb-pack-print").is_visible()
        page.emulate_media(media="print")
        assert pdf_pages(page.pdf(format="A4")) == 1
        open_pack(page, f"{base}/print-pack.html")
        assert page.locator(".kb-pack-card").count() == 0
        assert page.inner_text(".kb-pack-status").startswith("No cards chosen yet")
        assert page.locator(".kb-pack-print").is_hidden()


def test_explore_offers_its_cards_as_a_pack(kb_site: Path, page: Any) -> None:  # noqa: F811
    with static_server(kb_site) as base:
        page.goto(f"{base}/explore.html?type=practice")
        link = page.locator(".kb-print-these-link")
        link.wait_for()
        assert link.inner_text() == "Print these 3 cards"
        href = link.get_attribute("href") or ""
        chosen = parse_qs(urlsplit(href).query)["cards"][0].split(",")
        assert sorted(chosen) == ["PC-001", "PC-002", "PC-003"]
        # Narrowed to one card, the link follows the result.
        page.goto(f"{base}/explore.html?type=practice&focus=early-literacy")
        page.wait_for_function(
            "document.querySelector('.kb-print-these-link')?.textContent === 'Print this card'"
        )
        link.click()
        page.wait_for_selector("#kb-print-pack[data-ready]", state="attached")
        assert page.locator(".kb-pack-card").evaluate_all("s => s.map(c => c.dataset.card)") == [
            "PC-003"
        ]
