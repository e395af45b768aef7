"""A bibliography a reader can scroll: up to LANDING_MAX references, the front page shows
every entry grouped by letter, the letters a jump list; above it, the paged A-Z links."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from equity_kb.sphinxext.bibliography import references
from equity_kb.sphinxext.entries.domain import kb_domain


def page(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / name).read_text(encoding="utf-8"), "html.parser")


def test_the_front_page_lists_every_entry_by_letter(kb_build) -> None:
    app = kb_build()
    refs = kb_domain(app.env).references
    soup = page(app, "bibliography.html")
    jumps = [a["href"] for a in soup.select("nav .kb-az a")]
    sections = soup.select("section.kb-letter")
    assert jumps == [f"#{s['id']}" for s in sections] and len(sections) >= 2
    listed = [li["id"].removeprefix("all-") for li in soup.select("section.kb-letter li")]
    assert sorted(listed) == sorted(refs)  # every reference, once
    for section in sections:  # each under its own letter
        letter = section["id"].removeprefix("letter-")
        for li in section.select("li"):
            assert references.initial(refs[li["id"].removeprefix("all-")]) == letter
    first = refs[listed[0]]
    item = soup.select_one(f"#all-{first.key}")
    assert first.annotation in item.select_one(".kb-annotation").get_text()
    # Each entry leads to its annotated entry on its A-Z page, which exists.
    href = item.select_one("a.kb-ref-link")["href"]
    target, _, anchor = href.partition("#")
    assert page(app, target).select_one(f"#{anchor}") is not None


def test_a_large_bibliography_keeps_the_paged_letters(kb_build, monkeypatch) -> None:
    monkeypatch.setattr(references, "LANDING_MAX", 1)
    app = kb_build()
    soup = page(app, "bibliography.html")
    assert soup.select("section.kb-letter") == []
    links = [a["href"] for a in soup.select("nav .kb-az a")]
    assert links and all(h.startswith("bibliography/") and h.endswith(".html") for h in links)
