"""What a card rests on: the evidence box from its sources, and the kind of evidence as a
search facet for references and cards alike. Counts only; nothing is rated."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import BuildFn, html
from test_browser_search import CHROMIUM, browser, page, static_server  # noqa: F401 (fixtures)
from test_search_fixtures import search_page

from equity_kb.core.bibtex.load import load_bibliography
from equity_kb.core.evidence_summary import evidence_kinds, summarize_evidence
from equity_kb.core.model import Practice
from equity_kb.core.vocabulary import load_vocabulary
from equity_kb.search.documents import facet_labels, search_document
from equity_kb.search.static_index import static_record, write_static_index

STATIC = Path(__file__).resolve().parents[1] / "src" / "equity_kb" / "sphinxext" / "static"

REPO = Path(__file__).resolve().parents[1]

# Made-up test references: two qualitative studies of different years, one mixed, one
# without a kind or a title, one without a kind or a year (both incomplete).
BIB = r"""
@article{alpha2015,
  author = {Alpha, A.}, title = {A first study}, journal = {J. Tests}, year = {2015},
  annotation = {Test.}, tenets = {data}, evidence = {qualitative},
}
@article{beta2019,
  author = {Beta, B.}, title = {A second study}, journal = {J. Tests}, year = {2019},
  annotation = {Test.}, tenets = {data}, evidence = {qualitative},
}
@techreport{gamma2021,
  author = {Gamma, G.}, title = {A report}, institution = {Tests Inc.}, year = {2021},
  annotation = {Test.}, tenets = {data}, evidence = {mixed},
}
@article{delta2018,
  author = {Delta, D.}, year = {2018},
  annotation = {Test.}, tenets = {data}, provenance = {Known only by author and year.},
}
@misc{epsilon,
  author = {Epsilon, E.}, title = {An undated note},
  annotation = {Test.}, tenets = {data},
}
"""


def references(tmp_path: Path) -> tuple[dict, object]:
    vocab = load_vocabulary(REPO / "docs" / "vocabulary.yml")
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    result = load_bibliography([bib], vocab)
    return dict(result.references), vocab


def card(*keys: str) -> Practice:
    return Practice(key="PC-900", title="A test card", tenets=("data",), evidence=keys)


def test_summary_counts_kinds_years_and_incomplete(tmp_path: Path) -> None:
    refs, vocab = references(tmp_path)
    keys = ("gamma2021", "alpha2015", "delta2018", "beta2019", "epsilon", "nosuch", "alpha2015")
    s = summarize_evidence(card(*keys), refs, vocab.ids("evidence"))
    assert s.count == 5  # each key once; the unknown one is not a source
    # In the vocabulary's order (qualitative before mixed), not the card's.
    assert s.kinds == (("qualitative", 2), ("mixed", 1))
    assert s.no_kind == 2
    assert (s.first_year, s.last_year, s.undated) == (2015, 2021, 1)
    assert s.incomplete == ("delta2018", "epsilon")  # no title; no year
    assert s.unknown == ("nosuch",)
    assert evidence_kinds(card(*keys), refs) == ["mixed", "qualitative"]


def test_a_card_without_sources(tmp_path: Path) -> None:
    refs, vocab = references(tmp_path)
    s = summarize_evidence(card(), refs, vocab.ids("evidence"))
    assert (s.count, s.kinds, s.first_year, s.incomplete, s.unknown) == (0, (), None, (), ())


def test_evidence_is_one_facet_for_references_and_cards(tmp_path: Path) -> None:
    refs, vocab = references(tmp_path)
    ref_doc = search_document(refs["gamma2021"], body="", url="bibliography.html#ref-gamma2021")
    assert ref_doc["evidence"] == ["mixed"]
    assert search_document(refs["delta2018"], body="", url="b.html")["evidence"] == []
    c = card("alpha2015", "gamma2021", "beta2019")
    doc = search_document(c, body="", url="practices/PC-900.html", evidence=evidence_kinds(c, refs))
    assert doc["evidence"] == ["qualitative", "mixed"]
    assert static_record(doc)["filters"]["evidence"] == ["qualitative", "mixed"]
    assert (
        "evidence" not in static_record(search_document(card(), body="", url="p.html"))["filters"]
    )
    assert facet_labels(vocab)["evidence"]["mixed"] == "Mixed methods"


def test_the_box_on_a_built_card(kb_build: BuildFn, tmp_path: Path) -> None:
    src = tmp_path / "kb"
    kb_build()  # copies the root to src
    card_page = src / "practices" / "PC-002.md"
    text = card_page.read_text(encoding="utf-8")
    card_page.write_text(
        text.replace(
            "organization:", "evidence: [xss2020, bowman2021getting, hallett2021]\norganization:"
        ),
        encoding="utf-8",
    )
    app = kb_build(freshenv=True)
    soup = BeautifulSoup(html(app, "practices/PC-002"), "html.parser")
    box = soup.select_one(".kb-entry-header .kb-evidence")
    assert box is not None and box.h2.get_text() == "What this card rests on"
    assert box.select_one(".kb-evidence-count").get_text() == "3 in the bibliography"
    assert box.select_one(".kb-evidence-kinds").get_text() == "Mixed methods (1); 2 not recorded"
    assert box.select_one(".kb-evidence-years").get_text() == "2020\u20132021"
    incomplete = box.select_one(".kb-evidence-incomplete")
    assert incomplete.get_text(" ", strip=True).startswith("1 of 3 missing core details")
    assert "Hallett" in incomplete.get_text()
    assert incomplete.a["href"].endswith("#ref-hallett2021")
    assert box.find("script") is None and box.find("img") is None
    # Nothing rated: the box holds counts and names, no score or strength.
    assert not any(w in box.get_text().lower() for w in ("strong", "score", "rating", "weak"))
    none = BeautifulSoup(html(app, "practices/PC-003"), "html.parser").select_one(".kb-evidence")
    assert none is not None and none.get_text(" ", strip=True).endswith("lists no sources yet.")


@pytest.fixture(scope="module")
def evidence_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A search page over references and cards with kinds of evidence (the static index
    is written before the browser starts: Pagefind's API runs its own event loop)."""
    tmp = tmp_path_factory.mktemp("evidence")
    refs, vocab = references(tmp)
    cards = {
        "PC-901": ("alpha2015", "gamma2021"),
        "PC-902": ("beta2019",),
        "PC-903": ("delta2018",),
    }
    docs = [search_document(r, body="", url=f"b.html#ref-{k}") for k, r in refs.items()]
    for key, keys in cards.items():
        c = Practice(key=key, title=f"Card {key}", tenets=("data",), evidence=keys)
        kinds = evidence_kinds(c, refs)
        docs.append(search_document(c, body="", url=f"{key}.html", evidence=kinds))
    site = tmp / "site"
    (site / "_static").mkdir(parents=True)
    for name in ("search_static.js", "search.js", "search.css"):
        shutil.copy(STATIC / name, site / "_static" / name)
    write_static_index(site, [static_record(d) for d in docs])
    (site / "search.html").write_text(search_page(facet_labels(vocab)), encoding="utf-8")
    return site


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_the_evidence_facet_in_the_static_search(evidence_site: Path, page: Any) -> None:  # noqa: F811
    with static_server(evidence_site) as base:
        page.goto(f"{base}/search.html?evidence=qualitative")
        page.wait_for_selector(".kb-hit")
        legend = page.locator(".kb-facet-evidence legend")
        assert legend.inner_text() == "Kind of evidence"
        # Two qualitative references and the two cards resting on one of them.
        assert sorted(page.locator(".kb-hit-title").all_inner_texts()) == [
            "A first study",
            "A second study",
            "Card PC-901",
            "Card PC-902",
        ]
        assert page.inner_text("label[for=kb-f-evidence-qualitative]") == "Qualitative (4)"
        # Counted over the other facets' result: mixed is one reference and one card.
        assert page.inner_text("label[for=kb-f-evidence-mixed]") == "Mixed methods (2)"
        page.check("#kb-f-type-practice")
        page.wait_for_function("document.querySelectorAll('.kb-hit').length === 2")
        link = page.locator(".kb-print-these-link")
        assert "cards=PC-901,PC-902" in (link.get_attribute("href") or "")
