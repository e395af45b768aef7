"""The site's APA 7 against citeproc-js's (Zotero's CSL processor, through Citation.js,
pinned in tools/citeproc-js), entry by entry, from the site's own CSL-JSON export, the
whole list rendered at once so that year suffixes are assigned.

The shipped bibliography must match; on the fixtures (every construct, in the layouts
Zotero, Better BibTeX and biblatex write), every difference must be one the exceptions
list explains (tools/citeproc-js/EXCEPTIONS.md: where citeproc-js is wrong by the APA
manual).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from equity_kb.core.bibtex import load_bibliography
from equity_kb.core.model import Reference
from equity_kb.core.vocabulary import Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "citeproc-js"))
import compare  # noqa: E402

pytestmark = pytest.mark.skipif(
    compare.unavailable() is not None, reason=str(compare.unavailable())
)
FIXTURES = ROOT / "tests" / "bib"
PLAIN = Vocabulary(terms={})


def _shipped() -> list[Reference]:
    vocabulary = load_vocabulary(ROOT / "docs" / "vocabulary.yml")
    return list(
        load_bibliography(sorted((ROOT / "bib").glob("*.bib")), vocabulary).references.values()
    )


def _fixtures(*names: str) -> list[Reference]:
    paths = [p for name in names for p in sorted(FIXTURES.glob(name))]
    assert paths, names
    return list(load_bibliography(paths, PLAIN).references.values())


def _explain(report: compare.Report) -> str:
    lines = [
        f"{key}\n  site:        {ours}\n  citeproc-js: {theirs}"
        for key, (ours, theirs) in report.different.items()
    ]
    lines += [
        f"{key} (in text): site {ours!r}, citeproc-js {theirs!r}"
        for key, (ours, theirs) in report.citations_different.items()
    ]
    return "\n".join(lines)


def test_the_shipped_bibliography_prints_as_citeproc_js_prints_it() -> None:
    refs = _shipped()
    report = compare.compare(refs)
    assert not report.different and not report.citations_different, _explain(report)
    assert report.total == len(refs) == len(report.citations_same)
    # Where the shipped list differs at all, it is by an exception, named here so a new
    # one is a deliberate change.
    assert {k: v for k, v in report.explained.items()} == {
        "eppinga2018whats": ["url-as-written"],
        "nahfmndongoing": ["retrieved-without-date"],
        "calleclndcomprehensive": ["retrieved-without-date"],
    }


def test_every_construct_prints_as_citeproc_js_prints_it_but_for_the_exceptions() -> None:
    refs = _fixtures("citeproc/*.bib")
    report = compare.compare(refs)
    assert not report.different and not report.citations_different, _explain(report)
    # The deliberate differences these fixtures hold, each by its APA rule; the rest match.
    assert report.explained == {
        # APA sorts "The atlas" under "atlas", citeproc-js "A zebra" under "A".
        "quill2020a": ["year-suffix-title-order"],
        "quill2020b": ["year-suffix-title-order"],
        "quill2020c": ["year-suffix-title-order"],
        "fernboard-a": ["retrieved-without-date"],
        "fernboard-b": ["retrieved-without-date"],
        "vale2018": ["hyphenated-given-names"],  # "Jae-kook": APA "J.-K.", citeproc-js "J."
    }
    assert len(report.same) == len(refs) - len(report.explained)


def test_the_layouts_zotero_better_bibtex_and_biblatex_write() -> None:
    # Every fixture written in those layouts (roles, multivolume works, macros across
    # files, EDTF dates, crossref, repeated notes, ...), as one bibliography.
    refs = _fixtures("real-layouts/*.bib", "biblatex/*.bib", "zotero/*.bib")
    report = compare.compare(refs)
    assert not report.different and not report.citations_different, _explain(report)
    assert len(refs) >= 50 and len(report.same) >= len(refs) - 6
    assert {name for used in report.explained.values() for name in used} == {
        "year-suffix-title-order",
        "open-range-present",
        "uncertain-year",
    }


def test_what_apa_prints_for_the_cases_the_issue_lists() -> None:
    # Read off the site's own output, with citeproc-js's beside it for each.
    from equity_kb.core import apa

    refs = {r.key: r for r in _fixtures("citeproc/*.bib")}
    html = apa.format_bibliography(refs.values(), parallel=False)
    text = {k: compare.canonical(v) for k, v in html.items()}
    assert text["fernboard-a"].startswith("Fernvale Regional Board. (n.d.-b). *Student placement")
    assert apa.in_text(refs["fernboard-b"]) == "(Fernvale Regional Board, n.d.-a)"
    # Title order without "A", "An", "The": Apples (a), The atlas (b), A zebra (c).
    assert text["quill2020c"].startswith("Quill, A. (2020a). *Apples and bells*")
    assert text["quill2020b"].startswith("Quill, A. (2020b). *The atlas of small schools*")
    assert apa.in_text(refs["quill2020a"]) == "(Quill, 2020c)"
    assert apa.in_text(refs["tarn2019"]) == "(B. Tarn & Wexley, 2019)"
    assert apa.in_text(refs["tarn2021"]) == "(E. Tarn, 2021)"
    assert "*6*, Article 124106" in text["tarn2021"]
    assert apa.in_text(refs["orrin2022a"]) == "(Orrin, Lund, et al., 2022)"
    assert text["vale2018"].startswith(
        "Vale, J.-K., Moss, M.-C. A., von Hale, O., & Pike, R., Jr. (2018)."
    )
    assert text["santos2017"].startswith("Santos, J. M. dos. (2017).")
    assert text["ibis2016"].startswith("Ibis, N. & Harbor Learning Lab. (2016).")
    assert "*What counts as evidence in Fernvale?* *Made-up Review" not in text["yew2015"]
    assert "What counts as evidence in Fernvale? *Made-up Review of Schools*" in text["yew2015"]
    assert "*Start now! A guide for NASA-style teams*. Test." in text["yew2014"]
    assert text["tuck2009made"].startswith("Tuck & Fen. (2009).")
    # LaTeX markup: \emph in an italic title is roman, in an article's title italic;
    # \mkbibquote as quotation marks (the period inside), \TeX and \hyphen as text.
    assert "(2008). *Reading* Beloved *in class*. Test." in text["ember2008"]
    assert "(2007). On *Brown v. Board* and “Deliberate Speed.” *Made-up" in text["fenn2007"]
    assert "*Typesetting with TeX in small-town schools*" in text["gale2006"]
