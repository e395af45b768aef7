"""The shipped site as a phone and a printer show it, in headless Debian chromium: the gap
map at 390 px (its caption in view, a cue that it scrolls sideways, row labels that stay
while it does) and the facts lists of a card aligned on screen and in print."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_browser_search import CHROMIUM, browser  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

PHONE = {"width": 390, "height": 844}


def test_the_gap_map_on_a_phone(shipped_site: Path, browser: Any) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto((shipped_site / "gap-map.html").as_uri())
    panel = page.locator("#kb-gapmap-focus")
    scroller = panel.locator(".kb-table-scroll")
    assert scroller.evaluate("s => s.scrollWidth > s.clientWidth")  # wider than a phone
    cue = panel.locator(".kb-scroll-cue")
    assert cue.is_visible()
    caption = panel.locator(".kb-gapmap-caption").bounding_box()
    assert caption is not None and caption["x"] >= 0 and caption["x"] + caption["width"] <= 390
    label = panel.locator("tbody tr th").first
    before = label.bounding_box()
    scroller.evaluate("s => { s.scrollLeft = s.scrollWidth; }")
    page.wait_for_timeout(50)
    after = label.bounding_box()
    box = scroller.bounding_box()
    assert before and after and box
    assert abs(after["x"] - before["x"]) < 1 and after["x"] >= box["x"] - 1  # it stayed
    # The other panel's cue follows its own table once it is shown.
    page.locator(".kb-gapmap-switch button").nth(1).click()
    levels = page.locator("#kb-gapmap-levels")
    wide = levels.locator(".kb-table-scroll").evaluate("s => s.scrollWidth > s.clientWidth")
    assert levels.locator(".kb-scroll-cue").is_visible() == wide
    # A desktop screen has room for the whole table: no cue.
    page.set_viewport_size({"width": 1400, "height": 900})
    page.locator(".kb-gapmap-switch button").nth(0).click()
    assert not cue.is_visible()
    context.close()


@pytest.mark.parametrize("media", ["screen", "print"])
def test_a_cards_facts_are_aligned(shipped_site: Path, browser: Any, media: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((shipped_site / "practices" / "PC-001.html").as_uri())
    page.emulate_media(media=media)
    margins = page.eval_on_selector_all(
        ".kb-entry-header .kb-facts dd", "ds => ds.map(d => getComputedStyle(d).marginLeft)"
    )
    assert margins and set(margins) == {"0px"}
    # Each value starts on its label's line, right after it.
    rows = page.eval_on_selector_all(
        ".kb-entry-header > .kb-facts > div",
        """rows => rows.map(r => {
            const t = r.querySelector('dt').getBoundingClientRect();
            const d = r.querySelector('dd').getBoundingClientRect();
            return [Math.abs(t.top - d.top), d.left - t.right];
        })""",
    )
    assert rows and all(dy <= 3 and 0 <= dx < 20 for dy, dx in rows), rows  # one line each
    page.close()
