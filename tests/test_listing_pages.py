"""Long ``kb-listing``s are paged: the authored page shows the first page, generated pages
(``practices/index-2`` ...) the rest, all linked by an accessible pager."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOTS, html
from test_browser_a11y import WCAG_AA
from test_browser_search import CHROMIUM, browser, page  # noqa: F401 (fixtures)

from equity_kb.search.layout import state_dir
from equity_kb.sphinxext.pages import listings

PAGE_SIZE = 3
SCRIPT_TITLE = "<script>alert(1)</script> Card & co"


def soup(app, name: str) -> BeautifulSoup:
    return BeautifulSoup(html(app, name), "html.parser")


def write_site(dest: Path, n_cards: int = 8) -> Path:
    """The test root with cards PC-004 onwards added (PC-006 with markup in its title)."""
    shutil.copytree(ROOTS / "test-kb", dest)
    for i in range(4, n_cards + 1):
        title = json.dumps(SCRIPT_TITLE if i == 6 else f"Card {i}")
        (dest / f"practices/PC-{i:03d}.md").write_text(
            f"---\nid: PC-{i:03d}\ntitle: {title}\ntenets: [{'data' if i % 2 else 'capacity'}]\n"
            f"focus: [discipline]\nlevels: [school]\norganization: Org {i}\nsummary: S {i}.\n"
            "---\n\n## What it is\n\nText.\n",
            encoding="utf-8",
        )
    return dest


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(listings, "LISTING_PAGE_SIZE", PAGE_SIZE)


def text(tag) -> str:
    return " ".join(tag.get_text().split())


def ids_on(app, name: str) -> list[str]:
    return [s.get_text(strip=True) for s in soup(app, name).select(".kb-entry .kb-id")]


def pager(app, name: str):
    navs = soup(app, name).select("nav.kb-pager")
    assert len(navs) == 1, name
    return navs[0]


def test_pager_numbers_keep_first_last_and_neighbours():
    assert listings.pager_numbers(1, 3) == [1, 2, 3]
    assert listings.pager_numbers(7, 25) == [1, None, 5, 6, 7, 8, 9, None, 25]
    # One left-out number is shown rather than an ellipsis standing for it.
    assert listings.pager_numbers(4, 25) == [1, 2, 3, 4, 5, 6, None, 25]
    assert listings.pager_numbers(25, 25) == [1, None, 23, 24, 25]


def test_a_long_listing_is_split_into_pages_that_hold_every_entry_once(
    kb_build, tmp_path, small_pages
):
    app = kb_build(src=write_site(tmp_path / "kb"))
    assert app.warning.getvalue() == ""
    out = Path(app.outdir)
    names = ["practices/index", "practices/index-2", "practices/index-3"]
    assert all((out / f"{n}.html").exists() for n in names)
    assert not (out / "practices/index-4.html").exists()

    per_page = [ids_on(app, n) for n in names]
    assert per_page == [
        ["PC-001", "PC-002", "PC-003"],
        ["PC-004", "PC-005", "PC-006"],
        ["PC-007", "PC-008"],
    ]
    listed = [i for ids in per_page for i in ids]
    assert listed == sorted(listed) and len(set(listed)) == len(listed) == 8

    # The authored page keeps its own text and shows the first page of the listing.
    first = soup(app, "practices/index")
    assert first.h1.get_text(strip=True).rstrip("¶") == "Cards"
    assert first.select_one(".kb-listing-status").get_text(" ", strip=True) == (
        "Showing 1 to 3 of 8 practice cards."
    )
    second = soup(app, "practices/index-2")
    assert second.h1.get_text(strip=True) == "Cards, page 2 of 3"
    assert second.title.get_text().startswith("Cards, page 2 of 3")
    assert second.select_one(".kb-listing-status").get_text(" ", strip=True) == (
        "Showing 4 to 6 of 8 practice cards."
    )
    # Faceted browsing of the same entries is one link away.
    more = second.select_one(".kb-listing .kb-more a")
    assert more["href"] == "../explore.html?type=practice"
    assert "All 8 practice cards in Explore" in more.get_text()

    # A short listing elsewhere is not paged.
    assert not (out / "briefs/index-2.html").exists()
    assert soup(app, "briefs/index").select_one("nav.kb-pager") is None


def test_the_pager_is_accessible_and_every_link_resolves(kb_build, tmp_path, small_pages):
    app = kb_build(src=write_site(tmp_path / "kb"))
    out = Path(app.outdir)
    for n, name in enumerate(["practices/index", "practices/index-2", "practices/index-3"], 1):
        nav = pager(app, name)
        assert nav["aria-label"] == "Pages of practice cards"
        current = nav.select('[aria-current="page"]')
        assert [text(a) for a in current] == [f"Page {n}"]
        numbers = [a for a in nav.select("a") if "Page" in text(a)]
        assert [text(a) for a in numbers] == ["Page 1", "Page 2", "Page 3"]
        for a in nav.select("a"):
            target = (out / name).parent / a["href"]
            assert target.resolve().is_file(), (name, a["href"])
        previous = nav.select_one('a[rel="prev"]')
        following = nav.select_one('a[rel="next"]')
        assert (previous is None) == (n == 1)
        assert (following is None) == (n == 3)
    assert pager(app, "practices/index-2").select_one('a[rel="prev"]')["href"] == "index.html"
    assert pager(app, "practices/index-2").select_one('a[rel="next"]')["href"] == "index-3.html"


def test_text_from_content_is_escaped_on_listing_pages(kb_build, tmp_path, small_pages):
    src = write_site(tmp_path / "kb")
    index = src / "practices/index.md"
    index.write_text(index.read_text().replace("title: Cards", 'title: "Cards <script>x()"'))
    app = kb_build(src=src)
    raw = html(app, "practices/index-2")
    assert "<script>alert" not in raw and "<script>x()" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Card &amp; co" in raw
    second = soup(app, "practices/index-2")
    assert SCRIPT_TITLE in [a.get_text() for a in second.select(".kb-entry-title a")]
    assert second.h1.get_text() == "Cards <script>x(), page 2 of 3"
    assert second.title.get_text().startswith("Cards <script>x(), page 2 of 3")


def test_small_listings_render_as_one_page_as_before(kb_build):
    app = kb_build()
    out = Path(app.outdir)
    for name in ("practices/index", "briefs/index"):
        listing = soup(app, name)
        assert listing.select_one("nav.kb-pager, .kb-listing, .kb-listing-status") is None
        assert listing.select_one("ul.kb-entry-list") is not None
        assert not (out / f"{name}-2.html").exists()
    assert ids_on(app, "practices/index") == ["PC-001", "PC-002", "PC-003"]


def test_several_listings_on_one_page_have_their_own_pages(kb_build, tmp_path, small_pages):
    src = write_site(tmp_path / "kb")
    (src / "lists.md").write_text(
        "---\norphan: true\ntitle: Lists\n---\n\n"
        "```{kb-listing}\n:type: practice\n```\n\n"
        "```{kb-listing}\n:type: practice\n:tenet: data\n```\n\n"
        "```{kb-listing}\n:type: practice\n```\n",
        encoding="utf-8",
    )
    app = kb_build(src=src)
    assert app.warning.getvalue() == ""
    out = Path(app.outdir)
    # Data cards: PC-001, 5, 7 (odd numbers from 4 on) -> 3, one page; all: 8 -> 3 pages.
    assert ids_on(app, "lists-2") == ["PC-004", "PC-005", "PC-006"]
    assert not (out / "lists-practice-data-2.html").exists()
    navs = soup(app, "lists").select("nav.kb-pager")
    assert len(navs) == 2  # the first and third listing (the same one) are paged
    assert [a["href"] for a in navs[0].select("a[rel=next]")] == ["lists-2.html"]

    (src / "lists.md").write_text(
        (src / "lists.md").read_text().replace(":tenet: data", ":level: school")
    )
    app = kb_build(src=src)
    # School cards: PC-002, PC-004..008 -> 2 pages, named for the listing's filters.
    assert ids_on(app, "lists-practice-school-2") == ["PC-006", "PC-007", "PC-008"]
    assert soup(app, "lists-practice-school-2").h1.get_text() == (
        "Lists: practice cards tagged School, page 2 of 2"
    )


def test_parallel_build_writes_the_same_listing_pages(kb_build, tmp_path, small_pages):
    serial = kb_build(src=write_site(tmp_path / "serial"), parallel=1)
    parallel = kb_build(src=write_site(tmp_path / "parallel"), parallel=2)
    assert parallel.warning.getvalue() == ""
    for name in ("practices/index", "practices/index-2", "practices/index-3"):
        assert str(soup(serial, name).article) == str(soup(parallel, name).article), name


def test_incremental_builds_rewrite_listing_pages_only_when_listings_change(
    kb_build, tmp_path, small_pages
):
    src = write_site(tmp_path / "kb")
    app = kb_build(src=src)
    out = Path(app.outdir)
    generated = [out / "practices/index-2.html", out / "practices/index-3.html"]
    before = {p: p.stat().st_mtime_ns for p in generated + [out / "practices/index.html"]}

    card = src / "practices/PC-005.md"
    card.write_text(card.read_text() + "\nA new paragraph in the body only.\n")
    app = kb_build(src=src, parallel=2)
    assert "A new paragraph" in html(app, "practices/PC-005")
    assert {p: p.stat().st_mtime_ns for p in before} == before

    card.write_text(card.read_text().replace('title: "Card 5"', 'title: "Renamed card"'))
    app = kb_build(src=src, parallel=2)
    assert app.warning.getvalue() == ""
    assert "Renamed card" in html(app, "practices/index-2")

    # Fewer cards, fewer pages: the pager stops at page 2.
    for i in (7, 8):
        (src / f"practices/PC-{i:03d}.md").unlink()
    app = kb_build(src=src, parallel=2)
    assert ids_on(app, "practices/index-2") == ["PC-004", "PC-005", "PC-006"]
    nav = pager(app, "practices/index-2")
    assert [text(a) for a in nav.select("a")][-1] == "Page 2"
    assert nav.select_one('a[rel="next"]') is None
    record = json.loads((state_dir(out) / "generated/listings.json").read_text())
    assert record["pages"] == ["practices/index-2"]

    # The listing removed from its page: no pages are generated for it any more.
    index = src / "practices/index.md"
    index.write_text(index.read_text().split("```{kb-listing}")[0])
    app = kb_build(src=src, parallel=2)
    assert set(app.env.get_domain("kb").data["listings"]) == {"briefs/index"}
    record = json.loads((state_dir(out) / "generated/listings.json").read_text())
    assert record["pages"] == []


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_paged_listings_have_no_wcag_aa_violations(kb_build, tmp_path, small_pages, page):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    app = kb_build(src=write_site(tmp_path / "kb"))
    found = {}
    for name in ("practices/index", "practices/index-2"):
        page.goto((Path(app.outdir) / f"{name}.html").as_uri())
        result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        violations = [
            f"{v['id']}: {v['nodes'][0]['target']}" for v in result.response["violations"]
        ]
        if violations:
            found[name] = violations
    assert found == {}
