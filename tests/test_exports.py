"""BibTeX, RIS and CSL-JSON exports: they parse back to the same references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rispy

from equity_kb.core import exports
from equity_kb.core.bibtex import clear_cache, load_bibliography
from equity_kb.core.model import Reference
from equity_kb.core.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "tests" / "bib"
VOCABULARY = load_vocabulary(ROOT / "docs" / "vocabulary.yml")
FIXTURES = ["good.bib", "bad.bib", "xss.bib"]


@pytest.fixture(scope="module")
def refs() -> dict[str, Reference]:
    clear_cache()
    return load_bibliography([BIB / n for n in FIXTURES], VOCABULARY).references


def test_bibtex_round_trip(refs: dict[str, Reference], tmp_path: Path) -> None:
    path = tmp_path / "export.bib"
    path.write_text(exports.to_bibtex(refs.values()), encoding="utf-8")
    again = load_bibliography([path], VOCABULARY).references
    assert list(again) == list(refs)
    for key, ref in refs.items():
        back = again[key]
        assert back.bibtype == ref.bibtype, key
        assert back.raw_fields == ref.raw_fields, key
        assert back.fields == ref.fields, key
        assert (back.persons, back.editors, back.issued) == (ref.persons, ref.editors, ref.issued)
        assert (back.annotation, back.provenance) == (ref.annotation, ref.provenance), key
        assert (back.tenets, back.focus, back.levels) == (ref.tenets, ref.focus, ref.levels), key


def test_bibtex_keeps_latex_and_month_macros(refs: dict[str, Reference]) -> None:
    text = exports.to_bibtex([refs["bowman2021getting"], refs["mendez2020tracking"]])
    assert text.startswith("@techreport{bowman2021getting,\n")
    lines = [line.split(" = ", 1) for line in text.splitlines() if " = " in line]
    values = {name.strip(): value for name, value in lines}
    assert values["month"] == "apr,"  # the macro, not the literal text {apr}
    assert values["institution"] == "{WestEd},"  # the @string resolved
    assert values["title"].startswith(r"{Tracking {\&} Detracking -- ``Opening''")
    assert values["provenance"] == "{The report's title page.},"


def test_ris_parses_back_with_rispy(refs: dict[str, Reference]) -> None:
    records = rispy.loads(exports.to_ris(refs.values()))
    assert [r["id"] for r in records] == list(refs)
    by_id = {r["id"]: r for r in records}
    types = {k: by_id[k]["type_of_reference"] for k in refs}
    assert types["bowman2021getting"] == "RPRT"
    assert types["mendez2020tracking"] == "JOUR"
    assert types["lee2017chapter"] == "CHAP"
    assert types["doe2018voice"] == "THES"
    assert types["psesd2019racial"] == "ELEC"  # misc with a web address
    assert types["hallett2021"] == "GEN"
    assert types["unknowntype2022"] == "GEN"
    article = by_id["mendez2020tracking"]
    assert article["authors"] == ["Méndez, José", "van der Berg, Jan", "Nuñez, Ana"]
    assert article["title"] == "Tracking & Detracking – “Opening” Advanced Courses"
    assert article["secondary_title"] == "Journal of Equity & Schools"
    assert (article["start_page"], article["end_page"]) == ("101", "120")
    assert (article["year"], article["doi"], article["volume"]) == (
        "2020",
        "10.1000/jes.2020.12",
        "12",
    )
    assert article["notes"][0] == refs["mendez2020tracking"].annotation
    assert article["keywords"] == ["practice", "detracking", "school", "district"]
    assert by_id["psesd2019racial"]["authors"] == ["Puget Sound Educational Service District"]
    assert by_id["psesd2019racial"]["urls"] == ["https://example.org/policy?id=1010&v=2"]
    assert by_id["lee2017chapter"]["secondary_authors"] == ["Big, Edna"]
    assert by_id["bowman2021getting"]["publisher"] == "WestEd"


def test_csl_json_is_plain_data_zotero_can_import(refs: dict[str, Reference]) -> None:
    items = json.loads(exports.to_csl_json(refs.values()))
    assert isinstance(items, list) and [i["id"] for i in items] == list(refs)
    by_id = {i["id"]: i for i in items}
    assert all(isinstance(i["type"], str) and i["type"] for i in items)
    report = by_id["bowman2021getting"]
    assert report["type"] == "report"
    assert report["author"][0] == {"family": "Bowman", "given": "Alicia"}
    assert report["issued"] == {"date-parts": [[2021, 4]]}
    assert by_id["psesd2019racial"]["author"] == [
        {"literal": "Puget Sound Educational Service District"}
    ]
    assert by_id["mendez2020tracking"]["DOI"] == "10.1000/jes.2020.12"
    # Data, not HTML: nothing escaped.
    # The title as the site prints it (sentence case), as plain text.
    assert by_id["xss2024"]["title"].startswith("<Script>alert(1)</script> research & practice")
    # Not known, left out: no date for a malformed year, no title where none is given.
    assert "issued" not in by_id["badyear2020"] and "title" not in by_id["hallett2021"]


def test_every_export_format_is_offered_by_the_build_and_the_command() -> None:
    # The command keeps its --format choices literal (so --help does not load the
    # writers' libraries) and the build names a file per format: all three must agree.
    import argparse

    from equity_kb.cli.main import build_parser
    from equity_kb.sphinxext.bibliography.references import EXPORTS

    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    fmt = next(a for a in commands.choices["export"]._actions if a.dest == "format")
    assert fmt.choices is not None
    assert list(fmt.choices) == list(exports.WRITERS) == list(EXPORTS)
