"""Phone first (issue 26): the search and Explore pages of the shipped docs at 390x844
(and 1280x800), on a plain static server (``python -m http.server`` in a subprocess, no
/api/search) and with the search service, in headless Debian chromium.

- The first result is in view without scrolling.
- The filters open in a dialog that says how many are chosen and what the results count
  will be (a live region); "Show N results" closes it onto the updated results.
- No layout shift while the page loads (CLS, summed from a buffered PerformanceObserver
  as Lighthouse does, excluding shifts after input, at most 0.05), on a throttled
  network and CPU so the page is drawn before the index answers.
- Tap targets at least 24 px tall.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser_search import CHROMIUM, browser  # noqa: F401 (fixture)
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

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WORD = "equity"  # in nearly every entry of the shipped docs
MAX_CLS = 0.05
MIN_TARGET = 24  # px, WCAG 2.2 target size (minimum)

SERVING = re.compile(r"Serving HTTP on \S+ port (\d+)")

# Summed layout shifts, as Lighthouse counts them: every shift since the page started
# (buffered), less those just after input.
CLS_OBSERVER = """
window.__kbShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__kbShifts.push({
      value: entry.value,
      sources: (entry.sources || []).map((s) => s.node && (s.node.className || s.node.nodeName)),
    });
  }
}).observe({ type: "layout-shift", buffered: true });
"""


@pytest.fixture(scope="module")
def static_base(shipped_site: Path) -> Iterator[str]:
    """The built site on ``python -m http.server``: files only, no /api/search."""
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"],
        cwd=shipped_site,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (...)"
        found = SERVING.search(line)
        assert found, f"http.server said {line!r}"
        yield f"http://127.0.0.1:{found.group(1)}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def served(mode: str, site: Path, static: str) -> Iterator[str]:
    if mode == "static":
        yield static
    else:
        with uvicorn_in_thread(create_app(site, index_dir(site))) as base:
            yield base


@contextlib.contextmanager
def sized_page(browser: Any, size: dict[str, int], *, slow: bool = False) -> Iterator[Any]:  # noqa: F811
    """A page of ``size`` (a phone's: touch, mobile viewport); ``slow``: network and CPU
    throttled as Lighthouse's mobile run is, so the page paints before results come."""
    phone = size["width"] < 600
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.set_default_timeout(30_000 if slow else 10_000)
    page.add_init_script(CLS_OBSERVER)
    if slow:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 150,
                "downloadThroughput": 1.6 * 1024 * 1024 / 8,
                "uploadThroughput": 750 * 1024 / 8,
            },
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def in_view(page: Any, selector: str, size: dict[str, int]) -> bool:
    b = box(page, selector)
    return b["y"] >= 0 and b["y"] + b["height"] <= size["height"]


def results_count(text: str) -> int:
    found = re.match(r"(No|[\d,]+) results?\b", text)
    assert found, text
    return 0 if found.group(1) == "No" else int(found.group(1).replace(",", ""))


def wait_idle(page: Any) -> None:
    page.wait_for_selector(".kb-hit")
    page.wait_for_function("() => !document.querySelector('.kb-results').hasAttribute('aria-busy')")


@pytest.mark.parametrize("mode", ["static", "service"])
def test_the_first_result_is_in_view_on_a_phone(
    shipped_site: Path,
    static_base: str,
    browser: Any,  # noqa: F811
    mode: str,
) -> None:
    with served(mode, shipped_site, static_base) as base, sized_page(browser, PHONE) as page:
        page.goto(f"{base}/find.html?q={WORD}")
        wait_idle(page)
        assert f"kb-mode-{'api' if mode == 'service' else 'static'}" in (
            page.get_attribute(".kb-mode", "class") or ""
        )
        assert page.evaluate("scrollY") == 0
        first = box(page, ".kb-hit")
        assert first["y"] > 0 and first["y"] + first["height"] <= PHONE["height"], first
        # What used to stand above it now stands after the results or in the dialog.
        assert box(page, ".kb-mode")["y"] > first["y"]
        assert not page.is_visible("#kb-f-tenet-data")


def test_the_filters_open_in_a_dialog_that_shows_its_results(
    static_base: str,
    browser: Any,  # noqa: F811
) -> None:
    with sized_page(browser, PHONE) as page:
        page.goto(f"{static_base}/find.html?q={WORD}")
        wait_idle(page)
        everything = results_count(page.inner_text(".kb-count"))
        opener = page.locator("#kb-filter-open")
        assert opener.inner_text() == "Filters"
        assert opener.get_attribute("aria-haspopup") == "dialog"
        opener.tap()
        dialog = page.locator("#kb-filter-dialog")
        assert dialog.evaluate("d => d.open && d.matches(':modal')")
        live = page.locator("#kb-filter-live")
        assert live.get_attribute("aria-live") == "polite"
        assert live.get_attribute("role") == "status"
        assert results_count(live.inner_text()) == everything
        assert page.inner_text("#kb-filter-show") == f"Show {everything:,} results"

        # Ticking a tenet (by its label, the bigger target) updates what the dialog says.
        before = live.inner_text()
        page.locator("label[for=kb-f-tenet-data]").tap()
        page.wait_for_function(
            "b => document.getElementById('kb-filter-live').textContent !== b", arg=before
        )
        said = live.inner_text()
        only_data = results_count(said)
        assert 0 < only_data < everything
        assert said.endswith("with 1 filter chosen."), said
        assert page.is_checked("#kb-f-tenet-data")
        assert page.inner_text("#kb-filter-title") == "Filters (1 chosen)"
        assert opener.inner_text() == "Filters (1 chosen)"
        assert "tenet=data" in page.evaluate("location.search")
        show = page.locator("#kb-filter-show")
        assert show.inner_text() == f"Show {only_data:,} results"

        # "Show N results" closes it onto the updated results, in view.
        show.tap()
        assert not dialog.evaluate("d => d.open")
        assert page.evaluate("document.activeElement.id") == "kb-results"
        assert results_count(page.inner_text(".kb-count")) == only_data
        # (the count and the chosen filters' row above them have grown: the first
        # result's title and tags, at least, are in view)
        assert in_view(page, ".kb-count", PHONE)
        assert in_view(page, ".kb-hit .kb-badges", PHONE)
        # The chosen tenet shows as a chip that removes it.
        chip = page.locator(".kb-chip")
        assert chip.count() == 1 and "Race-conscious data use" in chip.inner_text()
        chip.tap()
        page.wait_for_function("() => !location.search.includes('tenet')")
        page.wait_for_function(
            "n => document.querySelector('.kb-count').textContent.startsWith(n)",
            arg=f"{everything} results",
        )
        assert opener.inner_text() == "Filters"

        # Escape closes it too, back to its button.
        opener.tap()
        page.keyboard.press("Escape")
        assert not dialog.evaluate("d => d.open")
        assert page.evaluate("document.activeElement.id") == "kb-filter-open"


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", [f"find.html?q={WORD}", "explore.html"])
def test_no_layout_shift_while_loading(
    static_base: str,
    browser: Any,  # noqa: F811
    path: str,
    size: dict[str, int],
) -> None:
    with sized_page(browser, size, slow=True) as page:
        page.goto(f"{static_base}/{path}", timeout=60_000)
        wait_idle(page)
        page.wait_for_selector(".kb-mode:not(:empty)")
        page.wait_for_timeout(1000)  # any late shift (fonts, the export controls) lands
        shifts = page.evaluate("window.__kbShifts")
        total = sum(s["value"] for s in shifts)
        assert total <= MAX_CLS, (round(total, 3), shifts)


def heights(page: Any, selector: str) -> list[float]:
    return page.locator(selector).evaluate_all(
        "els => els.filter((e) => e.getClientRects().length)"
        ".map((e) => e.getBoundingClientRect().height)"
    )


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_tap_targets_are_at_least_24_px(
    static_base: str,
    browser: Any,  # noqa: F811
    size: dict[str, int],
) -> None:
    phone = size is PHONE
    with sized_page(browser, size) as page:
        page.goto(f"{static_base}/explore.html?tenet=data&year_from=2019")
        wait_idle(page)
        targets = ["#kb-sort", "#kb-q", ".kb-search-form button", ".kb-chip", ".kb-badge"]
        if phone:
            targets.append("#kb-filter-open")
            page.tap("#kb-filter-open")
            targets += ["#kb-filter-show", ".kb-filter-close"]
        page.locator(".kb-years summary").click()
        targets += [
            ".kb-facet-values input",
            ".kb-facet-values label",
            ".kb-year-button",
            ".kb-years summary",
            ".kb-year-range input",
        ]
        for selector in targets:
            found = heights(page, selector)
            assert found, f"no {selector} shown"
            assert min(found) >= MIN_TARGET, (selector, min(found))
        if phone:  # a finger's 44 px in the dialog
            assert min(heights(page, ".kb-facet-values label")) >= 43.5
