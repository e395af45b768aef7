"""Links that preview: a card's page carries Open Graph tags (sphinxext-opengraph) with its
ID, title and summary, a brief's its title and summary, each at its permalink, escaped."""

from __future__ import annotations

import shutil
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).parent / "roots" / "test-kb"
CARD = """\
---
id: PC-004
title: 'Panels & "forums" <b>for</b> students'
organization: Test District
date: 2025-01-01
tenets: [practice]
focus: [discipline]
levels: [school]
evidence: [bowman2021getting]
summary: 'Students say what works; staff listen & act <script>alert(1)</script>.'
---

## What

A made-up card for the link preview test.
"""


def og(page: Path) -> dict[str, str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {m["property"]: m["content"] for m in soup.select('meta[property^="og:"]')}


def test_a_card_and_a_brief_preview_with_their_own_words(kb_build, tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    (src / "practices" / "PC-004.md").write_text(CARD, encoding="utf-8")
    app = kb_build(src=src)
    out = Path(app.outdir)
    card = og(out / "practices" / "PC-004.html")
    assert card["og:title"] == 'PC-004: Panels & "forums" <b>for</b> students'
    assert card["og:description"] == (
        "Students say what works; staff listen & act <script>alert(1)</script>."
    )
    assert card["og:url"] == "https://kb.example.org/practices/PC-004.html"
    # A card is a web page of the site (Zotero saves it as one, with the site's name).
    assert card["og:type"] == "website" and card["og:site_name"] == "KB test"
    # The markup stays text: no tag made of it anywhere in the page's head.
    head = (out / "practices" / "PC-004.html").read_text(encoding="utf-8").split("</head>")[0]
    assert "<script>alert(1)" not in head and "<b>for</b>" not in head
    # The same permalink as "Cite this card".
    footer = BeautifulSoup((out / "practices" / "PC-004.html").read_text(), "html.parser")
    assert "https://kb.example.org/practices/PC-004.html" in footer.get_text()
    brief = og(out / "briefs" / "families.html")
    assert brief["og:title"] == "Partnering with families"
    assert brief["og:description"] == "Families as partners."
    # A page that is not an entry keeps the extension's own description of it.
    assert og(out / "index.html")["og:title"]
