"""The bibliography in a real build: citations, backlinks, escaping, exports, caching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bibtexparser
import rispy
from bs4 import BeautifulSoup
from conftest import ROOTS, html


def test_citation_roles_link_to_the_annotated_reference(kb_build):
    app = kb_build()
    page = BeautifulSoup(html(app, "briefs/discipline-data"), "html.parser")
    cites = {a.get_text(): a["href"] for a in page.select("a.kb-cite")}
    assert cites == {
        "Bowman et al., 2021": "../bibliography/b.html#ref-bowman2021getting",
        "Hallett and Hawbaker (2021)": "../bibliography/h.html#ref-hallett2021",
    }
    refs = [li.get_text(" ", strip=True) for li in page.select(".kb-sources li")]
    assert len(refs) == 2 and refs[0].startswith(
        "Bowman, A., Valdez, A., Krausen, K., & Donahue, C."
    )


def test_cited_in_backlinks_and_incomplete_mark(kb_build):
    app = kb_build()
    b = BeautifulSoup(html(app, "bibliography/b"), "html.parser")
    bowman = b.select_one("#ref-bowman2021getting")
    backlinks = {a.get_text(): a["href"] for a in bowman.select(".kb-cited-in a")}
    assert backlinks == {
        "Looking at discipline data by race": "../briefs/discipline-data.html",
        "PC-001: Equity pauses in improvement meetings": "../practices/PC-001.html",
    }
    assert bowman.select_one(".kb-incomplete") is None
    h = BeautifulSoup(html(app, "bibliography/h"), "html.parser")
    hallett = h.select_one("#ref-hallett2021 .kb-incomplete").get_text(" ", strip=True)
    assert "title" in hallett and "Cited by author and year only in a test fixture." in hallett


def test_markup_in_a_title_or_annotation_is_text(kb_build):
    app = kb_build()
    raw = html(app, "bibliography/m")
    assert "<script>alert" not in raw.lower() and "<img src=x" not in raw
    ref = BeautifulSoup(raw, "html.parser").select_one("#ref-xss2020")
    # In sentence case, its first letter capitalised, as the text it is.
    assert "<Script>alert(“title”)</script>" in ref.select_one(".kb-apa").get_text()
    annotation = ref.select_one(".kb-annotation").get_text()
    assert '<script>alert("annotation")</script>' in annotation
    assert "Amélie—an accent" in annotation  # LaTeX escapes decoded


def test_exports_are_written_and_parse_back(kb_build):
    app = kb_build()
    out = Path(app.outdir, "bibliography")
    index = html(app, "bibliography")
    for name in ("equity-kb.bib", "equity-kb.ris", "equity-kb.json"):
        assert f'href="bibliography/{name}"' in index
    lib = bibtexparser.parse_string((out / "equity-kb.bib").read_text())
    assert sorted(e.key for e in lib.entries) == ["bowman2021getting", "hallett2021", "xss2020"]
    assert lib.entries[0].fields_dict["annotation"].value.startswith("Frames")
    ris = rispy.loads((out / "equity-kb.ris").read_text())
    assert len(ris) == 3
    csl = json.loads((out / "equity-kb.json").read_text())
    assert {i["id"] for i in csl} == {"bowman2021getting", "hallett2021", "xss2020"}


def test_an_unchanged_bib_is_not_parsed_again(kb_build, tmp_path, monkeypatch):
    from equity_kb.sphinxext.bibliography import references

    src = tmp_path / "kb"
    shutil.copytree(ROOTS / "test-kb", src)
    kb_build(src=src)
    calls = []
    real = references.load_bibliography
    monkeypatch.setattr(
        references, "load_bibliography", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    page = src / "briefs/families.md"
    page.write_text(page.read_text() + "\nMore text.\n")
    kb_build(src=src)
    assert calls == []
    bib = src / "refs/refs.bib"
    bib.write_text(bib.read_text().replace("Frames equity-driven", "Lays out equity-driven"))
    app = kb_build(src=src)
    assert len(calls) == 1
    assert "Lays out equity-driven" in html(app, "bibliography/b")
