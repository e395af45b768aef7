"""Citation previews in a real build of tests/roots/test-kb with one more page: each page
carries one hidden preview (APA line and annotation) per reference it cites, escaped,
and every citation link is described by its reference's preview."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import html
from test_cite_syntax import build_with_page

from equity_kb.sphinxext.entries.domain import kb_domain

# bowman2021getting is cited twice, in two forms; xss2020 has markup in its title and
# annotation (tests/roots/test-kb/refs/refs.bib); nosuchkey2020 is not in the bibliography.
PAGE = """\
# Previews

Teams that look at data {cite:p}`bowman2021getting` see more, as
{cite:t}`bowman2021getting{p. 4}` and {cite:p}`hallett2021, xss2020` found; a
{cite:p}`nosuchkey2020` has no preview.
"""
KEYS = ["bowman2021getting", "hallett2021", "xss2020"]


def soup_of(app, page: str) -> BeautifulSoup:
    return BeautifulSoup(html(app, page), "html.parser")


def key_of(href: str) -> str:
    return href.rsplit("#ref-", 1)[1]


def test_a_page_has_one_preview_per_cited_reference(kb_build, tmp_path: Path) -> None:
    app = build_with_page(kb_build, tmp_path, "previews", PAGE)
    warnings = app.warning.getvalue()
    assert "nosuchkey2020" in warnings
    assert len(warnings.strip().splitlines()) == 1, warnings  # the unknown key only
    soup = soup_of(app, "previews")
    (container,) = soup.select(".kb-cite-previews")
    previews = container.select(".kb-cite-preview")
    assert [p["id"] for p in previews] == [f"kb-preview-{k}" for k in KEYS]
    for preview in previews:
        assert preview.has_attr("hidden") and preview["role"] == "tooltip"
    links = soup.select("a.kb-cite")
    assert [key_of(a["href"]) for a in links] == ["bowman2021getting", *KEYS]
    for link in links:
        assert link["aria-describedby"] == f"kb-preview-{key_of(link['href'])}"
    # The unknown key is plain text: no link, nothing describing it.
    assert soup.select_one(".kb-cite-unknown").get_text() == "nosuchkey2020"


def test_a_preview_shows_the_bibliographys_apa_line_and_the_annotation(
    kb_build, tmp_path: Path
) -> None:
    app = build_with_page(kb_build, tmp_path, "previews", PAGE)
    soup = soup_of(app, "previews")
    refs = kb_domain(app.env).references
    for key in KEYS:
        preview = soup.select_one(f"#kb-preview-{key}")
        link = soup.select_one(f'a.kb-cite[href$="#ref-{key}"]')
        page = link["href"].split(".html")[0]  # bibliography/b.html#ref-KEY: its entry's page
        entry = soup_of(app, page).select_one(f"#ref-{key}-cite")
        # The same APA HTML as the bibliography's entry: formatted once, reused.
        apa = preview.select_one(".kb-cite-preview-apa")
        assert apa.decode_contents() == entry.decode_contents()
        assert preview.select_one(".kb-cite-preview-note").get_text() == refs[key].annotation
    bowman = soup.select_one("#kb-preview-bowman2021getting").get_text(" ", strip=True)
    assert re.sub(r"\s+", " ", bowman) == (
        "Bowman, A., Valdez, A., Krausen, K., & Donahue, C. (2021). Getting better at "
        "getting more equitable . WestEd. Frames equity-driven continuous improvement."
    )


def test_markup_in_a_title_or_annotation_stays_text(kb_build, tmp_path: Path) -> None:
    app = build_with_page(kb_build, tmp_path, "previews", PAGE)
    raw = html(app, "previews")
    assert "<script>alert" not in raw.lower() and "<img src=x" not in raw
    preview = soup_of(app, "previews").select_one("#kb-preview-xss2020")
    assert preview.select("script, img") == []
    apa = preview.select_one(".kb-cite-preview-apa").get_text()
    assert "<Script>alert(“title”)</script> and <img src=x onerror=alert(1)>" in apa
    note = preview.select_one(".kb-cite-preview-note").get_text()
    assert note == (
        'An annotation with <script>alert("annotation")</script> in it, and Amélie—an accent.'
    )


def test_only_pages_that_cite_carry_previews_and_their_script(kb_build, tmp_path: Path) -> None:
    app = build_with_page(kb_build, tmp_path, "previews", PAGE)
    citing = soup_of(app, "previews")
    script = citing.select_one('script[src*="cite_preview.js"]')
    assert script is not None and script.has_attr("defer")
    assert citing.select_one('link[href*="cite_preview.css"]') is not None
    assert (Path(app.outdir) / "_static" / "cite_preview.js").is_file()
    for page in ("index", "bibliography", "bibliography/b"):
        other = soup_of(app, page)
        assert other.select(".kb-cite-previews, .kb-cite-preview") == [], page
        assert "cite_preview" not in str(other.head), page


def test_an_edited_annotation_reaches_the_preview_on_an_incremental_build(
    kb_build, tmp_path: Path
) -> None:
    app = build_with_page(kb_build, tmp_path, "previews", PAGE)
    bib = Path(app.srcdir) / "refs" / "refs.bib"
    old = "Inhabited institutionalism, known here only by author and year."
    bib.write_text(bib.read_text(encoding="utf-8").replace(old, "A changed note."), "utf-8")
    app = kb_build(src=Path(app.srcdir))
    note = soup_of(app, "previews").select_one("#kb-preview-hallett2021 .kb-cite-preview-note")
    assert note.get_text() == "A changed note."
