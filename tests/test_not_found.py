"""A 404 page that offers search (sphinx-notfound-page), with links from the site's root
(the path of html_baseurl), served with status 404 by the service for a dead link."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
from bs4 import BeautifulSoup
from test_service_public import start_service, stop

from equity_kb.search.layout import index_dir

ROOT = Path(__file__).parent / "roots" / "test-searchbox"


def build(kb_build, tmp_path: Path, base: str):
    src = tmp_path / "site"
    shutil.copytree(ROOT, src)
    return kb_build(src=src, confoverrides={"html_baseurl": base})


def test_the_404_page_links_from_the_sites_root(kb_build, tmp_path: Path) -> None:
    app = build(kb_build, tmp_path, "https://org.example.io/kb/")
    assert app.warning.getvalue() == ""
    soup = BeautifulSoup((Path(app.outdir) / "404.html").read_text(encoding="utf-8"), "html.parser")
    form = soup.select_one("form.kb-notfound-search")
    assert form["action"] == "/kb/find.html" and form.select_one("input")["name"] == "q"
    assert soup.select_one('label[for="kb-notfound-q"]').get_text() == "Search the knowledge base"
    assert soup.find("a", string="Go to the home page")["href"] == "/kb/"
    styles = [link["href"] for link in soup.select('link[rel="stylesheet"]')]
    assert styles and all(href.startswith("/kb/_static/") for href in styles)


def test_a_dead_link_gets_the_404_page_with_search(kb_build, tmp_path: Path) -> None:
    app = build(kb_build, tmp_path, "https://kb.example.org/")
    site = Path(app.outdir)
    service = start_service(site, index_dir(site), tmp_path)
    try:
        r = httpx.get(service.base + "/practices/PC-404.html", timeout=10)
        assert r.status_code == 404
        soup = BeautifulSoup(r.text, "html.parser")
        assert soup.select_one("form.kb-notfound-search")["action"] == "/find.html"
        # The search it offers works: the form's query lands on the search page.
        page = httpx.get(service.base + "/find.html", params={"q": "equity"}, timeout=10)
        assert page.status_code == 200 and 'id="kb-search"' in page.text
    finally:
        stop(service)
