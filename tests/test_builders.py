"""Every Sphinx builder on the shipped docs, as a new user runs them: each exits 0 with
no warning under -W; in dirhtml and singlehtml every link lands on a file and an anchor
that exist; the EPUB passes epubcheck; the PDF holds every card with its facts, evidence
box and "Cite this card" line, the annotated bibliography, and links that work."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
BUILDERS = ("html", "dirhtml", "singlehtml", "epub", "latex", "text", "gettext", "man")
EPUBCHECK = Path("/usr/share/java/epubcheck.jar")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return {"root": (tmp_path_factory.mktemp("builders"), "")}


def build(builds: dict[str, tuple[Path, str]], builder: str) -> tuple[Path, str]:
    """The shipped docs built once per builder, strict: -W --keep-going."""
    if builder not in builds:
        root = builds["root"][0]
        out = root / builder
        run = subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", builder, "-E", "-W", "--keep-going",
             "-d", str(root / f"{builder}-doctrees"), "-c", str(REPO), str(DOCS), str(out)],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-4000:]
        builds[builder] = (out, run.stderr)
    return builds[builder]


@pytest.mark.parametrize("builder", BUILDERS)
def test_every_builder_builds_the_shipped_docs_without_a_warning(builds, builder):
    out, stderr = build(builds, builder)
    assert "WARNING" not in stderr and "ERROR" not in stderr, stderr
    assert any(out.iterdir())


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("name"):
            self.ids.add(str(a["name"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))


def parse(path: Path, cache: dict[Path, Links]) -> Links:
    if path not in cache:
        links = Links()
        links.feed(path.read_text(encoding="utf-8"))
        cache[path] = links
    return cache[path]


def broken_links(site: Path) -> tuple[int, list[str]]:
    """Every relative link of every page: its file must exist, and its anchor in it."""
    cache: dict[Path, Links] = {}
    checked, broken = 0, []
    for page in sorted(site.rglob("*.html")):
        if "_static" in page.parts:
            continue
        for href in parse(page, cache).hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            checked += 1
            if parts.path.startswith("/"):
                target = site / unquote(parts.path).lstrip("/")
            else:
                target = (page.parent / unquote(parts.path)) if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {href} (no file)")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in parse(target, cache).ids:
                broken.append(f"{page.relative_to(site)}: {href} (no anchor)")
    return checked, broken


@pytest.mark.parametrize("builder", ["dirhtml", "singlehtml", "html"])
def test_every_link_of_an_html_build_lands_on_a_file_and_anchor_that_exist(builds, builder):
    out, _ = build(builds, builder)
    checked, broken = broken_links(out)
    assert checked > 100
    assert broken == []


def test_dirhtml_citations_reach_the_bibliography_entry(builds):
    out, _ = build(builds, "dirhtml")
    page = (out / "briefs" / "theory-of-change" / "index.html").read_text(encoding="utf-8")
    cites = re.findall(r'class="[^"]*kb-cite[^"]*"[^>]*href="([^"]+)"', page) + re.findall(
        r'href="([^"]+)"[^>]*class="[^"]*kb-cite[^"]*"', page
    )
    assert cites and all("/bibliography/" in c and ".html" not in c for c in cites), cites


def test_singlehtml_holds_every_card_and_the_whole_bibliography(builds):
    out, _ = build(builds, "singlehtml")
    page = (out / "index.html").read_text(encoding="utf-8")
    cards = sorted(p.stem for p in (DOCS / "practices").glob("PC-*.md"))
    for card in cards:
        assert f'id="document-practices/{card}"' in page
    keys = set(re.findall(r'id="ref-([^"]+)"', page))
    bib = "".join(p.read_text(encoding="utf-8") for p in (REPO / "bib").glob("*.bib"))
    assert keys == set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M))
    assert "Cite this card" in page and "What this card rests on" in page


def test_a_book_keeps_what_the_website_shows_of_a_card(builds):
    """The text builder stands for every book: the card's facts, evidence, sources and
    citation line are there as text, not dropped with the website's HTML."""
    out, _ = build(builds, "text")
    text = (out / "practices" / "PC-001.txt").read_text(encoding="utf-8")
    for words in ("Card", "PC-001", "What this card rests on", "Sources", "Cite this card"):
        assert words in text
    assert "Equity KB. (" in text  # the card's own APA line
    home = (out / "index.txt").read_text(encoding="utf-8")
    assert "By the gap map" in home and "practice card" in home  # ways and tenet counts


@pytest.mark.skipif(not EPUBCHECK.exists(), reason="needs Debian's epubcheck (.ci/run installs it)")
def test_the_epub_is_valid_for_epubcheck(builds):
    out, _ = build(builds, "epub")
    epub = next(out.glob("*.epub"))
    java = shutil.which("java")
    assert java, "epubcheck needs Java"
    run = subprocess.run(
        [java, "-jar", str(EPUBCHECK), str(epub)], capture_output=True, text=True, check=False
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "0 fatals / 0 errors / 0 warnings" in report, report


LATEX_TOOLS = ("xelatex", "latexmk")


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in LATEX_TOOLS),
    reason="needs Debian's TeX Live with xelatex and latexmk (.ci/run installs them)",
)
def test_the_pdf_holds_the_cards_briefs_and_annotated_bibliography_with_working_links(builds):
    from pypdf import PdfReader

    out, _ = build(builds, "latex")
    run = subprocess.run(
        ["make", "-C", str(out), "all-pdf", "LATEXMKOPTS=-quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    reader = PdfReader(out / "equity-kb.pdf")
    pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    assert len(pages) > 40
    text = " ".join(pages)
    for card in sorted(p.stem for p in (DOCS / "practices").glob("PC-*.md")):
        assert card in text
    for words in ("What this card rests on", "Cite this card", "Permalink", "Research brief"):
        assert words in text
    # The bibliography in APA, each with its annotation and key.
    assert "Bryk, A. S., & Schneider, B. L. (2002). Trust in schools" in text
    assert "Key bryk2002trust." in text
    # Internal links (citations to the bibliography, cards in listings) go somewhere.
    targets = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") == "/Link" and (a.get("/Dest") or a.get("/A", {}).get("/D")):
                targets.append(a)
    assert len(targets) > 200
    bibliography_pages = {i for i, p in enumerate(pages) if "Key bryk2002trust." in p}
    dests = {reader.get_destination_page_number(d) for d in reader.named_destinations.values()}
    assert bibliography_pages & dests
