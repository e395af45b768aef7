"""A static site on one host searching with a service on another: ``kb_search_api``
(``KB_SEARCH_API`` in conf.py) in a real build of tests/roots/test-searchbox, the site
on a plain static server, ``equity-kb serve --origins`` on another port, and the
search page in headless Chromium: service mode across origins, and the static index
when the service does not answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)
from test_search_fixtures import free_port
from test_service_public import start_service, stop

WORD = "benefits"  # in PC-001's summary and body


def search_root(app) -> BeautifulSoup:
    text = (Path(app.outdir) / "find.html").read_text(encoding="utf-8")
    return BeautifulSoup(text, "html.parser").select_one("#kb-search")


def site_with_a_service_elsewhere(kb_build) -> tuple[Path, str, int]:
    """The test root built to ask a service on another port: (site, its API URL, port)."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/search"
    app = kb_build("searchbox", confoverrides={"kb_search_api": api})
    assert search_root(app)["data-api"] == api
    return Path(app.outdir), api, port


def test_the_build_writes_the_configured_service_or_none(kb_build) -> None:
    default = kb_build("searchbox")
    assert search_root(default)["data-api"] == "/api/search"
    static_only = kb_build("searchbox", confoverrides={"kb_search_api": ""})
    assert not search_root(static_only).has_attr("data-api")
    assert (Path(static_only.outdir) / "kb-search" / "pagefind-entry.json").is_file()


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_a_static_site_searches_with_a_service_on_another_origin(
    kb_build,
    page,  # noqa: F811
    tmp_path: Path,
) -> None:
    site, api, port = site_with_a_service_elsewhere(kb_build)
    with static_server(site) as base:
        service = start_service(
            site, Path(f"{site}-state") / "search-index", tmp_path,
            "--workers", "1", "--origins", base, port=port,
        )  # fmt: skip
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("requestfailed", lambda r: console.append(f"failed: {r.url} {r.failure}"))
        try:
            answered: list[int] = []
            page.on(
                "response", lambda r: answered.append(r.status) if r.url.startswith(api) else None
            )
            page.goto(f"{base}/find.html?q={WORD}")
            page.wait_for_selector(".kb-hit")
            assert "kb-mode-api" in (page.get_attribute(".kb-mode", "class") or "")
            assert page.locator(".kb-hit-title").all_inner_texts() == [
                "Equity pauses in improvement meetings"
            ]
            assert answered and set(answered) == {200}
        finally:
            stop(service)
        # The service is gone: the same page falls back to the static index.
        page.goto(f"{base}/find.html?q={WORD}")
        try:
            page.wait_for_selector(".kb-hit")
        except Exception as err:
            raise AssertionError(f"no hits in static mode; the console: {console}") from err
        assert "kb-mode-static" in (page.get_attribute(".kb-mode", "class") or "")
        assert page.locator(".kb-hit-title").all_inner_texts() == [
            "Equity pauses in improvement meetings"
        ]


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_an_origin_the_service_does_not_list_gets_the_static_index(
    kb_build,
    page,  # noqa: F811
    tmp_path: Path,
) -> None:
    site, api, port = site_with_a_service_elsewhere(kb_build)
    with static_server(site) as base:
        service = start_service(
            site, Path(f"{site}-state") / "search-index", tmp_path,
            "--workers", "1", "--origins", "https://kb.example.org", port=port,
        )  # fmt: skip
        try:
            page.goto(f"{base}/find.html?q={WORD}")
            page.wait_for_selector(".kb-hit")
            # The browser refuses the answer (no CORS header for this origin).
            assert "kb-mode-static" in (page.get_attribute(".kb-mode", "class") or "")
        finally:
            stop(service)
