"""A static site on one host searching with a service on another: ``kb_search_api``
(``KB_SEARCH_API`` in conf.py) in a real build of tests/roots/test-searchbox, the site
on a plain static server, ``equity-kb serve --origins`` on another port, and the
search page in headless Chromium: service mode across origins, and the static index
when the service does not answer."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)
from test_service_public import Service, start_service, stop, wait_for_health

WORD = "benefits"  # in PC-001's summary and body


def search_root(app) -> BeautifulSoup:
    text = (Path(app.outdir) / "find.html").read_text(encoding="utf-8")
    return BeautifulSoup(text, "html.parser").select_one("#kb-search")


@contextlib.contextmanager
def site_and_service(
    kb_build, tmp_path: Path, origins: str | None
) -> Iterator[tuple[str, str, Service]]:
    """The test root built to ask ``equity-kb serve`` on another port, on a plain static
    server: (the site's base URL, the API URL, the service). ``origins``: the service's
    ``--origins`` (None: the static site's own origin).

    The static server and the service start first, each on a port the system picks
    (port 0, read back), so the build can name the service's port and the service the
    site's origin; then the build's index is moved in where the service looks, and the
    built site where the static server looks."""
    www = tmp_path / "www"
    index = tmp_path / "service-index"
    service_site = tmp_path / "service-site"
    service_site.mkdir()
    with static_server(www) as base:
        allowed = base if origins is None else origins
        service = start_service(
            service_site, index, tmp_path, "--workers", "1", "--origins", allowed, wait=False
        )
        try:
            api = f"{service.base}/api/search"
            app = kb_build("searchbox", confoverrides={"kb_search_api": api})
            assert search_root(app)["data-api"] == api
            site = Path(app.outdir)
            # Copied aside, then renamed into place in one step: the service sees no
            # index, or all of it.
            shutil.copytree(Path(f"{site}-state") / "search-index", tmp_path / "staged-index")
            os.rename(tmp_path / "staged-index", index)
            www.symlink_to(site, target_is_directory=True)
            wait_for_health(service)
            yield base, api, service
        finally:
            stop(service)


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
    with site_and_service(kb_build, tmp_path, None) as (base, api, service):
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("requestfailed", lambda r: console.append(f"failed: {r.url} {r.failure}"))
        answered: list[int] = []
        page.on("response", lambda r: answered.append(r.status) if r.url.startswith(api) else None)
        page.goto(f"{base}/find.html?q={WORD}")
        page.wait_for_selector(".kb-hit")
        assert "kb-mode-api" in (page.get_attribute(".kb-mode", "class") or "")
        assert page.locator(".kb-hit-title").all_inner_texts() == [
            "Equity pauses in improvement meetings"
        ]
        assert answered and set(answered) == {200}
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
    with site_and_service(kb_build, tmp_path, "https://kb.example.org") as (base, api, _):
        answered: list[int] = []
        page.on("response", lambda r: answered.append(r.status) if r.url.startswith(api) else None)
        page.goto(f"{base}/find.html?q={WORD}")
        page.wait_for_selector(".kb-hit")
        # The service answered, but the browser refused the answer (no CORS header for
        # this origin), so the page searched its static index.
        assert "kb-mode-static" in (page.get_attribute(".kb-mode", "class") or "")
