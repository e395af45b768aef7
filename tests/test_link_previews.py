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


# A build in its own interpreter, reporting whether matplotlib was imported: the test
# process has imported sphinxext-opengraph (and its social cards) long before.
_BUILD_AND_REPORT = """
import sys
from sphinx.cmd.build import main
code = main(["-q", "-b", "html", *sys.argv[1:]])
print("matplotlib" in sys.modules, code)
"""


def _build_reporting(src: Path, out: Path, *overrides: str) -> tuple[bool, int]:
    import subprocess
    import sys

    args = [sys.executable, "-c", _BUILD_AND_REPORT, *overrides, str(src), str(out)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    imported, code = done.stdout.split()[-2:]
    return imported == "True", int(code)


def test_social_cards_off_means_no_matplotlib_at_start_up(tmp_path: Path) -> None:
    """sphinxext-opengraph imports matplotlib whenever it is installed (0.27 s of each
    build's start-up) though its cards are off here unless a project asks for them."""
    import pytest

    pytest.importorskip("matplotlib", reason="the cards need matplotlib (dev extra)")
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    imported, code = _build_reporting(src, tmp_path / "out")
    assert code == 0 and not imported
    # The tags are all there without it.
    assert og(tmp_path / "out" / "practices" / "PC-001.html")["og:title"].startswith("PC-001")


def test_social_cards_still_work_when_a_project_turns_them_on(tmp_path: Path) -> None:
    import pytest

    pytest.importorskip("matplotlib", reason="the cards need matplotlib (dev extra)")
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    (src / "conf.py").write_text(
        (src / "conf.py").read_text() + 'ogp_social_cards = {"enable": True}\n'
    )
    imported, code = _build_reporting(src, tmp_path / "out")
    assert code == 0 and imported
    tags = og(tmp_path / "out" / "practices" / "PC-001.html")
    assert "social_previews" in tags["og:image"]
    image = tmp_path / "out" / tags["og:image"].split("kb.example.org/")[1]
    assert image.is_file() and image.stat().st_size > 1000
