"""Downloading a result set, in headless Debian chromium: a real build of
tests/roots/test-kb (with a search page added to the copy), searched with the search
service (the app ``equity-kb serve`` runs, over a socket) and on a plain static server
(the Pagefind index). Each format is read back: BibTeX by ``equity-kb import --dry-run``
into a copy with an empty bibliography (the same keys come back as new entries), RIS by
rispy, CSL-JSON by json. Also the per-entry records against the site-wide exports, and
the copy button of "Cite this card"."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rispy
from conftest import ROOTS
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)
from test_search_fixtures import uvicorn_in_thread

from equity_kb.core.citable import join_records
from equity_kb.search.layout import index_dir
from equity_kb.search.server import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

FIND = "---\ntitle: Find\n---\n\n```{kb-search}\n```\n"
CARDS = ["PC-001", "PC-002", "PC-003"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the source copy, its built site)."""
    base = tmp_path_factory.mktemp("export")
    src = base / "src"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "find.md").write_text(FIND, encoding="utf-8")
    index = src / "index.md"
    index.write_text(index.read_text().replace("explore\n", "explore\nfind\n"))
    out = base / "html"
    subprocess.run([sys.executable, "-m", "sphinx", "-q", str(src), str(out)], check=True)
    return src, out


@pytest.fixture(scope="module")
def empty_copy(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project like the test root whose bibliography holds nothing: every entry of an
    export is new to it."""
    src, _ = built
    copy = tmp_path_factory.mktemp("import")
    shutil.copy(src / "conf.py", copy)
    shutil.copy(src / "vocabulary.yml", copy)
    (copy / "refs").mkdir()
    (copy / "refs" / "refs.bib").write_text("", encoding="utf-8")
    return copy


@pytest.fixture
def serving(built: tuple[Path, Path], request: pytest.FixtureRequest) -> Iterator[str]:
    _, site = built
    if request.param == "service":
        with uvicorn_in_thread(create_app(site, index_dir(site))) as base:
            yield base
    else:
        with static_server(site) as base:
            yield base


def download(page: Any, url: str, fmt: str, tmp_path: Path) -> tuple[str, str]:  # noqa: F811
    """Open ``url``, download its results in ``fmt``; (the file's text, the page's mode)."""
    page.goto(url)
    page.wait_for_selector(".kb-hit")
    page.wait_for_selector(".kb-export:not([hidden])")
    page.select_option("#kb-export-format", fmt)
    with page.expect_download() as info:
        page.click("#kb-export-button")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    page.wait_for_function(
        "() => document.querySelector('.kb-export-status').textContent.startsWith('Downloaded')"
    )
    mode = page.get_attribute(".kb-mode", "class") or ""
    return path.read_text(encoding="utf-8"), mode


def imported_keys(text: str, copy: Path, tmp_path: Path) -> list[str]:
    export = tmp_path / "export.bib"
    export.write_text(text, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "equity_kb.cli.main", "import", str(export), "--dry-run"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    return re.findall(r"^\S+:\d+: new (\S+) \(", run.stdout, flags=re.M)


def keys_of(fmt: str, text: str, copy: Path, tmp_path: Path) -> list[str]:
    if fmt == "bibtex":
        return imported_keys(text, copy, tmp_path)
    if fmt == "ris":
        return [r["id"] for r in rispy.loads(text)]
    return [item["id"] for item in json.loads(text)]


def service_keys(base: str, query: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/search?{query}&page_size=100") as res:
        return [hit["key"] for hit in json.load(res)["hits"]]


@pytest.mark.parametrize("serving", ["service", "static"], indirect=True)
@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json"])
def test_search_results_download_and_read_back(
    serving: str,
    fmt: str,
    page: Any,  # noqa: F811
    empty_copy: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    mode = request.node.callspec.params["serving"]
    if mode == "service":
        # A query across all three types; the service's own answer is the expected set.
        query = "q=families"
        expected = service_keys(serving, query)
        assert {"PC-003", "briefs/families"} <= set(expected), expected
    else:
        query = "type=practice"
        expected = CARDS
    text, shown_mode = download(page, f"{serving}/find.html?{query}", fmt, tmp_path)
    assert f"kb-mode-{'api' if mode == 'service' else 'static'}" in shown_mode
    got = keys_of(fmt, text, empty_copy, tmp_path)
    assert sorted(got) == sorted(expected)
    assert len(got) == len(set(got))


@pytest.mark.parametrize("serving", ["static"], indirect=True)
def test_explore_downloads_every_entry(
    serving: str,
    built: tuple[Path, Path],
    page: Any,  # noqa: F811
    empty_copy: Path,
    tmp_path: Path,
) -> None:
    _, site = built
    everything = json.loads((site / "_downloads/cite/records.json").read_text())["records"]
    text, _ = download(page, f"{serving}/explore.html", "bibtex", tmp_path)
    assert sorted(imported_keys(text, empty_copy, tmp_path)) == sorted(everything)


def test_records_join_to_the_site_wide_exports(built: tuple[Path, Path]) -> None:
    """The references' records, joined as the browser joins them, are the site's own
    exports: RIS and CSL-JSON byte for byte, BibTeX but for the column its ``=`` signs
    align to (the writer aligns them over a whole file)."""
    _, site = built
    records = json.loads((site / "_downloads/cite/records.json").read_text())["records"]
    for fmt, name in (("bibtex", "bib"), ("ris", "ris"), ("csl-json", "json")):
        whole = (site / f"bibliography/equity-kb.{name}").read_text(encoding="utf-8")
        keys = re.findall(r'"id": "([^"]+)"', (site / "bibliography/equity-kb.json").read_text())
        joined = join_records(fmt, [records[k][fmt] for k in keys])
        if fmt == "bibtex":
            whole, joined = (re.sub(r" +=", " =", t) for t in (whole, joined))
        assert joined == whole, fmt


@pytest.mark.parametrize("serving", ["static"], indirect=True)
def test_copy_button_copies_the_apa_line(serving: str, browser: Any) -> None:  # noqa: F811
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        pg = context.new_page()
        pg.goto(f"{serving}/practices/PC-001.html")
        citation = pg.inner_text(".kb-cite-this .kb-citation")
        assert citation.startswith("KB test. (n.d.). Equity pauses in improvement meetings")
        pg.click(".kb-cite-this button.kb-copy")
        pg.wait_for_function(
            "() => document.querySelector('.kb-copy-status').textContent === 'Copied'"
        )
        assert pg.get_attribute(".kb-copy-status", "aria-live") == "polite"
        assert pg.evaluate("navigator.clipboard.readText()") == citation.strip()
    finally:
        context.close()
    # Without JavaScript: no button, and the line is still there as text.
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(f"{serving}/practices/PC-001.html")
        assert pg.locator(".kb-copy").count() == 0
        assert pg.inner_text(".kb-cite-this .kb-citation") == citation
    finally:
        context.close()
