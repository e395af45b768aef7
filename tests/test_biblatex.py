"""The BibLaTeX data model as Zotero and Better BibTeX write it: extended names, EDTF
dates, every entry type, crossref and xdata, repeated annote fields, and the field names
BibLaTeX uses. Fixtures in tests/bib/biblatex/ are written by hand in each tool's layout,
with made-up data."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from equity_kb.core import dates
from equity_kb.core.apa import format_bibliography, format_csl_item, in_text
from equity_kb.core.bibtex import CORE_FIELDS, clear_cache, load_bibliography
from equity_kb.core.csl import CSL_TYPES, to_csl
from equity_kb.core.exports import to_bibtex
from equity_kb.core.model import Person
from equity_kb.core.vocabulary import load_vocabulary

HERE = Path(__file__).parent
FIXTURES = HERE / "bib" / "biblatex"
VOCABULARY = load_vocabulary(HERE / "roots" / "test-kb" / "vocabulary.yml")


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    clear_cache()


def load(*paths: Path):
    return load_bibliography(list(paths), VOCABULARY)


@pytest.fixture(scope="module")
def bbt():
    clear_cache()
    return load(FIXTURES / "betterbibtex.bib", FIXTURES / "zotero.bib")


@pytest.fixture(scope="module")
def apa(bbt) -> dict[str, str]:
    html = format_bibliography(bbt.references.values(), parallel=False)
    return {k: BeautifulSoup(v, "html.parser").get_text() for k, v in html.items()}


def test_valid_biblatex_is_read_without_a_single_error(bbt) -> None:
    # Every entry but the @xdata and the @set becomes a reference; the @set is a note.
    assert len(bbt.references) == 19
    assert [(p.code, p.severity) for p in bbt.problems] == [("not_a_work", "note")]
    assert "testpress" not in bbt.references and "readingset" not in bbt.references


def test_extended_names_and_suffixes(bbt, apa) -> None:
    ref = bbt.references["santos2021data"]
    assert ref.persons == (
        Person("Santos", "Joao Miguel Oliveira", "dos"),  # useprefix=false: kept apart
        Person("van Gogh", "Vera"),  # useprefix=true: part of the family name
        Person("King", "Martin Test", "", "Jr."),
    )
    assert apa["santos2021data"].startswith(
        "Santos, J. M. O. dos, van Gogh, V., & King, M. T., Jr."
    )
    assert in_text(ref) == "(Santos et al., 2021)"
    assert ref.authors[0] == "Joao Miguel Oliveira dos Santos"


def test_a_malformed_extended_name_is_a_located_error(tmp_path: Path) -> None:
    bib = tmp_path / "x.bib"
    bib.write_text(
        "@book{a,\n  author = {family=Doe, givne=Jane},\n  title = {T},\n  publisher = {P},\n"
        "  date = {2020},\n  annotation = {A.},\n  tenets = {data},\n}\n",
        encoding="utf-8",
    )
    result = load(bib)
    assert [(p.code, p.line) for p in result.problems] == [("bad_name", 2)]
    assert "family=..., given=..." in result.problems[0].message
    assert result.references["a"].persons == (Person("Doe"),)


# What APA prints for each date form (the closing note quotes this table).
DATE_FORMS = [
    ("santos2021data", "2021-10-11", "(2021)."),  # a journal article: the year only
    ("ames2021news", "2021-05-04", "(2021, May 4)."),  # a newspaper: the full date
    ("lee2021talk", "2021-10-11/2021-10-15", "(2021, October 11–15)."),
    ("ward2022blog", "2022-03/2022-05", "(2022, March–May)."),
    ("ngata2017book", "2017/2019", "(2017–2019)."),
    ("gomez2022data", "2022/..", "(2022–present)."),
    ("kb2020tool", "2020~", "(ca. 2020)."),
    ("park2019video", "2019?", "(2019?)."),
    ("district2023report", "2023-21", "(2023)."),  # a season, on a report: the year
    ("ross2021podcast", "2021-07-09", "(2021, July 9)."),
    ("hill_made-up_2020", None, "(2020)."),  # year and month = mar, Zotero's way
]


@pytest.mark.parametrize(("key", "written", "shown"), DATE_FORMS)
def test_each_date_form_as_apa_shows_it(
    bbt, apa, key: str, written: str | None, shown: str
) -> None:
    ref = bbt.references[key]
    assert ref.fields.get("date") == written
    assert shown in apa[key]
    assert apa[key].count("(") == apa[key].count(")")


@pytest.mark.parametrize(
    ("text", "csl_type", "apa"),
    [
        ("2021-10-30/2021-11-02", "paper-conference", "2021, October 30–November 2"),
        ("2021-12-30/2022-01-02", "paper-conference", "2021, December 30–2022, January 2"),
        ("2021-12-30/2022-01-02", "book", "2021–2022"),
        ("2021-21", "article-magazine", "2021, Spring"),
        ("2023-01-11T14:59:09Z", "webpage", "2023, January 11"),
        ("2023-01-11T14:59:09+02:00", "webpage", "2023, January 11"),
        ("../2021", "book", "–2021"),
        ("2021%", "book", "ca. 2021?"),
    ],
)
def test_more_date_forms(text: str, csl_type: str, apa: str) -> None:
    date = dates.parse_date(text)
    assert dates.apa_text(date, csl_type) == apa
    item = {"id": "d", "type": csl_type, "title": "T", "author": [{"family": "A", "given": "B"}]}
    item["issued"] = dates.to_csl(date)
    assert f"({apa})" in BeautifulSoup(format_csl_item(item), "html.parser").get_text()
    assert dates.from_csl(item["issued"]) == date  # CSL-JSON keeps everything


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("199X", "unspecified digits"),
        ("2021-13", "months are 01 to 12"),
        ("2021-02-29", "February 2021 has 28 days"),
        ("2021-10-15/2021-10-11", "ends before it starts"),
        ("-0044", "before 1 CE"),
        ("2004-06~-11", "EDTF level 2"),
        ("last spring", "is not a date"),
        ("2021/2022/2023", "more than one '/'"),
    ],
)
def test_unsupported_dates_are_located_messages(tmp_path: Path, text: str, says: str) -> None:
    bib = tmp_path / "d.bib"
    bib.write_text(
        "@misc{d,\n  author = {Doe, Jo},\n  title = {T},\n  annotation = {A.},\n"
        f"  tenets = {{data}},\n  date = {{{text}}},\n  urldate = {{{text}}},\n}}\n",
        encoding="utf-8",
    )
    result = load(bib)
    assert [(p.code, p.line) for p in result.problems] == [("bad_date", 6), ("bad_date", 7)]
    assert says in result.problems[0].message
    assert "d" in result.references  # the entry stays, with no year (n.d.)
    assert result.references["d"].issued is None


def test_every_entry_type_is_known_and_formats_as_what_it_is(bbt, apa) -> None:
    assert set(CORE_FIELDS) - {"custom" + c for c in "abcdef"} <= set(CSL_TYPES)
    assert "(Version 2.1) [Computer software]" in apa["kb2020tool"]
    assert "[Video recording]" in apa["park2019video"]
    assert "(Patent No. US0000001)" in apa["oduya2018patent"]
    assert "[Dataset]" in apa["gomez2022data"]
    assert "[Audio recording]" in apa["ross2021podcast"]
    assert "[Doctoral dissertation]. Test University." in apa["rowe2020thesis"]
    assert "In Test encyclopedia of schools. Test Press." in apa["bell2018entry"]
    assert to_csl(bbt.references["ames2021news"])["type"] == "article-newspaper"
    assert to_csl(bbt.references["hart2019volume"])["type"] == "book"


def test_an_unknown_type_is_checked_as_misc_with_a_hint(tmp_path: Path) -> None:
    bib = tmp_path / "t.bib"
    bib.write_text(
        "@sofware{t,\n  author = {Doe, Jo},\n  title = {T},\n  date = {2020},\n"
        "  annotation = {A.},\n  tenets = {data},\n}\n",
        encoding="utf-8",
    )
    result = load(bib)
    assert [(p.code, p.line) for p in result.problems] == [("unknown_type", 1)]
    assert "did you mean @software?" in result.problems[0].message


def test_biblatex_field_names(bbt, apa) -> None:
    santos = to_csl(bbt.references["santos2021data"])
    assert santos["container-title"] == "Test Journal of Equity"  # journaltitle
    assert santos["language"] == "english"  # langid
    assert santos["accessed"] == {"date-parts": [[2023, 1, 11]]}  # urldate, time dropped
    assert to_csl(bbt.references["hart2019volume"])["publisher-place"] == "Seattle"  # location
    assert to_csl(bbt.references["rowe2020thesis"])["publisher"] == "Test University"
    chu = to_csl(bbt.references["chu2020preprint"])
    assert chu["URL"] == "https://arxiv.org/abs/0000.00001"  # eprint + eprinttype
    assert "https://arxiv.org/abs/0000.00001" in apa["chu2020preprint"]
    hill = to_csl(bbt.references["hill_made-up_2020"])
    assert hill["issued"] == {"date-parts": [[2020, 3]]}
    assert hill["publisher-place" if "publisher-place" in hill else "container-title"]


def test_crossref_inherits_as_biblatex_does(bbt, apa) -> None:
    chapter = bbt.references["mora2019chapter"]
    assert chapter.fields["booktitle"] == "A Made-up Edited Volume"  # the parent's title
    assert chapter.fields["booksubtitle"] == "Test Chapters"
    assert "subtitle" not in chapter.fields and chapter.title == "A Made-up Chapter"
    assert chapter.editors == (Person("Hart", "Jo"),) and chapter.issued == 2019
    assert chapter.annotation.startswith("A chapter")  # our fields are its own
    assert chapter.tenets == ("practice",)
    assert apa["mora2019chapter"] == (
        "Mora, I. (2019). A made-up chapter. In J. Hart (Ed.), A made-up edited volume: "
        "Test chapters (pp. 45–67). Test Press."
    )
    # Written back as it was written: the crossref, not the parent's fields.
    assert set(chapter.raw_fields) == {
        "title",
        "author",
        "crossref",
        "pages",
        "annotation",
        "tenets",
    }
    book = bbt.references["ngata2017book"]
    assert (book.fields["publisher"], book.fields["location"]) == ("Test Press", "Olympia")


def test_crossref_across_files_and_its_mistakes(tmp_path: Path) -> None:
    parent = tmp_path / "a.bib"
    child = tmp_path / "b.bib"
    parent.write_text(
        "@proceedings{conf,\n  title = {Test Proceedings},\n  date = {2020},\n"
        "  publisher = {P},\n  annotation = {A.},\n  tenets = {data},\n}\n",
        encoding="utf-8",
    )
    child.write_text(
        "@inproceedings{talk,\n  author = {Doe, Jo},\n  title = {Talk},\n  crossref = {CONF},\n"
        "  annotation = {A.},\n  tenets = {data},\n}\n\n"
        "@inproceedings{lost,\n  author = {Doe, Jo},\n  title = {Lost},\n  crossref = {nope},\n"
        "  annotation = {A.},\n  tenets = {data},\n}\n\n"
        "@misc{loop1,\n  crossref = {loop2},\n  author = {Doe, Jo},\n  title = {L1},\n"
        "  date = {2020},\n  annotation = {A.},\n  tenets = {data},\n}\n"
        "@misc{loop2,\n  crossref = {loop1},\n  author = {Doe, Jo},\n  title = {L2},\n"
        "  date = {2020},\n  annotation = {A.},\n  tenets = {data},\n}\n",
        encoding="utf-8",
    )
    result = load(parent, child)
    talk = result.references["talk"]
    assert (talk.fields["booktitle"], talk.issued) == ("Test Proceedings", 2020)
    found = [(p.code, Path(p.path).name, p.line) for p in result.problems]
    assert ("bad_crossref", "b.bib", 12) in found  # 'nope' names no entry
    assert ("missing_field", "b.bib", 9) in found  # and so it lacks a booktitle and a year
    loops = [p for p in result.problems if "loop" in p.message]
    assert [(p.line, Path(p.path).name) for p in loops] == [(18, "b.bib"), (26, "b.bib")]
    assert {"loop1", "loop2", "lost"} <= set(result.references)  # nothing is dropped


def test_repeated_annote_fields_are_joined_and_read_as_the_annotation(bbt, tmp_path: Path) -> None:
    hill = bbt.references["hill_made-up_2020"]
    assert hill.annotation == (
        "First note: read for the data session.\n\nSecond note: compare with the district report."
    )
    assert hill.summary == "First note: read for the data session."
    assert not [p for p in bbt.problems if p.code == "duplicate_field"]
    # An export keeps both notes (as one field) and reads back the same.
    again = tmp_bib(tmp_path, to_bibtex([hill]))
    assert load(again).references["hill_made-up_2020"].annotation == hill.annotation


def tmp_bib(folder: Path, text: str) -> Path:
    path = folder / "export.bib"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_export_round_trips_every_biblatex_entry(bbt, tmp_path: Path) -> None:
    text = to_bibtex(bbt.references.values())
    again = load(tmp_bib(tmp_path, text))
    # An @xdata entry is not a work, so the export writes its fields into the entries
    # that take them in; a crossref stays a crossref, its parent exported beside it.
    assert again.problems == []
    assert "xdata  " not in text and "xdata =" not in text
    assert "crossref     = {hart2019volume}" in text
    for key, ref in bbt.references.items():
        back = again.references[key]
        assert (back.fields, back.persons, back.editors, back.issued, back.annotation) == (
            ref.fields,
            ref.persons,
            ref.editors,
            ref.issued,
            ref.annotation,
        ), key


def test_full_date_types_match_citeproc() -> None:
    """core/dates.py's list of the types APA dates fully, measured on citeproc-py."""
    measured = set()
    for csl_type in set(CSL_TYPES.values()) | dates.FULL_DATE_TYPES:
        item = {
            "id": "x",
            "type": csl_type,
            "title": "T",
            "author": [{"family": "A", "given": "B"}],
        }
        item["issued"] = {"date-parts": [[2021, 10, 11]]}
        if "October" in format_csl_item(item):
            measured.add(csl_type)
    assert measured - {"legal_case", "treaty"} == set(dates.FULL_DATE_TYPES) & (
        set(CSL_TYPES.values()) | dates.FULL_DATE_TYPES
    ) - {"legal_case", "treaty"}


def big_export(n: int, seed: int = 7) -> tuple[str, int]:
    """A Better BibTeX-style export of ``n`` made-up entries with every construct above,
    and how many of them are deliberately broken (one in 50)."""
    rng = random.Random(seed)
    kinds = [
        "article",
        "book",
        "incollection",
        "online",
        "report",
        "thesis",
        "software",
        "video",
        "patent",
        "dataset",
        "inproceedings",
        "audio",
    ]
    date_forms = [
        "2021",
        "2021-10",
        "2021-10-11",
        "2021-10-11/2021-10-15",
        "2019/2021",
        "2020/..",
        "2020~",
        "2019?",
        "2023-01-11T14:59:09Z",
        "2022-21",
    ]
    out = [
        "@xdata{bigpress,\n  publisher = {Big Test Press},\n  location = {Spokane},\n}\n",
        "@collection{bigvolume,\n  editor = {Vale, Ana},\n  title = {Big Test Volume},\n"
        "  date = {2018},\n  publisher = {P},\n  annotation = {A.},\n  tenets = {data},\n}\n",
    ]
    broken = 0
    for i in range(n - 1):
        kind = rng.choice(kinds)
        name = (
            f"family=Teste{i}, given=Ana Maria, prefix=da, useprefix=false"
            if i % 3 == 0
            else f"Person{i}, Given"
        )
        fields = {
            "title": f"Made-up Work {i}",
            "author": f"{name} and Other{i}, Second",
            "date": rng.choice(date_forms),
            "urldate": "2024-02-03",
            "journaltitle": "Big Test Journal",
            "booktitle": "Big Test Book",
            "institution": "Big Test University",
            "publisher": "Big Test Publisher",
            "number": str(i),
            "langid": "english",
            "annotation": f"Annotation {i}.",
            "tenets": "data",
        }
        if kind == "incollection" and i % 2:
            del fields["booktitle"]
            fields["crossref"] = "bigvolume"
        if kind in ("book", "report"):
            del fields["publisher"]
            fields["xdata"] = "bigpress"
        if i % 50 == 49:  # one in 50 broken, three ways
            broken += 1
            fields["date"] = ["199X", "2021-13", "soon"][i % 3]
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        annote = "".join(f",\n  annote = {{Note {j} on {i}.}}" for j in range(i % 3))
        out.append(f"@{kind}{{big{i},\n{body}{annote},\n}}\n")
    return "\n".join(out), broken


def test_a_large_better_bibtex_export(tmp_path: Path) -> None:
    text, broken = big_export(850)
    bib = tmp_path / "big.bib"
    bib.write_text(text, encoding="utf-8")
    entries = text.count("\n@") + 1
    result = load(bib)
    kept = len(result.references)
    reported = {(p.path, p.line) for p in result.problems}
    # Read: 851 blocks (850 entries and the @xdata); kept: every entry; reported: only the
    # broken ones, each once, at its date line.
    assert (entries, kept, len(reported), broken) == (851, 850, 16, 16)
    assert {p.code for p in result.problems} == {"bad_date"}


def test_a_build_lists_them_all_with_no_warning(kb_build, tmp_path: Path) -> None:
    src = tmp_path / "kb"
    shutil.copytree(HERE / "roots" / "test-kb", src)
    for name in ("betterbibtex.bib", "zotero.bib"):
        shutil.copy(FIXTURES / name, src / "refs" / name)
    app = kb_build(src=src)
    warnings = [w for w in app.warning.getvalue().splitlines() if "WARNING" in w]
    assert warnings == []
    pages = Path(app.outdir, "bibliography")
    text = " ".join(
        BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        for p in pages.glob("*.html")
    )
    text = " ".join(text.split())
    assert "Santos, J. M. O. dos" in text
    assert "(2021, October 11–15)" in text
    assert "Test chapters (pp. 45–67)" in text
