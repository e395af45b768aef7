"""Printed cards lead back: a card's print-only stamp holds a QR code of its permalink
(segno's inline SVG, decoded here by zxing-cpp from Chromium's rendering of the printed
page) and the day it was printed; a long shipped card still prints on one page."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import segno
from bs4 import BeautifulSoup
from conftest import REPO, BuildFn, html
from test_browser_print import pdf_pages
from test_browser_search import CHROMIUM, browser, page  # noqa: F401 (fixtures)

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
PERMALINK = "https://kb.example.org/practices/PC-001.html"  # the test root's html_baseurl


@pytest.fixture
def kb_site(kb_build: BuildFn) -> Path:
    return Path(kb_build().outdir)


def decode(png: bytes) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    return [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_stamp_is_segnos_svg_of_the_permalink(kb_build: BuildFn) -> None:
    app = kb_build()
    soup = BeautifulSoup(html(app, "practices/PC-001"), "html.parser")
    stamp = soup.select_one(".kb-entry-header .kb-print-stamp")
    assert stamp is not None and stamp.has_attr("hidden")  # print only
    # The permalink the card's "cite this" gives, drawn exactly as segno draws it.
    assert soup.select_one(".kb-permalink a")["href"] == PERMALINK
    assert stamp.select_one(".kb-print-permalink").get_text() == PERMALINK
    expected = segno.make(PERMALINK, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="kb-qr", lineclass="kb-qr-dark"
    )
    assert str(stamp.svg) == str(BeautifulSoup(expected, "html.parser").svg)
    built = stamp.select_one("[data-kb-print-date]")
    today = dt.date.today()
    assert built.get_text() == f"Built on {today.day} {today:%B %Y}"
    assert built.time["datetime"] == today.isoformat()
    # Only cards carry one.
    assert "kb-print-stamp" not in html(app, "briefs/families")


@pytest.mark.browser
@needs_chromium
def test_the_printed_qr_decodes_to_the_permalink(kb_site: Path, page: Any) -> None:  # noqa: F811
    page.goto((kb_site / "practices" / "PC-001.html").as_uri())
    stamp = page.locator(".kb-print-stamp")
    assert stamp.is_hidden()  # on screen
    page.emulate_media(media="print")
    assert stamp.is_visible()
    page.set_viewport_size({"width": 1200, "height": 900})
    assert decode(page.locator(".kb-qr").screenshot()) == [PERMALINK]


@pytest.mark.browser
@needs_chromium
def test_the_print_date_is_the_day_it_prints(kb_site: Path, browser: Any) -> None:  # noqa: F811
    card = (kb_site / "practices" / "PC-001.html").as_uri()
    day = dt.date.today()
    today = f"{day.day} {day:%B %Y}"  # written as every date on the site
    with_js = browser.new_context()
    pg = with_js.new_page()
    pg.goto(card)
    pg.wait_for_function("document.querySelectorAll('script[src*=print_pack]').length > 0")
    pg.pdf(format="A4")  # Chromium fires beforeprint for it, as for a person's print
    assert pg.locator("[data-kb-print-date]").inner_text() == f"Printed on {today}"
    with_js.close()
    no_js = browser.new_context(java_script_enabled=False)
    pg = no_js.new_page()
    pg.goto(card)
    pg.pdf(format="A4")
    assert pg.locator("[data-kb-print-date]").text_content() == f"Built on {today}"
    no_js.close()


def longest_card() -> str:
    cards = sorted((REPO / "docs" / "practices").glob("PC-*.md"))
    return max(cards, key=lambda p: len(p.read_text(encoding="utf-8"))).stem


@pytest.mark.browser
@needs_chromium
def test_a_long_card_with_its_stamp_prints_on_one_page(
    shipped_site: Path,
    page: Any,  # noqa: F811
) -> None:
    card = longest_card()
    page.goto((shipped_site / "practices" / f"{card}.html").as_uri())
    page.emulate_media(media="print")
    assert page.locator(".kb-print-stamp").is_visible()
    assert page.locator(".kb-evidence").is_visible()
    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper)
        assert pdf_pages(pdf) == 1, f"{card} on {paper}"
