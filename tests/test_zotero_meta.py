"""What Zotero's connector reads, in real builds of tests/roots/test-kb: Highwire
``citation_*`` meta tags on a card and a brief (agreeing with the card's own CSL item and
APA line), one COinS span per reference on the bibliography pages (parsed back with
``parse_qs``), the per-card BibTeX and RIS downloads, and escaping of a title with markup."""

from __future__ import annotations

import html as htmllib
from pathlib import Path
from urllib.parse import parse_qs

import bibtexparser
import pytest
import rispy
from bs4 import BeautifulSoup
from conftest import ROOTS, BuildFn, html

from equity_kb.core.citable import entry_csl
from equity_kb.sphinxext.entries.domain import kb_domain

MARKUP_TITLE = '<b>Bold</b> & "quoted" {braces} 50% <script>alert(1)</script>'
MARKUP_CARD = f"""---
id: PC-009
title: '{MARKUP_TITLE}'
tenets: [data]
focus: [discipline]
levels: [school]
organization: A made-up test organisation
date: 2024-03-02
summary: A test card whose title holds markup.
---

## What it is

A made-up test card.
"""


@pytest.fixture
def site(kb_build: BuildFn, tmp_path: Path) -> tuple[object, Path]:
    import shutil

    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "practices" / "PC-009.md").write_text(MARKUP_CARD, encoding="utf-8")
    app = kb_build(src=src)
    return app, Path(app.outdir)


def metas(page_html: str) -> list[tuple[str, str]]:
    soup = BeautifulSoup(page_html, "html.parser")
    return [
        (m["name"], m["content"])
        for m in soup.find_all("meta")
        if str(m.get("name", "")).startswith("citation_")
    ]


def values(tags: list[tuple[str, str]], name: str) -> list[str]:
    return [v for n, v in tags if n == name]


def test_card_meta_agrees_with_its_csl_item_and_apa_line(site: tuple[object, Path]) -> None:
    app, out = site
    page = html(app, "practices/PC-009")  # type: ignore[arg-type]
    tags = metas(page)
    entry = kb_domain(app.env).entry_for("practices/PC-009")  # type: ignore[attr-defined]
    permalink = "https://kb.example.org/practices/PC-009.html"
    item = entry_csl(entry, permalink, "KB test")
    assert values(tags, "citation_title") == [item["title"]]
    assert item["title"] == f"{MARKUP_TITLE} [Practice card PC-009]"
    # The site as one name: Zotero's translator reads "KB test," as a family name alone.
    assert values(tags, "citation_author") == ["KB test,"]
    assert values(tags, "citation_publication_date") == ["2024/03/02"]
    assert values(tags, "citation_public_url") == [permalink]
    assert values(tags, "citation_keywords") == ["data", "discipline", "school"]
    # The APA line of "Cite this card" says the same title, year, author and link.
    soup = BeautifulSoup(page, "html.parser")
    apa = soup.select_one(".kb-cite-this .kb-citation")
    assert apa is not None
    assert apa.get_text().startswith("KB test. (2024, March 2). ")
    # Straight quotes typographic in the APA line, as citeproc-js prints them.
    assert apa.find("i").get_text() == item["title"].replace('"quoted"', "“quoted”")
    assert apa.find("a")["href"] == permalink


def test_card_downloads_are_linked_and_read_back(site: tuple[object, Path]) -> None:
    app, out = site
    soup = BeautifulSoup(html(app, "practices/PC-009"), "html.parser")  # type: ignore[arg-type]
    links = {a.get_text(): a["href"] for a in soup.select(".kb-cite-downloads a")}
    assert links == {
        "BibTeX": "../_downloads/cite/PC-009.bib",
        "RIS": "../_downloads/cite/PC-009.ris",
    }
    folder = out / "practices"
    bib = bibtexparser.parse_string((folder / links["BibTeX"]).read_text(encoding="utf-8"))
    assert [e.key for e in bib.entries] == ["PC-009"]
    assert bib.entries[0].entry_type == "online"
    assert bib.entries[0]["url"] == "https://kb.example.org/practices/PC-009.html"
    ris = rispy.loads((folder / links["RIS"]).read_text(encoding="utf-8"))
    assert [(r["id"], r["title"]) for r in ris] == [
        ("PC-009", f"{MARKUP_TITLE} [Practice card PC-009]")
    ]
    assert ris[0]["date"] == "2024-03-02"


def test_markup_in_a_title_is_escaped_in_the_meta_tags(site: tuple[object, Path]) -> None:
    app, _ = site
    page = html(app, "practices/PC-009")  # type: ignore[arg-type]
    head = page.split("</head>", 1)[0]
    assert "<script>alert(1)" not in head and "<b>Bold" not in head
    assert '"quoted"' not in head  # a quote would end the attribute
    assert (
        '<meta name="citation_title" content="&lt;b&gt;Bold&lt;/b&gt; &amp; &#34;quoted&#34;'
        in head
    )


def test_brief_meta_names_its_authors_date_and_publisher(site: tuple[object, Path]) -> None:
    app, _ = site
    tags = metas(html(app, "briefs/families"))  # type: ignore[arg-type]
    assert tags[:4] == [
        ("citation_title", "Partnering with families"),
        ("citation_author", "Test Author,"),  # as written, one name (never split)
        ("citation_author", "Second Author,"),
        ("citation_publication_date", "2025/05/01"),
    ]
    assert values(tags, "citation_technical_report_institution") == ["KB test"]
    assert values(tags, "citation_public_url") == ["https://kb.example.org/briefs/families.html"]
    assert values(tags, "citation_abstract") == ["Families as partners."]
    # Pages that are not entries carry none.
    assert metas(html(app, "bibliography")) == []  # type: ignore[arg-type]


def coins(page_html: str) -> dict[str, dict[str, list[str]]]:
    """Reference key -> its COinS, parsed back."""
    soup = BeautifulSoup(page_html, "html.parser")
    out = {}
    for article in soup.select("article.kb-reference"):
        spans = article.select("span.Z3988")
        assert len(spans) == 1, article
        out[article["id"].removeprefix("ref-")] = parse_qs(spans[0]["title"])
    return out


def test_each_reference_on_the_bibliography_pages_has_coins(site: tuple[object, Path]) -> None:
    app, out = site
    found: dict[str, dict[str, list[str]]] = {}
    for page in sorted((out / "bibliography").glob("*.html")):
        found.update(coins(page.read_text(encoding="utf-8")))
    assert set(found) == set(kb_domain(app.env).references)  # type: ignore[attr-defined]
    bowman = found["bowman2021getting"]  # a @techreport: an OpenURL book of genre report
    assert bowman["ctx_ver"] == ["Z39.88-2004"]
    assert bowman["rft_val_fmt"] == ["info:ofi/fmt:kev:mtx:book"]
    assert bowman["rft.genre"] == ["report"]
    assert bowman["rft.btitle"] == ["Getting better at getting more equitable"]
    assert bowman["rft.au"] == [
        "Bowman, Alicia",
        "Valdez, Amber",
        "Krausen, Kelsey",
        "Donahue, Corey",
    ]
    assert bowman["rft.aulast"] == ["Bowman"] and bowman["rft.pub"] == ["WestEd"]
    assert bowman["rft.date"] == ["2021"]
    xss = found["xss2020"]  # markup in a title stays text, in Dublin Core form
    assert xss["rft_val_fmt"] == ["info:ofi/fmt:kev:mtx:dc"]
    # The title as the site prints it (sentence case: its first letter capitalised).
    assert xss["rft.title"] == ['<Script>alert("title")</script> and <img src=x onerror=alert(1)>']
    assert xss["rft.creator"] == ["Mallory, M."]
    page = (out / "bibliography" / "m.html").read_text(encoding="utf-8")
    span = page[page.index('<span class="Z3988"') :].split("</span>", 1)[0]
    assert "<script" not in htmllib.unescape(span.split('title="', 1)[1]).lower()  # url-encoded
