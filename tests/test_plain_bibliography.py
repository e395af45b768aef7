"""A plain bibliography is lenient: with no vocabulary configured (no tenets), what
sphinxcontrib-bibtex accepts builds without a warning, and an entry warns of a missing
field exactly when BibTeX's plain style (pybtex's, which sphinxcontrib-bibtex formats
with) cannot do without it. With the shipped vocabulary the knowledge base's own rules
still apply."""

from __future__ import annotations

from pathlib import Path

import pytest

from equity_kb.core.bibtex import load_bibliography
from equity_kb.core.bibtex.rules import PLAIN_FIELDS
from equity_kb.core.vocabulary import Vocabulary, load_vocabulary

REPO = Path(__file__).resolve().parents[1]
PLAIN = Vocabulary(terms={})
SHIPPED = load_vocabulary(REPO / "docs" / "vocabulary.yml")

UNDATED_MISC = "@misc{software_2015,\n  title = {Some Software},\n  howpublished = {GitHub},\n}\n"
ARTICLE_NO_YEAR = (
    "@article{testkey,\n  author = {Some Author},\n  title = {The Title},\n"
    "  journal = {The Journal},\n}\n"
)


def load(tmp_path: Path, text: str, vocabulary: Vocabulary = PLAIN):
    bib = tmp_path / "refs.bib"
    bib.write_text(text, encoding="utf-8")
    return load_bibliography([bib], vocabulary)


def test_a_misc_without_year_or_author_is_no_problem(tmp_path: Path) -> None:
    result = load(tmp_path, UNDATED_MISC)
    assert result.problems == []
    ref = result.references["software_2015"]
    assert ref.issued is None and not ref.incomplete


def test_an_article_without_year_is_a_located_missing_field(tmp_path: Path) -> None:
    result = load(tmp_path, "\n" + UNDATED_MISC + "\n" + ARTICLE_NO_YEAR)
    [problem] = result.problems
    assert (problem.code, Path(problem.path).name, problem.line) == ("missing_field", "refs.bib", 7)
    assert problem.severity == "error"
    assert "@article 'testkey' is missing 'year'" in problem.message
    assert "(n.d.)" in problem.message
    assert result.references["testkey"].missing == ("year",)


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        (
            "@book{k,\n  title = {T},\n  publisher = {P},\n  year = {2000},\n}\n",
            "'author' or 'editor'",
        ),
        ("@unpublished{k,\n  author = {A, B},\n  title = {T},\n}\n", "'note'"),
        (
            "@techreport{k,\n  author = {A, B},\n  title = {T},\n  year = {2000},\n}\n",
            "'institution'",
        ),
        (
            "@inproceedings{k,\n  author = {A, B},\n  title = {T},\n  year = {2000},\n}\n",
            "'booktitle'",
        ),
    ],
)
def test_what_bibtex_plain_style_needs_is_named(tmp_path: Path, entry: str, named: str) -> None:
    [problem] = load(tmp_path, entry).problems
    assert problem.code == "missing_field" and problem.line == 1
    assert f"is missing {named}," in problem.message


@pytest.mark.parametrize(
    "entry",
    [
        "@book{k,\n  editor = {A, B},\n  title = {T},\n  publisher = {P},\n  year = {2000},\n}\n",
        "@article{k,\n  author = {A, B},\n  title = {T},\n  journaltitle = {J},\n"
        "  date = {2020},\n}\n",
        "@manual{k,\n  title = {T},\n}\n",
        "@unpublished{k,\n  author = {A, B},\n  title = {T},\n  note = {Draft},\n}\n",
        "@online{k,\n  url = {https://example.org},\n}\n",
        "@software{k,\n  title = {T},\n}\n",
        "@report{k,\n  title = {T},\n}\n",  # no pybtex template: nothing asked
    ],
)
def test_what_bibtex_plain_style_does_without_builds_silently(tmp_path: Path, entry: str) -> None:
    assert load(tmp_path, entry).problems == []


def test_every_type_with_rules_is_one_pybtex_formats() -> None:
    pybtex = pytest.importorskip("pybtex.style.formatting.unsrt")
    for bibtype in PLAIN_FIELDS:
        assert hasattr(pybtex.Style, f"get_{bibtype}_template"), bibtype


def test_a_crossref_child_warns_as_sphinxcontrib_bibtex_does(tmp_path: Path) -> None:
    # sphinxcontrib-bibtex's root test-bibfiles_crossref: pybtex reads an entry's own names
    # and fields only, and warns "missing editor in srivastava+klassen_2016_functionala".
    result = load(
        tmp_path,
        "@inbook{chapter,\n  crossref = {whole},\n  title = {A Chapter},\n"
        "  pages = {73--123},\n}\n\n"
        "@book{whole,\n  title = {The Book},\n  author = {Srivastava, Anuj},\n"
        "  editor = {Bicke, Peter},\n  year = {2016},\n  publisher = {Springer},\n}\n",
    )
    [problem] = result.problems
    assert (problem.code, problem.line) == ("missing_field", 1)
    assert "'author' or 'editor', 'publisher' and 'year'" in problem.message
    assert "crossref 'whole'" in problem.message
    chapter = result.references["chapter"]
    assert chapter.issued == 2016 and not chapter.incomplete  # APA has them from the parent


def test_the_other_checks_stay(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        "@misc{a,\n  title = {T},\n  year = {20x1},\n}\n\n"
        "@misc{a,\n  title = {U},\n}\n\n"
        "@misc{b,\n  title = {V},\n  date = {2021-13-45},\n}\n",
    )
    assert [(p.code, p.line) for p in result.problems] == [
        ("bad_year", 3),
        ("duplicate_key", 6),
        ("bad_date", 12),
    ]


def test_the_knowledge_bases_own_entries_keep_their_rules(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        "@misc{undated,\n  author = {Doe, Jo},\n  title = {T},\n"
        "  annotation = {What it adds.},\n  tenets = {data},\n}\n",
        SHIPPED,
    )
    [problem] = [p for p in result.problems if p.code == "missing_field"]
    assert problem.line == 1
    assert problem.message.startswith(
        "@misc 'undated' is missing 'year': add it, or, if the source does not give it, add a "
        "provenance field"
    )
    assert result.references["undated"].missing == ("year",)


def write_project(src: Path, bib: str) -> Path:
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["equity_kb"]\nbibtex_bibfiles = ["refs.bib"]\n', encoding="utf-8"
    )
    (src / "refs.bib").write_text(bib, encoding="utf-8")
    (src / "index.rst").write_text(
        "Readings\n========\n\nSee :cite:`software_2015`.\n\n.. bibliography::\n   :all:\n",
        encoding="utf-8",
    )
    return src


def test_an_undated_misc_builds_without_warning_and_shows_nd(kb_build, tmp_path: Path) -> None:
    app = kb_build(src=write_project(tmp_path / "plain", UNDATED_MISC))
    assert app.warning.getvalue() == ""
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "n.d." in html
    assert "Some Software" in html


def test_an_article_without_year_warns_at_its_line(kb_build, tmp_path: Path) -> None:
    src = write_project(tmp_path / "article", UNDATED_MISC + "\n" + ARTICLE_NO_YEAR)
    app = kb_build(src=src)
    warnings = [w for w in app.warning.getvalue().splitlines() if "WARNING" in w]
    assert len(warnings) == 1, warnings
    assert f"{src / 'refs.bib'}:6: WARNING: @article 'testkey' is missing 'year'" in warnings[0]
    assert "(n.d.)" in warnings[0] and "[kb.missing_field]" in warnings[0]
