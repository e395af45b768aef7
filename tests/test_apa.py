"""APA 7 references and in-text citations: right text, safe HTML, cached."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from equity_kb import apa
from equity_kb.bibliography import clear_cache, load_bibliography
from equity_kb.model import Reference
from equity_kb.vocabulary import load_vocabulary

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
        "Bowman, A., Valdez, A., Krausen, K., &amp; Donahue, C. (2021). <i>Getting Better at "
        "Getting More Equitable: Addressing Racial Inequities in Education Using Equity-Driven "
        "Continuous Improvement</i>. WestEd."
    )


def test_article_with_doi_and_non_ascii(html: dict[str, str]) -> None:
    doi = "https://doi.org/10.1000/jes.2020.12"
    assert html["mendez2020tracking"] == (
        "Méndez, J., van der Berg, J., &amp; Nuñez, A. (2020). Tracking &amp; Detracking – "
        "“Opening” Advanced Courses. <i>Journal of Equity &amp; Schools</i>, <i>12</i>(3), "
        f'101–120. <a href="{doi}">{doi}</a>'
    )


def test_author_and_year_only(html: dict[str, str]) -> None:
    assert html["hallett2021"] == "Hallett, R. (2021)."


def test_organisation_chapter_and_thesis(html: dict[str, str]) -> None:
    url = "https://example.org/policy?id=1010&amp;v=2"
    assert html["psesd2019racial"] == (
        "Puget Sound Educational Service District. (2019). <i>Racial Equity Policy</i>. "
        f'<a href="{url}">{url}</a>'
    )
    assert html["lee2017chapter"] == (
        "Lee, K., &amp; Park, S. (2017). Learning Across Schools. In E. Big (Ed.), <i>The "
        "Handbook of Improvement</i> (pp. 1–20). Routledge."
    )
    assert html["doe2018voice"] == (
        "Doe, J. (2018). <i>Student Voice in Equity Teams</i> [Doctoral dissertation]. "
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
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "Research &amp; Practice" in out and "&amp;amp;" not in out
    assert "équité — don’t" in out
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
    no_year = Reference(key="k", title="T", tenets=("data",), persons=(("Hallett", "R."),))
    assert apa.in_text(no_year) == "(Hallett, n.d.)"
    assert apa.in_text(no_year, narrative=True) == "Hallett (n.d.)"
    report = {"id": "r", "type": "report", "title": "Toward lasting change: Supporting offices"}
    assert apa.csl_in_text(report) == "(Toward lasting change, n.d.)"
    article = {
        "id": "a",
        "type": "article-journal",
        "title": "Equity pauses",
        "issued": {"date-parts": [[2020]]},
    }
    assert apa.csl_in_text(article) == "(“Equity pauses,” 2020)"


def test_in_text_agrees_with_citeproc(refs: dict[str, Reference]) -> None:
    # in_text is derived from the CSL data; citeproc's own citation is the reference.
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    authored = [r for r in refs.values() if r.persons and "<" not in r.persons[0][0]]
    items = [dict(apa.to_csl(r), id=f"i{n}") for n, r in enumerate(authored)]
    bib = CitationStylesBibliography(apa._style(), CiteProcJSON(items), formatter.plain)
    citations = [Citation([CitationItem(item["id"])]) for item in items]
    for citation in citations:
        bib.register(citation)
    for ref, citation in zip(authored, citations, strict=True):
        assert apa.in_text(ref) == str(bib.cite(citation, lambda item: None)), ref.key


# ---------------------------------------------------------------- CSL data


def test_to_csl(refs: dict[str, Reference]) -> None:
    article = apa.to_csl(refs["mendez2020tracking"])
    assert article["type"] == "article-journal"
    assert article["author"][0] == {"family": "Méndez", "given": "José"}
    assert article["container-title"] == "Journal of Equity & Schools"  # plain text, not HTML
    assert (article["volume"], article["issue"], article["page"]) == ("12", "3", "101–120")
    assert article["DOI"] == "10.1000/jes.2020.12"
    assert article["issued"] == {"date-parts": [[2020]]}
    report = apa.to_csl(refs["bowman2021getting"])
    assert (report["type"], report["publisher"]) == ("report", "WestEd")
    assert report["issued"] == {"date-parts": [[2021, 4]]}
    assert report["annote"].startswith("A report on")
    org = apa.to_csl(refs["psesd2019racial"])
    assert org["author"] == [{"literal": "Puget Sound Educational Service District"}]
    assert (org["type"], org["URL"]) == ("webpage", "https://example.org/policy?id=1010&v=2")
    assert apa.to_csl(refs["doe2018voice"])["genre"] == "Doctoral dissertation"
    assert "title" not in apa.to_csl(refs["hallett2021"])  # not known: left out


# ---------------------------------------------------------------- speed and caching


def test_the_memoised_style_renders_exactly_like_stock_citeproc(refs: dict[str, Reference]) -> None:
    items = [apa._escaped(apa.to_csl(r), f"i{n}") for n, r in enumerate(refs.values())]
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
    assert "<i>A New Title</i>" in again["doe2018voice"]


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
