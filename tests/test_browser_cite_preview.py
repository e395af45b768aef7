"""Citation previews in headless Debian chromium: tests/roots/test-kb with one more page,
built by Sphinx and served by a plain static server. Hover, keyboard focus and touch
open a citation's preview; Escape closes it; no request is made; axe finds nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOTS
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
    ),
]

FILLER = " ".join(["Made-up text for the test, long enough to wrap and to scroll."] * 12)
PAGE = f"""\
# Previews

Teams that look at data {{cite:p}}`bowman2021getting` see more.

{FILLER}

{FILLER} As {{cite:t}}`hallett2021` note, with {{cite:p}}`xss2020`.

{FILLER}

Again {{cite:p}}`bowman2021getting`, at the end.
"""
BOWMAN_APA = (
    "Bowman, A., Valdez, A., Krausen, K., & Donahue, C. (2021). Getting better at getting "
    "more equitable. WestEd."
)
BOWMAN_NOTE = "Frames equity-driven continuous improvement."
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TIP = "#kb-preview-bowman2021getting"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The root with the page above, built once and served without any /api/."""
    src = tmp_path_factory.mktemp("citepreview") / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "previews.md").write_text(PAGE, encoding="utf-8")
    index = src / "index.md"
    toctree = "\n```{toctree}\n:hidden:\n\npreviews\n```\n"
    index.write_text(index.read_text(encoding="utf-8") + toctree, encoding="utf-8")
    out = src.parent / "html"
    subprocess.run([sys.executable, "-m", "sphinx", "-q", str(src), str(out)], check=True)
    with static_server(out) as url:
        yield url


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(
        has_touch=True, is_mobile=True, viewport={"width": 360, "height": 640}
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda err: errors.append(str(err)))
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert not errors


def expect() -> Any:
    return pytest.importorskip("playwright.sync_api").expect


def text(locator: Any) -> str:
    return re.sub(r"\s+", " ", locator.inner_text()).strip()


def inside_viewport(pg: Any, selector: str) -> bool:
    box = pg.locator(selector).bounding_box()
    size = pg.viewport_size
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def ax_description(pg: Any, selector: str) -> str:
    """What chromium's accessibility tree (a screen reader's source) gives as the
    element's description."""
    cdp = pg.context.new_cdp_session(pg)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})
    return re.sub(r"\s+", " ", ax["nodes"][0].get("description", {}).get("value", "")).strip()


def test_hover_shows_the_apa_reference_and_annotation(base, page) -> None:  # noqa: F811
    page.goto(f"{base}/previews.html")
    link, tip = page.locator("a.kb-cite").first, page.locator(TIP)
    expect()(tip).to_be_hidden()
    link.hover()
    expect()(tip).to_be_visible()
    assert text(tip) == f"{BOWMAN_APA} {BOWMAN_NOTE}"
    assert inside_viewport(page, TIP)
    # Just below the link (there is room), not somewhere else on the page.
    lbox, tbox = link.bounding_box(), tip.bounding_box()
    assert 0 <= tbox["y"] - (lbox["y"] + lbox["height"]) <= 10
    # The pointer can move onto the preview without it closing (WCAG 1.4.13), pausing
    # in the gap between the two on the way.
    x = lbox["x"] + 10
    page.mouse.move(x, (lbox["y"] + lbox["height"] + tbox["y"]) / 2)
    page.wait_for_timeout(100)
    page.mouse.move(x, tbox["y"] + tbox["height"] / 2)
    page.wait_for_timeout(600)
    expect()(tip).to_be_visible()
    page.mouse.move(1, 1)
    expect()(tip).to_be_hidden()
    link.click()  # a mouse click follows the link at once
    page.wait_for_url(f"{base}/bibliography/b.html#ref-bowman2021getting")


def test_tab_focus_opens_and_announces_it_and_escape_closes_it(base, page) -> None:  # noqa: F811
    page.goto(f"{base}/previews.html")
    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('a.kb-cite')"):
            break
    else:
        raise AssertionError("Tab never reached a citation")
    tip = page.locator(TIP)
    expect()(tip).to_be_visible()
    assert (
        page.evaluate(
            "document.getElementById(document.activeElement.getAttribute('aria-describedby'))"
            ".getAttribute('role')"
        )
        == "tooltip"
    )
    assert ax_description(page, "a.kb-cite") == f"{BOWMAN_APA} {BOWMAN_NOTE}"
    page.keyboard.press("Escape")
    expect()(tip).to_be_hidden()
    assert page.evaluate("document.activeElement === document.querySelector('a.kb-cite')")
    page.keyboard.press("Enter")  # and Enter follows it at once
    page.wait_for_url(f"{base}/bibliography/b.html#ref-bowman2021getting")


def test_a_tap_opens_it_and_a_second_tap_follows_the_link(base, phone) -> None:
    phone.goto(f"{base}/previews.html")
    link, tip = phone.locator("a.kb-cite").first, phone.locator(TIP)
    link.tap()
    expect()(tip).to_be_visible()
    phone.wait_for_timeout(500)  # a navigation would have started by now
    assert phone.url == f"{base}/previews.html"
    assert inside_viewport(phone, TIP)
    link.tap()
    phone.wait_for_url(f"{base}/bibliography/b.html#ref-bowman2021getting")


def test_a_tap_elsewhere_closes_it(base, phone) -> None:
    phone.goto(f"{base}/previews.html")
    link, tip = phone.locator("a.kb-cite").first, phone.locator(TIP)
    link.tap()
    expect()(tip).to_be_visible()
    phone.locator("article h1").tap()
    expect()(tip).to_be_hidden()
    assert phone.url == f"{base}/previews.html"
    # As in a browser whose tap elsewhere neither moves focus nor sends mouse events
    # (iOS Safari on text): the pointerdown alone closes it.
    link.tap()
    expect()(tip).to_be_visible()
    phone.dispatch_event("article h1", "pointerdown")
    expect()(tip).to_be_hidden()


def test_every_preview_stays_inside_a_small_viewport(base, phone) -> None:
    phone.goto(f"{base}/previews.html")
    links = phone.locator("a.kb-cite")
    assert links.count() == 4
    for i in range(links.count()):
        link = links.nth(i)
        tip = "#" + link.get_attribute("aria-describedby")
        for block in ("start", "end"):  # the link at the top, then at the bottom
            # furo scrolls smoothly; instantly here, so the link is where it ends up
            link.evaluate(f"a => a.scrollIntoView({{block: '{block}', behavior: 'instant'}})")
            link.focus()
            expect()(phone.locator(tip)).to_be_visible()
            assert inside_viewport(phone, tip), (i, block)
            # Moved in from the edge, not squeezed against it (each text fills a line).
            assert phone.locator(tip).bounding_box()["width"] >= 360 - 2 * 8 - 1, (i, block)
            phone.keyboard.press("Escape")
            link.evaluate("a => a.blur()")


def test_opening_previews_makes_no_request(base, page) -> None:  # noqa: F811
    page.goto(f"{base}/previews.html")
    page.wait_for_load_state("networkidle")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    links = page.locator("a.kb-cite")
    for i in range(links.count()):
        links.nth(i).hover()
        expect()(page.locator("#" + links.nth(i).get_attribute("aria-describedby"))).to_be_visible()
        links.nth(i).focus()
    page.wait_for_timeout(300)
    assert requests == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_with_a_preview_open(base, page, scheme) -> None:  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    page.emulate_media(color_scheme=scheme)  # furo's default theme follows the system
    page.goto(f"{base}/previews.html")
    page.locator("a.kb-cite").nth(2).hover()  # the one with markup in its title
    tip = page.locator("#kb-preview-xss2020")
    expect()(tip).to_be_visible()
    page.wait_for_timeout(300)  # past the fade-in: axe measures contrast at full opacity
    background = tip.evaluate("t => getComputedStyle(t).backgroundColor")
    assert background == ("rgb(19, 20, 22)" if scheme == "dark" else "rgb(255, 255, 255)")
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    violations = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
    ]
    assert violations == []


def test_reduced_motion_and_print(base, page) -> None:  # noqa: F811
    page.goto(f"{base}/previews.html")
    page.locator("a.kb-cite").first.hover()
    tip = page.locator(TIP)
    expect()(tip).to_be_visible()
    animation = "t => getComputedStyle(t).animationName"
    assert tip.evaluate(animation) == "kb-cite-preview-in"
    page.emulate_media(reduced_motion="reduce")
    assert tip.evaluate(animation) == "none"
    page.emulate_media(media="print")
    # However it got there (the media change may close it), an open preview never prints.
    tip.evaluate("t => { t.hidden = false; }")
    assert tip.evaluate("t => getComputedStyle(t).display") == "none"


def test_without_javascript_the_link_just_goes_to_the_entry(base, browser) -> None:  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto(f"{base}/previews.html")
        for preview in pg.locator(".kb-cite-preview").all():
            expect()(preview).to_be_hidden()
        # Described all the same: the text is announced once, from the link. (Chromium
        # puts a space after the italic title when the text is not laid out.)
        described = ax_description(pg, "a.kb-cite").replace(" .", ".")
        assert described == f"{BOWMAN_APA} {BOWMAN_NOTE}"
        pg.locator("a.kb-cite").first.click()
        pg.wait_for_url(f"{base}/bibliography/b.html#ref-bowman2021getting")
    finally:
        context.close()
