"""A real Sphinx build of a small test root gives a correct site."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import html


def soup(app, page: str) -> BeautifulSoup:
    return BeautifulSoup(html(app, page), "html.parser")


def test_builds_without_warnings(kb_build):
    app = kb_build()
    assert app.warning.getvalue() == ""


def test_home_shows_each_tenet_with_live_counts(kb_build):
    app = kb_build()
    cards = {
        c.h3.get_text(strip=True): c.select_one(".kb-counts").get_text(" ", strip=True)
        for c in soup(app, "index").select(".kb-tenet-card")
    }
    # By hand from the root: data = PC-001, discipline-data brief, bowman2021getting.
    assert cards["Race-conscious data use"] == "1 practice card, 1 brief, 1 reference"
    assert cards["Everyday practice"] == "2 practice cards, 1 brief, 0 references"
    assert cards["Team capacity"] == "1 practice card, 0 briefs, 2 references"
    assert len(cards) == 4


def test_tenet_and_focus_pages_list_their_entries(kb_build):
    app = kb_build()
    data = soup(app, "tenets/data")
    assert data.h1.get_text(strip=True) == "Race-conscious data use"
    titles = [a.get_text(strip=True) for a in data.select(".kb-entry-title a")]
    assert titles == [
        "Equity pauses in improvement meetings",
        "Looking at discipline data by race",
        "Getting better at getting more equitable",
    ]
    links = [a["href"] for a in data.select(".kb-entry-title a")]
    assert links[0] == "../practices/PC-001.html"
    assert links[2].startswith("../bibliography/b.html#ref-bowman2021getting")
    literacy = soup(app, "focus/early-literacy")
    assert [a.get_text(strip=True) for a in literacy.select(".kb-entry-title a")] == [
        "Family literacy nights"
    ]
    assert (Path(app.outdir) / "levels/classroom.html").exists()


def test_card_page_layout_badges_and_citation(kb_build):
    app = kb_build()
    page = soup(app, "practices/PC-001")
    header = page.select_one(".kb-entry-header")
    facts = header.select_one(".kb-facts").get_text(" ", strip=True)
    assert "PC-001" in facts
    assert "Santa Clara County Office of Education" in facts
    assert "District" in facts
    assert (
        header.select_one(".kb-summary-lead").get_text(strip=True) == "Stop and ask who benefits."
    )
    badges = {a.get_text(" ", strip=True): a["href"] for a in header.select("a.kb-badge")}
    assert badges == {
        "tenet: Race-conscious data use": "../tenets/data.html",
        "tenet: Collective learning": "../tenets/collective-learning.html",
        "focus area: Discipline disproportionality": "../focus/discipline.html",
        "level: District": "../levels/district.html",
    }
    assert all(f"kb-badge-{k}" in str(header) for k in ("tenets", "focus", "levels"))
    cite = page.select_one(".kb-cite-this .kb-citation").get_text(" ", strip=True)
    assert "Equity pauses in improvement meetings [Practice card PC-001]" in cite
    assert "https://kb.example.org/practices/PC-001.html" in cite
    sources = page.select(".kb-sources li")
    assert len(sources) == 1 and "Bowman" in sources[0].get_text()


def test_print_stylesheet_is_linked_for_print_only(kb_build):
    app = kb_build()
    link = soup(app, "practices/PC-001").find("link", href=re.compile("equity_kb_print.css"))
    assert link is not None and link["media"] == "print"
    css = (Path(app.outdir) / "_static/equity_kb_print.css").read_text()
    assert ".sidebar-drawer" in css and "display: none" in css


def test_listing_pages_and_brief_header(kb_build):
    app = kb_build()
    cards = [
        a.get_text(strip=True) for a in soup(app, "practices/index").select(".kb-entry-title a")
    ]
    assert cards == [
        "Equity pauses in improvement meetings",
        "Student voice panels",
        "Family literacy nights",
    ]
    brief = soup(app, "briefs/discipline-data")
    facts = brief.select_one(".kb-facts")
    assert "Test Author, 15 January 2026" in facts.get_text(" ", strip=True)  # one way
    assert facts.time["datetime"] == "2026-01-15"
    text = " ".join(brief.select_one("article").get_text().split())
    assert "(Bowman et al., 2021)" in text
    assert "Hallett and Hawbaker (2021)" in text  # APA 7: "and" in running text


def test_long_listings_are_split_so_no_page_grows_without_bound(kb_build, monkeypatch):
    from equity_kb.sphinxext.bibliography import references
    from equity_kb.sphinxext.pages import directives as pages

    monkeypatch.setattr(pages, "TERM_PAGE_LIMIT", 1)
    monkeypatch.setattr(references, "PAGE_SIZE", 1)
    app = kb_build()
    practice = soup(app, "tenets/practice")
    assert len(practice.select("#practices .kb-entry")) == 1
    more = practice.select_one("#practices .kb-more a")
    assert more["href"] == "../explore.html?tenet=practice&type=practice"
    assert "All 2 practice cards" in more.get_text()
    assert practice.select_one("#briefs .kb-more") is None  # one brief: nothing more to see


def test_references_page_by_family_name_and_split_long_letters(monkeypatch):
    from equity_kb.core.model import Person, Reference
    from equity_kb.sphinxext.bibliography import references

    def ref(key, family, given):
        return Reference(key=key, title="T", tenets=("data",), persons=(Person(family, given),))

    monkeypatch.setattr(references, "PAGE_SIZE", 2)
    refs = [
        ref("wu", "Wu", "Anna"),
        ref("adams", "Adams", "Zoe"),
        ref("wang", "Wang", "Zed"),
        ref("walker", "Walker", "Bo"),
    ]
    assert references.assign_pages(refs) == {
        "adams": "bibliography/a",
        "walker": "bibliography/w",
        "wang": "bibliography/w",
        "wu": "bibliography/w-2",
    }
