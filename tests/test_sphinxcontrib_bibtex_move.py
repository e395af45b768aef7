"""A project written for sphinxcontrib-bibtex moves here by changing its extensions line.

``tests/roots/test-scbibtex`` is such a project: MyST pages citing with ``{cite}``,
``{cite:t}``, ``{cite:p}`` with pre- and post-text, the starred and author/year forms,
a local ``{bibliography}`` with ``:filter: docname in docnames`` and a global one with a
filter on ``docnames``; ``bibtex_bibfiles`` names its file; there is no vocabulary.
It builds with sphinxcontrib-bibtex with no warning (so it is a real one), and after
the one-line change, with this extension, with no warning either.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).parent / "roots" / "test-scbibtex"


def copy_root(tmp_path: Path, name: str) -> Path:
    src = tmp_path / name
    shutil.copytree(ROOT, src)
    return src


def moved_conf(src: Path) -> tuple[str, str]:
    before = (src / "conf.py").read_text(encoding="utf-8")
    after = before.replace('"sphinxcontrib.bibtex"', '"equity_kb"')
    (src / "conf.py").write_text(after, encoding="utf-8")
    return before, after


def body(app, page: str) -> BeautifulSoup:
    html = (Path(app.outdir) / f"{page}.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser").select_one("div.body")


def text(app, page: str) -> str:
    return " ".join(body(app, page).get_text("").split())


def listed(app, page: str) -> list[str]:
    return [li["id"].removeprefix("reading-") for li in body(app, page).select("li[id]")]


def test_the_root_is_a_working_sphinxcontrib_bibtex_project(kb_build, tmp_path: Path) -> None:
    pytest.importorskip("sphinxcontrib.bibtex")
    app = kb_build(src=copy_root(tmp_path, "before"))
    assert app.warning.getvalue() == ""
    # sphinxcontrib-bibtex's own rendering of the same roles, in its brackets.
    assert "then read Okafor et al. [2019] and [see Hill and Moreno, 2020, p. 12]" in text(
        app, "session-1"
    )


def test_one_changed_line_moves_it_here_with_no_warning(kb_build, tmp_path: Path) -> None:
    src = copy_root(tmp_path, "after")
    before, after = moved_conf(src)
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        '-extensions = ["myst_parser", "sphinxcontrib.bibtex"]',
        '+extensions = ["myst_parser", "equity_kb"]',
    ]
    app = kb_build(src=src)
    assert app.warning.getvalue() == ""

    one = text(app, "session-1")
    # Each role as sphinxcontrib-bibtex's author_year style means it, written as APA 7.
    assert "We started from (Hill & Moreno, 2020)" in one
    assert "then read Okafor et al. (2019) and (see Hill & Moreno, 2020, p. 12)" in one
    assert "compared Okafor, Brandt, and Sato (2019)" in one  # cite:ts, every author
    assert "edited volume by Chen (2018)" in one  # cite:author, then cite:year in brackets
    # cite:ps, two keys, in reference-list order (APA 7 8.12, as citeproc-js sorts them)
    assert "noted (Chen, 2018; Okafor, Brandt, & Sato, 2019)" in one
    two = text(app, "session-2")
    assert "A chapter, (Ruiz, 2018), from Chen (2018)" in two
    assert "its note (Test Valley School District)" in two  # cite:authorpar

    # The local list: what this page cites; the global one: its filter on docnames.
    assert sorted(listed(app, "session-1")) == ["chen2018", "hill2020", "okafor2019"]
    assert sorted(listed(app, "references")) == ["district2022", "ruiz2018chapter"]
    assert "Never Cited Here" not in text(app, "references")
    # Plain bibliography (no vocabulary): the entries' links say "Entry", not "Annotation".
    links = body(app, "references").select("li[id] a.kb-ref-link")
    assert sorted(a.get_text("") for a in links) == [
        "Entry for district2022",
        "Entry for ruiz2018chapter",
    ]
    # Every citation link lands on an entry that exists in the built site.
    out = Path(app.outdir)
    for page in ("session-1", "session-2", "references"):
        for a in body(app, page).select("a.kb-cite"):
            target, _, anchor = a["href"].partition("#")
            html = (out / page).parent.joinpath(target).resolve().read_text(encoding="utf-8")
            assert f'id="{anchor}"' in html, (page, a["href"])
