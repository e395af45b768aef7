"""The search page in headless Debian chromium, driven by playwright.

Serves a minimal page holding the search div with our server (the API answers), and
the same directory with a plain static server (it does not: the page filters the
static index, search_static.js). Skips when /usr/bin/chromium is missing; install it with
``apt-get install -y chromium`` (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_search_fixtures import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LABELS,
    XSS_TITLE,
    build_index,
    fixture_docs,
    search_page,
    uvicorn_in_thread,
)

from equity_kb.search import SearchEngine
from equity_kb.search.indexer import count_words
from equity_kb.search.server import create_app
from equity_kb.search.static_index import static_record, write_static_index, write_word_list

STATIC = Path(__file__).resolve().parents[1] / "src" / "equity_kb" / "sphinxext" / "static"
ARGS = CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("site")
    (root / "_static").mkdir()
    for name in ("search_static.js", "search.js", "search.css"):
        shutil.copy(STATIC / name, root / "_static" / name)
    docs = fixture_docs()
    write_static_index(root, [static_record(d) for d in docs])
    write_word_list(root, count_words(docs))
    (root / "search.html").write_text(search_page(LABELS), encoding="utf-8")
    for doc in docs:
        page = root / doc["url"].split("#")[0]
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("<!doctype html><title>entry</title><p>entry</p>", encoding="utf-8")
    index = build_index(tmp_path_factory.mktemp("index"))
    return root, index


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    console: list[str] = []  # what the page logged as errors, to say why it failed
    pg.on("pageerror", lambda err: errors.append(str(err)))
    pg.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    pg.on("requestfailed", lambda r: console.append(f"{r.url}: {r.failure}"))
    pg.on(
        "response",
        lambda r: (
            console.append(f"{r.status} {r.url} {r.headers.get('content-length')}")
            if r.status >= 300 or "pagefind-entry" in r.url
            else None
        ),
    )
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert not errors, (errors, console)


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """A plain static file server: no /api/search, as on static hosting."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    # Port 0: the system picks a free port as the server binds it; read it back below.
    server = _StaticServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the static server did not stop within 10 s"


class _StaticServer(http.server.ThreadingHTTPServer):
    # socketserver's backlog is 5: a page and Pagefind's worker open more connections
    # than that at once, and on a loaded machine the extra ones were reset, which the
    # search page reported as "Failed to load Pagefind metadata".
    request_queue_size = 128
    daemon_threads = True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


def titles(page: Any) -> list[str]:
    return page.locator(".kb-hit-title").all_inner_texts()


def wait_for_url(page: Any, fragment: str) -> None:
    page.wait_for_function("f => decodeURIComponent(location.search).includes(f)", arg=fragment)


def wait_for_count(page: Any, n: int) -> None:
    """Until the page says exactly ``n`` results ("1 result" must not match "15 results")
    and has drawn all of them on this page (the results are busy until then)."""
    page.wait_for_function(
        "n => /^(\\d+) results?\\b/.exec(document.querySelector('.kb-count').textContent)"
        "?.[1] === String(n) && !document.querySelector('.kb-hits[aria-busy]')",
        arg=n,
    )


def facet_label(page: Any, legend: str, text: str) -> Any:
    """The label of one facet value, found by what a reader sees: its fieldset's legend
    and its own text."""
    fieldset = page.locator("fieldset.kb-facet", has=page.locator("legend", has_text=legend))
    return fieldset.locator("label", has_text=text)


def test_search_with_the_service(site: tuple[Path, Path], page: Any) -> None:
    root, index = site
    with uvicorn_in_thread(create_app(root, index)) as base:
        page.goto(f"{base}/search.html")
        page.wait_for_selector(".kb-hit")
        assert "Searching the full text" in page.inner_text(".kb-mode")
        assert page.inner_text(".kb-count").startswith("15 results")
        assert page.locator("fieldset.kb-facet legend").all_inner_texts()[:4] == [
            "Type",
            "Tenet",
            "Focus area",
            "Level",
        ]

        # Typing searches (after a pause) and records the query in the URL.
        page.fill("#kb-q", "discipline")
        wait_for_url(page, "q=discipline")
        wait_for_count(page, 3)
        assert "Reducing discipline disproportionality" in titles(page)
        # The page marks what the service marked: "discipline", in each hit's snippet.
        with SearchEngine(index) as engine:
            marked = sum(h.snippet.count("<mark>") for h in engine.search("discipline").hits)
        marks = page.locator(".kb-snippet mark").all_inner_texts()
        assert len(marks) == marked >= 3 and {m.lower() for m in marks} == {"discipline"}, marks
        brief = facet_label(page, "Type", "Research brief")
        assert brief.inner_text() == "Research brief (1)"
        assert brief.get_attribute("for") == "kb-f-type-brief"

        # Ticking a facet (by its label, so the label must name its box) narrows the
        # results and adds it to the URL.
        brief.click()
        assert page.is_checked("#kb-f-type-brief")
        wait_for_url(page, "type=brief")
        wait_for_count(page, 1)
        assert titles(page) == ["Reducing discipline disproportionality"]
        # Disjunctive counts: the other types are still offered with their counts.
        assert "(1)" in page.inner_text("label[for=kb-f-type-practice]")
        link = page.get_attribute(".kb-hit-title a", "href")
        assert link == f"{base}/briefs/discipline.html"

        # Reloading the URL reopens the same search.
        page.reload()
        page.wait_for_selector(".kb-hit")
        assert page.input_value("#kb-q") == "discipline"
        assert page.is_checked("#kb-f-type-brief")
        assert titles(page) == ["Reducing discipline disproportionality"]

        # Back goes to the search before the facet was ticked.
        page.go_back()
        wait_for_count(page, 3)
        assert not page.is_checked("#kb-f-type-brief")


def test_pagination(site: tuple[Path, Path], page: Any) -> None:
    root, index = site
    (root / "paged.html").write_text(
        search_page(LABELS, page_size=6),
        encoding="utf-8",
    )
    with uvicorn_in_thread(create_app(root, index)) as base:
        page.goto(f"{base}/paged.html")
        page.wait_for_selector(".kb-hit")
        assert page.inner_text(".kb-page-of") == "Page 1 of 3"
        first = titles(page)
        assert len(first) == 6
        page.click("a[rel=next]")
        wait_for_url(page, "page=2")
        page.wait_for_function(
            "document.querySelector('.kb-page-of').textContent === 'Page 2 of 3'"
        )
        second = titles(page)
        assert len(second) == 6 and not set(first) & set(second)
        assert page.evaluate("document.activeElement.className") == "kb-results-heading"
        assert page.get_attribute(".kb-hits", "start") == "7"
        page.reload()
        page.wait_for_selector(".kb-hit")
        assert titles(page) == second


def test_markup_in_content_is_shown_as_text(site: tuple[Path, Path], page: Any) -> None:
    root, index = site
    with uvicorn_in_thread(create_app(root, index)) as base:
        page.goto(f"{base}/search.html?q=principals")
        page.wait_for_selector(".kb-hit")
        assert XSS_TITLE in titles(page)
        assert page.locator(".kb-search img, .kb-search script").count() == 0
        snippet = page.inner_text(".kb-snippet")
        assert "<script>window.__xss=2</script>" in snippet
        assert page.evaluate("typeof window.__xss") == "undefined"


def test_static_index_when_no_service_answers(site: tuple[Path, Path], page: Any) -> None:
    root, _ = site
    docs = fixture_docs()
    with static_server(root) as base:
        page.goto(f"{base}/search.html?tenet=data")
        page.wait_for_selector(".kb-hit")
        mode = page.inner_text(".kb-mode")
        assert "in your browser (the site's static index; no search service here)" in mode
        with_data = [d for d in docs if "data" in d["tenets"]]
        assert page.inner_text(".kb-count").startswith(f"{len(with_data)} results")
        assert page.is_checked("#kb-f-tenet-data")
        practice_cards = sum(1 for d in with_data if d["type"] == "practice")
        assert f"({practice_cards})" in page.inner_text("label[for=kb-f-type-practice]")

        page.check("#kb-f-type-practice")
        wait_for_url(page, "type=practice")
        wait_for_count(page, practice_cards)
        page.fill("#kb-q", "pause")
        wait_for_url(page, "q=pause")
        wait_for_count(page, 1)
        assert titles(page) == ["Equity pauses in improvement meetings"]
        assert page.inner_text(".kb-snippet mark").lower().startswith("pause")

        # Markup in a record is text here too.
        page.goto(f"{base}/search.html?q=principals")
        page.wait_for_selector(".kb-hit")
        assert XSS_TITLE in titles(page)
        assert page.locator(".kb-search img").count() == 0
        assert page.evaluate("typeof window.__xss") == "undefined"


def fixture_titles(where: Any) -> list[str]:
    return sorted(d["title"] for d in fixture_docs() if where(d))


@pytest.mark.parametrize("mode", ["service", "static"])
def test_year_filters(site: tuple[Path, Path], page: Any, mode: str) -> None:
    root, index = site
    serving = uvicorn_in_thread(create_app(root, index)) if mode == "service" else None
    with serving or static_server(root) as base:
        page.goto(f"{base}/search.html")
        page.wait_for_selector(".kb-hit")
        page.fill("#kb-year-from", "2021")
        page.press("#kb-year-from", "Tab")  # a change event: the filter applies
        wait_for_url(page, "year_from=2021")
        page.fill("#kb-year-to", "2022")
        page.press("#kb-year-to", "Tab")
        wait_for_url(page, "year_to=2022")
        in_range = fixture_titles(lambda d: 2021 <= d["year"] <= 2022)
        assert len(in_range) == 3  # PC-001 and Bowman and Valdez (2021), PC-002 (2022)
        wait_for_count(page, len(in_range))
        assert sorted(titles(page)) == in_range
        # A year's button asks for that year alone; its count is the fixture's.
        page.click(".kb-years summary")
        only = page.locator(".kb-year-button", has_text="2021 (2)")
        assert only.get_attribute("aria-label") == "Only 2021, 2 entries"
        only.click()
        wait_for_url(page, "year_to=2021")
        wait_for_count(page, 2)
        assert sorted(titles(page)) == fixture_titles(lambda d: d["year"] == 2021)
        assert page.input_value("#kb-year-from") == page.input_value("#kb-year-to") == "2021"
        # Reloading keeps the years (they are in the URL).
        page.reload()
        wait_for_count(page, 2)


def test_paging_in_static_mode(site: tuple[Path, Path], page: Any) -> None:
    root, _ = site
    (root / "paged.html").write_text(search_page(LABELS, page_size=6), encoding="utf-8")

    def slow(route: Any) -> None:
        # Each hit's text arrives late, as on a slow network or a busy machine: the
        # page's last hits follow its first ones.
        time.sleep(0.1)
        route.continue_()

    page.route("**/*.pf_fragment", slow)
    with static_server(root) as base:
        page.goto(f"{base}/paged.html")
        page.wait_for_selector(".kb-hit")
        assert "static index" in page.inner_text(".kb-mode")
        shown: list[list[str]] = []
        for number, size in ((1, 6), (2, 6), (3, 3)):
            # The static index draws a page's first hits, then the rest while the list
            # is busy: read the titles only once it is not.
            page.wait_for_function(
                "t => document.querySelector('.kb-page-of').textContent === t"
                " && !document.querySelector('.kb-hits[aria-busy]')",
                arg=f"Page {number} of 3",
            )
            assert page.get_attribute(".kb-hits", "start") == str(1 + 6 * (number - 1))
            shown.append(titles(page))
            assert len(shown[-1]) == size
            if number < 3:
                page.click("a[rel=next]")
                wait_for_url(page, f"page={number + 1}")
        assert page.locator("a[rel=next]").count() == 0  # no page after the last
        everything = [t for p in shown for t in p]
        assert sorted(everything) == fixture_titles(lambda d: True)  # each entry once


@pytest.mark.parametrize("order", ["year-desc", "year-asc"])
def test_explore_sorts_by_year(site: tuple[Path, Path], page: Any, order: str) -> None:
    root, _ = site
    explore = search_page(LABELS).replace('<div id="kb-search"', '<div id="kb-search" data-explore')
    (root / "explore.html").write_text(explore, encoding="utf-8")
    with static_server(root) as base:
        page.goto(f"{base}/explore.html?sort={order}")
        wait_for_count(page, 15)
        years = [int(y) for y in page.locator(".kb-badge-year").all_inner_texts()]
        expected = sorted((d["year"] for d in fixture_docs()), reverse=order == "year-desc")
        assert years == expected
        assert page.input_value("#kb-sort") == order
