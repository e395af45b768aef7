"""sphinxcontrib-bibtex's features, as its users write them, built here after the one-line
move: all its cite roles, footnote citations, ``:any:`` and MyST links to a key, a
bibliography of named .bib files, key prefixes, a citation in a section title, and a
project with no reference at all (real Sphinx builds of small projects)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from equity_kb.core.citations import FORMS
from equity_kb.sphinxext.bibliography.in_text import FORMS as IN_TEXT_FORMS

BIB = """\
@article{bowman2021,
  author = {Bowman, Alicia and Valdez, Amber and Krausen, Kelsey},
  title = {Getting better at getting more equitable},
  journal = {Journal of Tests},
  year = {2021},
}

@book{devries2019,
  author = {de Vries, Anna},
  title = {A book by a Dutch author},
  publisher = {Test Press},
  year = {2019},
}

@misc{undated,
  author = {Quill, Q.},
  title = {A page with no date},
}
"""

OTHER_BIB = """\
@misc{other2020,
  author = {Other, O.},
  title = {From the other file},
  year = {2020},
}
"""


def build(
    tmp_path: Path, pages: dict[str, str], builder: str = "html", conf: str = ""
) -> tuple[str, Path]:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "refs.bib").write_text(BIB, encoding="utf-8")
    (src / "other.bib").write_text(OTHER_BIB, encoding="utf-8")
    (src / "conf.py").write_text(
        'extensions = ["equity_kb"]\n'
        'bibtex_bibfiles = ["refs.bib", "other.bib"]\n'
        'exclude_patterns = ["_build"]\n' + conf,
        encoding="utf-8",
    )
    for name, text in pages.items():
        (src / name).write_text(textwrap.dedent(text), encoding="utf-8")
    out = tmp_path / builder
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", builder, "-q", str(src), str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stderr, out


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_the_role_names_are_sphinxcontrib_bibtexs_and_each_has_a_meaning():
    assert set(FORMS) == set(IN_TEXT_FORMS)
    assert len(set(FORMS) - {"authorspar"}) == 19


ROLES = """\
Roles
=====

p :cite:p:`bowman2021` | ps :cite:ps:`bowman2021` | alp :cite:alp:`bowman2021`
| alps :cite:alps:`bowman2021` | t :cite:t:`bowman2021` | ts :cite:ts:`bowman2021`
| ct :cite:ct:`devries2019` | cts :cite:cts:`devries2019` | label :cite:label:`bowman2021`
| labelpar :cite:labelpar:`bowman2021` | year :cite:year:`bowman2021`
| yearpar :cite:yearpar:`bowman2021` | author :cite:author:`devries2019`
| cauthor :cite:cauthor:`devries2019` | authors :cite:authors:`bowman2021`
| cauthors :cite:cauthors:`devries2019` | authorpar :cite:authorpar:`bowman2021`
| authorpars :cite:authorpars:`bowman2021` | empty [:cite:empty:`undated`]
| pre-post :cite:t:`{see}bowman2021{p. 3}` | undated :cite:p:`undated` |

.. bibliography::
"""


def test_all_cite_roles_give_their_apa_citation(tmp_path):
    stderr, out = build(tmp_path, {"index.rst": ROLES}, builder="text")
    assert "WARNING" not in stderr and "ERROR" not in stderr, stderr
    text = " ".join((out / "index.txt").read_text(encoding="utf-8").split())
    expected = {
        "p": "(Bowman et al., 2021)",
        "ps": "(Bowman, Valdez, & Krausen, 2021)",
        "alp": "Bowman et al., 2021",
        "alps": "Bowman, Valdez, & Krausen, 2021",
        "t": "Bowman et al. (2021)",
        "ts": "Bowman, Valdez, and Krausen (2021)",
        "ct": "De Vries (2019)",
        "cts": "De Vries (2019)",
        "label": "Bowman et al., 2021",
        "labelpar": "(Bowman et al., 2021)",
        "year": "2021",
        "yearpar": "(2021)",
        "author": "de Vries",
        "cauthor": "De Vries",
        "authors": "Bowman, Valdez, and Krausen",
        "cauthors": "De Vries",
        "authorpar": "(Bowman et al.)",
        "authorpars": "(Bowman, Valdez, & Krausen)",
        "empty": "[]",
        "pre-post": "see Bowman et al. (2021, p. 3)",
        "undated": "(Quill, n.d.)",
    }
    for role, citation in expected.items():
        assert f"{role} {citation} |" in text, (role, text)
    # :cite:empty: cites without showing anything: the work is listed as cited.
    assert "A page with no date" in text


FOOT = """\
Footnotes
=========

A\\ :footcite:`bowman2021` B :footcite:t:`bowman2021` C :footcite:ct:`devries2019`
D :footcite:p:`{see}devries2019{p. 3}`

.. footbibliography::

Later :footcite:ps:`undated`.

.. footbibliography::
"""


@pytest.mark.parametrize("builder", ["html", "latex", "text"])
def test_footnote_citations_are_apa_footnotes_in_every_builder(tmp_path, builder):
    stderr, out = build(tmp_path, {"index.rst": FOOT}, builder=builder)
    assert "WARNING" not in stderr and "ERROR" not in stderr, stderr
    if builder == "html":
        html = (out / "index.html").read_text(encoding="utf-8")
        notes = re.findall(r'<aside class="footnote[^"]*"[^>]*id="([^"]+)"', html)
        marks = re.findall(r'<a class="footnote-reference[^"]*" href="#([^"]+)"', html)
        assert len(notes) == 3 and set(marks) == set(notes) and len(marks) == 5
        text = text_of(html)
        assert "Bowman et al." in text and "De Vries" in text
        assert "Bowman, A., Valdez, A., &amp; Krausen, K. (2021)" in html
        assert "Quill, Q. (n.d.)" in text
    elif builder == "latex":
        tex = next(out.glob("*.tex")).read_text(encoding="utf-8")
        assert tex.count("\\begin{footnote}") + tex.count("\\footnote{") >= 3
    else:
        text = (out / "index.txt").read_text(encoding="utf-8")
        assert "B Bowman et al.[1] C De Vries[2] D see [2], p. 3" in text
        assert "Quill, Q. (n.d.)" in text


def test_any_and_myst_links_to_a_key_are_citations(tmp_path):
    pages = {
        "index.rst": """\
            Any
            ===

            :any:`bowman2021,devries2019`

            .. toctree::

               myst

            .. bibliography::
               :all:
            """,
        "myst.md": """\
            # MyST

            As [the WestEd report](bowman2021) and [](devries2019) say.
            """,
    }
    stderr, out = build(tmp_path, pages, conf='extensions.append("myst_parser")\n')
    assert "WARNING" not in stderr, stderr
    index = text_of((out / "index.html").read_text(encoding="utf-8"))
    assert "(Bowman et al., 2021; de Vries, 2019)" in index
    myst = (out / "myst.html").read_text(encoding="utf-8")
    assert re.search(r'<a [^>]*href="[^"]*#ref-bowman2021"[^>]*>.*the WestEd report', myst)
    assert "(de Vries, 2019)" in text_of(myst)


def test_a_bibliography_of_named_files_and_a_key_prefix(tmp_path):
    pages = {
        "index.rst": """\
            Files
            =====

            :cite:`tag1-bowman2021` and :cite:`other2020`.

            .. bibliography:: other.bib
               :all:

            Prefixed
            --------

            .. bibliography::
               :keyprefix: tag1-

            Missing
            -------

            .. bibliography:: nowhere.bib
            """,
    }
    stderr, out = build(tmp_path, pages)
    assert "nowhere.bib" in stderr and "index.rst:" in stderr  # a located warning
    html = (out / "index.html").read_text(encoding="utf-8")
    lists = [c.split("</ul>")[0] for c in html.split('<ul class="kb-reference-list">')[1:]]
    assert "From the other file" in lists[0] and "Getting better" not in lists[0]
    assert "Getting better" in lists[1] and "From the other file" not in lists[1]
    assert "(Bowman et al., 2021)" in text_of(html)


def test_a_citation_in_a_section_title_and_in_the_table_of_contents(tmp_path):
    pages = {
        "index.rst": """\
            Contents
            ========

            .. toctree::

               doc1

            .. bibliography::
            """,
        "doc1.rst": """\
            Doc1 :cite:`bowman2021`
            =======================

            Text.
            """,
    }
    stderr, out = build(tmp_path, pages)
    assert "WARNING" not in stderr, stderr
    assert "Doc1 (Bowman et al., 2021)" in text_of((out / "index.html").read_text())
    assert "Doc1 (Bowman et al., 2021)" in text_of((out / "doc1.html").read_text())


def test_a_project_with_no_reference_builds_at_once(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["equity_kb"]\n', encoding="utf-8")
    (src / "index.rst").write_text("Empty\n=====\n\n.. bibliography::\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,  # the static index once waited 60 s for a file it never wrote
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "index.html").exists()
