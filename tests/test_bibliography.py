"""Loading .bib files: every problem at its file and line, good entries always loaded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from equity_kb.core.bibtex import (
    PROBLEM_CODES,
    BibResult,
    clear_cache,
    decode_latex,
    latex,
    load_bibliography,
    parse,
)
from equity_kb.core.bibtex import cache as bib_cache
from equity_kb.core.model import Person, Problem
from equity_kb.core.vocabulary import load_vocabulary, parse_vocabulary

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "tests" / "bib"
VOCABULARY_PATH = ROOT / "docs" / "vocabulary.yml"
VOCABULARY = load_vocabulary(VOCABULARY_PATH)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    clear_cache()


def load(*names: str, **kwargs: object) -> BibResult:
    return load_bibliography([BIB / n for n in names], VOCABULARY, **kwargs)  # type: ignore[arg-type]


def line_of(name: str, marker: str, nth: int = 1) -> int:
    """1-based line of the nth line of a fixture containing ``marker``."""
    hits = [
        i
        for i, line in enumerate((BIB / name).read_text(encoding="utf-8").splitlines(), 1)
        if marker in line
    ]
    assert len(hits) >= nth, f"{marker!r} not found {nth} times in {name}"
    return hits[nth - 1]


def where(problem: Problem) -> tuple[str, str, int]:
    return (problem.code, Path(problem.path).name, problem.line)


# ---------------------------------------------------------------- good input


def test_good_file_loads_in_order_with_one_note() -> None:
    result = load("good.bib")
    assert list(result.references) == [
        "bowman2021getting",
        "mendez2020tracking",
        "psesd2019racial",
        "hallett2021",
        "lee2017chapter",
        "doe2018voice",
    ]
    assert [where(p) for p in result.problems] == [
        ("incomplete", "good.bib", line_of("good.bib", "@misc{hallett2021"))
    ]
    assert result.problems[0].severity == "note"


def test_latex_is_decoded_and_the_raw_text_kept() -> None:
    ref = load("good.bib").references["mendez2020tracking"]
    assert [p[:2] for p in ref.persons] == [
        ("Méndez", "José"),
        ("van der Berg", "Jan"),
        ("Nuñez", "Ana"),
    ]
    assert ref.title == "Tracking & Detracking – “Opening” Advanced Courses"
    assert ref.raw_fields["title"] == r"Tracking {\&} Detracking -- ``Opening'' Advanced Courses"
    assert ref.fields["journal"] == "Journal of Equity & Schools"
    assert ref.fields["pages"] == "101–120"
    assert ref.fields["author"] == "Méndez, José and van der Berg, Jan and Nuñez, Ana"
    assert ref.doi == "10.1000/jes.2020.12"  # https://doi.org/ prefix stripped
    assert ref.raw_fields["doi"] == "https://doi.org/10.1000/jes.2020.12"
    assert (ref.issued, ref.bibtype, ref.evidence_kind) == (2020, "article", "mixed")
    assert (ref.tenets, ref.focus, ref.levels) == (
        ("practice",),
        ("detracking",),
        ("school", "district"),
    )
    assert ref.line == line_of("good.bib", "@article{mendez2020tracking")
    assert ref.source.endswith("good.bib")
    assert ref.missing == () and ref.provenance is None and ref.docname is None


def test_strings_months_whitespace_and_summary() -> None:
    ref = load("good.bib").references["bowman2021getting"]
    assert ref.fields["institution"] == "WestEd"  # from @string{wested = ...}
    assert ref.fields["month"] == "apr"
    assert ref.annotation == (
        "A report on equity-driven continuous improvement in county offices. "
        "It sets out principles, conditions and capacities."
    )
    assert ref.summary == "A report on equity-driven continuous improvement in county offices."
    assert ref.provenance == "The report's title page."


def test_organisation_author_and_verbatim_url() -> None:
    ref = load("good.bib").references["psesd2019racial"]
    assert ref.persons == (Person("Puget Sound Educational Service District"),)
    assert ref.authors == ("Puget Sound Educational Service District",)
    assert ref.fields["url"] == "https://example.org/policy?id=1010&v=2"


def test_incomplete_entry_with_provenance_is_a_note() -> None:
    result = load("good.bib")
    ref = result.references["hallett2021"]
    assert ref.missing == ("title",) and ref.incomplete
    (note,) = result.problems
    assert (note.code, note.severity) == ("incomplete", "note")
    assert "hallett2021" in note.message and "'title'" in note.message


def test_the_shipped_bibliography_loads() -> None:
    result = load_bibliography(sorted((ROOT / "bib").glob("*.bib")), VOCABULARY)
    assert result.references
    assert [str(p) for p in result.problems if p.severity == "error"] == []


# ---------------------------------------------------------------- bad input

EXPECTED_BAD = [
    ("unknown_tenet", "colective-learning"),
    ("unknown_focus", "detraking"),
    ("unknown_level", "schol"),
    ("bad_evidence", "anecdotal"),
    ("missing_annotation", "@book{noannotation2019"),
    ("missing_tenets", "@book{notenets2019"),
    ("missing_annotation", "{TODO}"),
    ("bad_year", "20201"),
    ("bad_doi", "doi.org/abc"),
    ("missing_field", "@article{missingjournal2021"),
    ("unknown_type", "@weblog{unknowntype2022"),
    ("bib_syntax", "An Unbalanced {Brace"),  # the field whose brace never closes
    ("duplicate_key", "{typo2020tenet,"),
    ("bib_syntax", "Lost after the brace"),  # the first stray field after the extra '}'
    ("duplicate_field", "Second Title"),
    ("bib_syntax", "JER,"),
]


def _expected_line(code: str, marker: str) -> int:
    if code == "duplicate_key":  # the second entry with the key is the one reported
        return line_of("bad.bib", marker, nth=2)
    if marker == "Lost after the brace":
        return line_of("bad.bib", marker) - 1  # 'year' comes just before it
    return line_of("bad.bib", marker)


def test_every_bad_case_is_reported_at_its_line_and_nothing_else() -> None:
    result = load("bad.bib")
    got = sorted(where(p) for p in result.problems)
    want = sorted((code, "bad.bib", _expected_line(code, m)) for code, m in EXPECTED_BAD)
    assert got == want
    assert all(p.severity == "error" for p in result.problems)


def test_every_code_is_documented() -> None:
    result = load("good.bib", "bad.bib", "dup.bib", "xss.bib")
    assert {p.code for p in result.problems} <= set(PROBLEM_CODES)


@pytest.mark.parametrize(
    ("code", "marker", "words"),
    [
        ("unknown_tenet", "colective-learning", "did you mean 'collective-learning'"),
        ("unknown_focus", "detraking", "did you mean 'detracking'"),
        ("unknown_level", "schol", "did you mean 'school'"),
        ("bad_evidence", "anecdotal", "valid: qualitative"),
        ("missing_annotation", "@book{noannotation2019", "add annotation = {...}"),
        ("missing_annotation", "{TODO}", "placeholder"),
        ("missing_tenets", "@book{notenets2019", "add tenets = {...}"),
        ("bad_year", "20201", "four digits"),
        ("bad_doi", "doi.org/abc", "starts with '10.'"),
        ("missing_field", "@article{missingjournal2021", "'journal'"),
        ("unknown_type", "@weblog{unknowntype2022", "@weblog"),
        ("bib_syntax", "An Unbalanced {Brace", "never closed"),
        ("duplicate_field", "Second Title", "first on line"),
        ("bib_syntax", "JER,", "write journal = {JER}"),
    ],
)
def test_messages_say_what_to_do(code: str, marker: str, words: str) -> None:
    line = line_of("bad.bib", marker)
    found = [p for p in load("bad.bib").problems if (p.code, p.line) == (code, line)]
    assert found, f"no {code} at line {line}"
    assert words in found[0].message
    assert Path(found[0].path).name == "bad.bib"


def test_bad_entries_still_become_references_with_what_is_valid() -> None:
    refs = load("bad.bib").references
    assert "unbalanced2020" not in refs  # the one entry bibtexparser could not read
    assert list(refs) == [
        "typo2020tenet",
        "noannotation2019",
        "notenets2019",
        "badyear2020",
        "missingjournal2021",
        "unknowntype2022",
        "afterbrace2021",
        "extrabrace2021",
        "dupfield2021",
        "lastgood2023",
    ]
    typo = refs["typo2020tenet"]
    assert typo.title == "A Typo in a Tenet"  # the first entry with the key is kept
    assert (typo.tenets, typo.focus, typo.levels, typo.evidence_kind) == (("data",), (), (), None)
    bad = refs["badyear2020"]
    assert bad.issued is None and bad.doi is None and bad.raw_fields["doi"] == "doi.org/abc"
    assert refs["notenets2019"].annotation == "" and refs["notenets2019"].tenets == ()
    assert refs["missingjournal2021"].missing == ("journal",)
    assert refs["unknowntype2022"].bibtype == "weblog"
    assert refs["dupfield2021"].title == "First Title"


def test_an_unbalanced_brace_does_not_hide_the_next_entries() -> None:
    refs = load("bad.bib").references
    after = refs["afterbrace2021"]
    assert after.title == "Loaded Although the Entry Above Is Broken"
    assert (after.issued, after.tenets, after.persons) == (
        2021,
        ("data",),
        (Person("Stone", "Pat"),),
    )
    assert after.line == line_of("bad.bib", "@misc{afterbrace2021")
    assert refs["lastgood2023"].title == "The Last Entry Loads"


def test_duplicate_key_across_files_keeps_the_first_and_names_it() -> None:
    result = load("good.bib", "dup.bib")
    assert result.references["mendez2020tracking"].title.startswith("Tracking")
    assert "other2020" in result.references
    dups = [p for p in result.problems if p.code == "duplicate_key"]
    assert [where(p) for p in dups] == [
        ("duplicate_key", "dup.bib", line_of("dup.bib", "@misc{mendez2020tracking"))
    ]
    assert f"good.bib:{line_of('good.bib', '@article{mendez2020tracking')}" in dups[0].message
    # In the other order the other entry wins.
    clear_cache()
    assert load("dup.bib", "good.bib").references["mendez2020tracking"].title.startswith("Same Key")


def test_keys_differing_only_in_case_are_duplicates(tmp_path: Path) -> None:
    text = (BIB / "good.bib").read_text(encoding="utf-8")
    other = tmp_path / "case.bib"
    other.write_text(text.split("@article{")[0].replace("bowman2021getting", "Bowman2021Getting"))
    result = load_bibliography([BIB / "good.bib", other], VOCABULARY)
    assert "Bowman2021Getting" not in result.references
    assert [p.code for p in result.problems if Path(p.path) == other] == ["duplicate_key"]


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin1.bib"
    data = (BIB / "good.bib").read_bytes().replace(b"Hallett", "Hall\xe9tt".encode("latin-1"))
    latin.write_bytes(data)
    result = load_bibliography([tmp_path / "missing.bib", latin], VOCABULARY)
    assert where(result.problems[0]) == ("unreadable", "missing.bib", 0)
    enc = [p for p in result.problems if p.code == "bad_encoding"]
    assert [p.line for p in enc] == [line_of("good.bib", "Hallett, Ronald")]
    assert len(result.references) == 6  # everything still loads


# ---------------------------------------------------------------- LaTeX


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (r"{\'e}", "é"),
        (r"Jos\'e M{\"u}ller", "José Müller"),
        (r"{\o}ster {\c{c}}a", "øster ça"),
        (r"R {\&} D", "R & D"),
        ("pages 10--20 --- dash", "pages 10–20 — dash"),
        ("``quoted''", "“quoted”"),
        ("{PRE} and {{nested}}", "PRE and nested"),
        ("50% of {Black} students", "50% of Black students"),
        (r"50\% of {\em all}", "50% of all"),
        (
            "no latex at all, just  spaces\n  and a newline",
            "no latex at all, just spaces and a newline",
        ),
        ("One.\n\n  Two.", "One.\n\nTwo."),
        ("Already Unicode: é — ’", "Already Unicode: é — ’"),
    ],
)
def test_decode_latex(raw: str, text: str) -> None:
    assert decode_latex(raw) == text


@pytest.mark.parametrize(
    "raw",
    [
        "{PRE}",
        "10--20",
        "a---b",
        "a----b",
        "-{}-",
        "a{--}b",
        "{``}x''",
        "`{`}x",
        "x~y",
        "``new'' {RPP}",
    ],
)
def test_the_fast_path_matches_pylatexenc(raw: str) -> None:
    # Values without macros skip pylatexenc for speed; they must decode the same, as
    # text and as CSL rich text (a title's braced words protected).
    assert decode_latex(raw) == latex._full(raw, False, False).text
    assert latex.decode(raw, True, True)[:2] == latex._full(raw, True, True)[:2]


# ---------------------------------------------------------------- caching


def test_unchanged_bytes_are_not_parsed_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[int] = []
    real = bib_cache.parse_text

    def counting(text: str, *args: Any) -> object:
        calls.append(1)
        return real(text, *args)

    monkeypatch.setattr(bib_cache, "parse_text", counting)
    first = load("good.bib")
    assert load("good.bib") == first and len(calls) == 1
    # The same bytes under another name: not parsed again, but reported under that name.
    copy = tmp_path / "copy.bib"
    shutil.copy(BIB / "good.bib", copy)
    moved = load_bibliography([copy], VOCABULARY)
    assert len(calls) == 1
    assert moved.problems[0].path == str(copy) and moved.references["hallett2021"].source == str(
        copy
    )
    copy.write_text(copy.read_text(encoding="utf-8") + "\n% edited\n", encoding="utf-8")
    load_bibliography([copy], VOCABULARY)
    assert len(calls) == 2


def test_an_edit_re_parses_only_the_entry_edited(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A large .bib is cut into entries; an edit re-parses the entries it touched, and
    every line reported still counts from the top of the file."""
    parsed: list[str] = []
    real = bib_cache.parse_text

    def recording(text: str, *args: Any) -> object:
        parsed.append(text)
        return real(text, *args)

    monkeypatch.setattr(bib_cache, "parse_text", recording)
    bib = tmp_path / "refs.bib"
    shutil.copy(BIB / "bad.bib", bib)
    cache = tmp_path / "cache"
    before = load_bibliography([bib], VOCABULARY, cache_dir=cache)
    clear_cache()  # a new build process: only the disk cache is left
    parsed.clear()
    text = bib.read_text(encoding="utf-8")
    # Three lines inserted at the top, and one annotation changed further down.
    edited = "% notes\n% more\n\n" + text.replace(
        "annotation = {Year and DOI", "annotation = {An edited year and DOI", 1
    )
    assert edited != "% notes\n% more\n\n" + text
    bib.write_text(edited, encoding="utf-8")
    after = load_bibliography([bib], VOCABULARY, cache_dir=cache)
    assert len(parsed) == 1
    assert "An edited" in parsed[0] and parsed[0].count("\n@") <= 1  # one entry, not the file
    # Every problem and reference moved down by the three inserted lines.
    assert [(p.line + 3, p.code) for p in before.problems] == [
        (p.line, p.code) for p in after.problems
    ]
    assert all(after.references[k].line == r.line + 3 for k, r in before.references.items())
    # Messages that name a line name the shifted one.
    named = [p.message for p in after.problems if "line " in p.message]
    assert named == [
        m.replace(f"line {n}", f"line {n + 3}")
        for m in (p.message for p in before.problems if "line " in p.message)
        for n in [int(m.split("line ")[1].split(")")[0].split()[0])]
    ]


def test_an_unclosed_brace_keeps_its_entry_with_the_text_after_it(tmp_path: Path) -> None:
    # Cut into chunks or not, the file reads as one parse of the whole text would.
    text = (BIB / "bad.bib").read_text(encoding="utf-8")
    whole = parse.parse_text(text)[0]
    cut = bib_cache.split_chunks(text)
    assert "".join(piece for _, piece in cut) == text
    pieces = [p for _, p in cut]
    parts = parse.parse_text("".join(pieces), [first for first, _ in cut])
    chunked = [
        (e.key, e.line + first, [(f.name, f.text, f.line + first) for f in e.fields])
        for (first, _), part in zip(cut, parts, strict=True)
        for e in part.entries
    ]
    assert chunked == [
        (e.key, e.line, [(f.name, f.text, f.line) for f in e.fields]) for e in whole.entries
    ]
    assert sorted(
        i[0] + first for (first, _), part in zip(cut, parts, strict=True) for i in part.issues
    ) == (sorted(i[0] for i in whole.issues))


def test_disk_cache_survives_a_new_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load("good.bib", "bad.bib", cache_dir=cache)
    assert len(list(cache.glob("*.pickle"))) == 2
    clear_cache()  # what a new process starts with

    def fail(text: str, *args: Any) -> None:
        raise AssertionError("parsed again despite the disk cache")

    monkeypatch.setattr(bib_cache, "parse_text", fail)
    assert load("good.bib", "bad.bib", cache_dir=cache) == first


def test_the_disk_cache_is_pruned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bib_cache, "_MAX_CACHED", 1)
    load("good.bib", "bad.bib", cache_dir=tmp_path)
    assert len(list(tmp_path.glob("bib-*.pickle"))) == 1


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load("good.bib", cache_dir=cache)
    for path in cache.glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    clear_cache()
    assert load("good.bib", cache_dir=cache) == first


def test_results_follow_the_vocabulary_not_just_the_bytes() -> None:
    assert any(p.code == "unknown_tenet" for p in load("bad.bib").problems)
    text = VOCABULARY_PATH.read_text(encoding="utf-8").replace(
        "tenets:\n", "tenets:\n  - id: colective-learning\n    label: A tenet with a typo\n", 1
    )
    wider = parse_vocabulary(text)
    result = load_bibliography([BIB / "bad.bib"], wider)
    assert not any(p.code == "unknown_tenet" for p in result.problems)
    assert result.references["typo2020tenet"].tenets == ("data", "colective-learning")
