"""One search box: every page's sidebar box goes to the knowledge base's search page
(find.html), Sphinx's own index is not built, and search.html sends old links on with
their query. Real builds of tests/roots/test-searchbox (it has a kb-search page) and of
tests/roots/test-kb (it has none, so furo's box and Sphinx's search stay)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import ROOTS, html
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)

CARD = "practices/PC-001"
SITE = "https://kb.example.org/"  # any base: the form's action is resolved against a page
SPHINX_SEARCH_FILES = [
    "searchindex.js",
    "_static/searchtools.js",
    "_static/language_data.js",
    "_static/*stemmer.js",
]
REDIRECT_SCRIPT = 'location.replace("find.html" + location.search + location.hash);'


def soup(app, name: str) -> BeautifulSoup:
    return BeautifulSoup(html(app, name), "html.parser")


def sidebar_form(app, name: str):
    forms = soup(app, name).select("form.sidebar-search-container")
    assert len(forms) == 1, forms
    return forms[0]


def present(app, names: list[str]) -> list[str]:
    out = Path(app.outdir)
    return sorted(str(p.relative_to(out)) for n in names for p in out.glob(n))


@pytest.fixture
def site(kb_build):
    return kb_build("searchbox")


def test_the_sidebar_box_submits_q_to_the_search_page(site):
    assert site.warning.getvalue() == ""
    for name, action in [(CARD, "../find.html"), ("index", "find.html"), ("find", None)]:
        form = sidebar_form(site, name)
        # On find.html itself no action (pathto says "#"): the form submits to that page.
        assert form.get("action") == action, name
        assert urljoin(SITE + name + ".html", action or "") == SITE + "find.html"
        assert form["method"] == "get" and form["role"] == "search"
        # Only the words: Sphinx's check_keywords and area would ride along to find.html.
        assert [i["name"] for i in form.select("input[name]")] == ["q"]
        box = form.select_one("input[name=q]")
        assert box["class"] == ["sidebar-search"] and box["aria-label"] == "Search"
        assert box.get("type", "text") == "text"  # furo's look: no type=search styling


def test_the_slash_shortcut_still_finds_the_box(site):
    # Sphinx's doctools.js (furo has no shortcut of its own) focuses the first
    # input[name=q] on "/" when the theme enables search shortcuts, as furo's does.
    doctools = (Path(site.outdir) / "_static/doctools.js").read_text(encoding="utf-8")
    assert 'document.querySelectorAll("input[name=q]")[0]?.focus()' in doctools
    options = (Path(site.outdir) / "_static/documentation_options.js").read_text()
    assert "ENABLE_SEARCH_SHORTCUTS: true" in options
    card = soup(site, CARD)
    first = card.select("input[name=q]")[0]
    assert "sidebar-search" in first["class"]
    assert first.find_parent("form")["action"] == "../find.html"
    assert card.select_one("script[src*='doctools.js']") is not None
    assert card.select_one("#searchbox") is not None  # where sphinx_highlight puts its link


def test_sphinx_search_is_not_built(site):
    assert present(site, SPHINX_SEARCH_FILES) == []
    out = Path(site.outdir)
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "searchindex.js" not in text and "searchtools.js" not in text, path
        assert "language_data.js" not in text, path


def test_search_html_sends_old_links_on_with_their_query(site):
    redirect = soup(site, "search")
    assert redirect.select_one("meta[name=robots]")["content"] == "noindex"
    assert redirect.select_one("meta[http-equiv]") is None  # a refresh would drop the query
    scripts = [s.get_text(strip=True) for s in redirect.select("script")]
    assert scripts == [REDIRECT_SCRIPT]
    assert [a["href"] for a in redirect.select("a")] == ["find.html"]
    # furo's rel="search" link still points at a page that exists.
    link = soup(site, CARD).select_one('link[rel="search"]')
    assert link["href"] == "../search.html"


def test_opensearch_points_at_the_redirect(kb_build):
    app = kb_build("searchbox", confoverrides={"html_use_opensearch": "https://kb.example.org"})
    xml = (Path(app.outdir) / "_static/opensearch.xml").read_text(encoding="utf-8")
    assert 'template="https://kb.example.org/search.html?q={searchTerms}"' in xml
    assert present(app, SPHINX_SEARCH_FILES) == []


def test_a_project_without_a_search_page_keeps_furos_box_and_sphinx_search(kb_build):
    app = kb_build("kb")  # test-kb has no kb-search page
    assert app.warning.getvalue() == ""
    form = sidebar_form(app, CARD)
    assert form["action"] == "../search.html"
    assert form.select_one("input[name=check_keywords]") is not None  # furo's own template
    assert "searchindex.js" in present(app, SPHINX_SEARCH_FILES)
    assert "searchindex.js" in html(app, "search")  # Sphinx's search page, not the redirect


def test_a_search_page_without_kb_search_warns_and_falls_back(kb_build):
    app = kb_build("kb", confoverrides={"kb_search_page": "explore"})  # kb-explore, not search
    warning = r"WARNING: kb_search_page = 'explore'.*no kb-search directive.*\[kb\.search-page\]"
    assert re.search(warning, app.warning.getvalue())
    assert sidebar_form(app, CARD)["action"] == "../search.html"
    assert "searchindex.js" in present(app, SPHINX_SEARCH_FILES)


def test_every_page_follows_when_the_search_page_goes(kb_build, tmp_path):
    src = tmp_path / "searchbox"
    shutil.copytree(ROOTS / "test-searchbox", src)
    app = kb_build(src=src)
    assert sidebar_form(app, CARD)["action"] == "../find.html"
    (src / "find.md").write_text("---\ntitle: Search\n---\n\nNo search here.\n")
    app = kb_build(src=src)  # only find.md changed, yet the card's box must change too
    assert "no kb-search directive" in app.warning.getvalue()
    assert sidebar_form(app, CARD)["action"] == "../search.html"
    assert "searchindex.js" in present(app, SPHINX_SEARCH_FILES)
    shutil.copy(ROOTS / "test-searchbox/find.md", src / "find.md")
    app = kb_build(src=src)
    assert sidebar_form(app, CARD)["action"] == "../find.html"
    assert present(app, SPHINX_SEARCH_FILES) == []  # the earlier build's index is gone too


def test_the_shipped_site_has_one_search_box(shipped_site):
    card = BeautifulSoup((shipped_site / "practices/PC-001.html").read_text(), "html.parser")
    assert card.select_one("form.sidebar-search-container")["action"] == "../find.html"
    assert 'id="kb-search"' in (shipped_site / "find.html").read_text()
    assert REDIRECT_SCRIPT in (shipped_site / "search.html").read_text()
    assert not (shipped_site / "searchindex.js").exists()


def query_of(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
)
def test_in_the_browser_the_box_and_old_links_land_on_find(site, page):  # noqa: F811
    def lands_on_find(q: str):
        def check(url: str) -> bool:
            path, query = query_of(url)
            return path.endswith("/find.html") and query.get("q") == [q]

        return check

    # Where the browser goes is the question here, not what the search page shows (its
    # own tests load it): find.html is answered with a stub, so no index loads.
    landed: list[str] = []

    def stub(route) -> None:
        landed.append(route.request.url)
        route.fulfill(content_type="text/html", body="<!doctype html><title>find</title>")

    page.route("**/find.html*", stub)
    with static_server(Path(site.outdir)) as base:
        page.goto(f"{base}/{CARD}.html")
        page.keyboard.press("/")  # Sphinx's shortcut focuses the sidebar box
        assert page.evaluate("document.activeElement.classList.contains('sidebar-search')")
        page.keyboard.type("equity pauses")
        page.keyboard.press("Enter")
        page.wait_for_url(lands_on_find("equity pauses"))
        assert query_of(page.url)[0] == "/find.html"

        page.goto(f"{base}/search.html?q=equity")
        page.wait_for_url(lands_on_find("equity"))
        assert query_of(page.url) == ("/find.html", {"q": ["equity"]})
        # location.replace: going back does not return to the redirect page.
        page.go_back()
        assert "/search.html" not in page.url
    assert [query_of(u) for u in landed[:2]] == [
        ("/find.html", {"q": ["equity pauses"]}),
        ("/find.html", {"q": ["equity"]}),
    ]
