"""``equity-kb import``: made-up Zotero exports (tests/bib/zotero: Better BibLaTeX, Zotero's
own BibTeX, one with a broken entry) merged into a copy of the test-kb root through the
real command line, then checked, built, exported and imported again."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import BuildFn

from equity_kb.cli.main import main
from equity_kb.core.bibtex import load_bibliography
from equity_kb.core.bibtex.parse import parse_text
from equity_kb.core.model import Reference
from equity_kb.core.vocabulary import VocabularyError, load_vocabulary, parse_vocabulary

REPO = Path(__file__).resolve().parents[1]
ZOTERO = REPO / "tests" / "bib" / "zotero"
BBT = ZOTERO / "better-bibtex.bib"
NATIVE = ZOTERO / "zotero.bib"
BROKEN = ZOTERO / "broken.bib"
IMPORTED = "refs/imported.bib"
# Aliases added to the test root's vocabulary (it has none of its own).
ALIASES = [
    (
        "{id: district, label: District}",
        "{id: district, label: District, aliases: [Central office]}",
    ),
    (
        "{id: early-literacy, label: Early literacy}",
        "{id: early-literacy, label: Early literacy, aliases: [Early reading]}",
    ),
]
MOVED = {"annote", "keywords", "file"}  # export fields the import turns into others or drops


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the test-kb root, with aliases and a hand-kept file of its own."""
    root = tmp_path / "kb"
    shutil.copytree(REPO / "tests" / "roots" / "test-kb", root)
    shutil.copy(ZOTERO / "existing.bib", root / "refs" / "hand.bib")
    vocabulary = root / "vocabulary.yml"
    text = vocabulary.read_text(encoding="utf-8")
    for old, new in ALIASES:
        assert old in text
        text = text.replace(old, new)
    vocabulary.write_text(text, encoding="utf-8")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def references(root: Path) -> dict[str, Reference]:
    vocabulary = load_vocabulary(root / "vocabulary.yml")
    return load_bibliography(sorted((root / "refs").glob("*.bib")), vocabulary).references


def line_of(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(
        i for i, line in enumerate(lines, 1) if line.startswith("@") and f"{{{key}," in line
    )


def exported(path: Path) -> dict[str, dict[str, str]]:
    """Each entry of an export: its raw fields as the parser reads them."""
    text = path.read_text(encoding="utf-8")
    return {e.key: {f.name: f.raw for f in e.fields} for c in parse_text(text) for e in c.entries}


def provenance(export: Path) -> str:
    today = dt.date.today().isoformat()
    return f"Imported from the export {export.name} with equity-kb import on {today}."


def test_better_bibtex_export(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = files(project)
    code, out, err = run(capsys, "import", BBT, "--root", project)
    assert (code, err) == (0, "")

    # Existing files keep every byte; the new entries go to refs/imported.bib only.
    after = files(project)
    assert set(after) == {*before, IMPORTED}
    assert all(after[name] == data for name, data in before.items())

    refs = references(project)
    new = {
        "okaforRestorativeCirclesSuspension2022",
        "nakamuraTestBookFamily2020",
        "chenChapterDataTeams2019",
        "garciaEtudeEarlyReading2023",
        "testpersonDistrictEquityAudit2021",
        "bergTestThesisDetracking2018",
        "xss2020a",
    }
    assert {k for k, r in refs.items() if r.source.endswith("imported.bib")} == new
    assert "bowmanGettingBetterGetting2021" not in refs
    assert (
        "8 blocks in better-bibtex.bib: 8 entries + 0 other blocks\n"
        "8 entries: 7 new + 1 duplicate + 0 skipped (of the new: 1 renamed, 2 incomplete)\n"
        f"wrote 7 entries to {IMPORTED}\n" in out
    )

    # Every field is written from the export's raw text, BibLaTeX's included.
    source = exported(BBT)
    for key in new - {"xss2020a"}:
        written = refs[key].raw_fields
        for name, raw in source[key].items():
            if name not in MOVED:
                assert written[name] == raw, (key, name)
        assert "file" not in written and "annote" not in written
        # The import's provenance goes on complete entries only: on one that lacks a core
        # field it would tell `check` that the gap is known (a note, not an error).
        complete = not refs[key].missing
        assert written.get("provenance") == (provenance(BBT) if complete else None), key
    assert refs["bergTestThesisDetracking2018"].raw_fields["author"] == (
        "family=Berg, given=Testje, prefix=van der, useprefix=false"
    )

    # Tags by id, label and alias, case and punctuation ignored; the rest kept.
    article = refs["okaforRestorativeCirclesSuspension2022"]
    assert article.tenets == ("collective-learning",)  # "Collective-Learning"
    assert article.focus == ("discipline",)  # its label, "Discipline disproportionality"
    assert article.levels == ("school", "district")  # "school", alias "Central Office"
    assert article.raw_fields["keywords"] == "made-up tag"
    assert refs["garciaEtudeEarlyReading2023"].focus == ("early-literacy",)  # an alias
    at = f"{BBT}:{line_of(BBT, article.key)}"
    assert (
        f"{at}: {article.key}: tags naming no tenet, focus area or level, kept in keywords: "
        "'made-up tag'\n" in out
    )

    # Notes: HTML stripped, entities and LaTeX decoded, paragraphs kept, scripts dropped.
    assert article.annotation == (
        "Reading notes\n\nTeams & leaders met weekly to compare suspension data by race."
        "\n\nSecond paragraph \u2014 with 50% more."
    )
    # ... and what LaTeX would read as markup written so that it reads back as it was.
    assert refs["garciaEtudeEarlyReading2023"].annotation == (
        "Describes a made-up <reading> routine & its results:\n\n"
        "$5 for 10% of a_b #1, {braced} ~2 -- C:\\x"
    )

    # What an entry lacks is left out (never a TODO), and listed.
    chapter = refs["chenChapterDataTeams2019"]
    assert "publisher" not in chapter.raw_fields and "annotation" not in chapter.raw_fields
    assert (chapter.tenets, chapter.missing) == (("data",), ("publisher",))
    thesis = refs["bergTestThesisDetracking2018"].raw_fields
    assert "tenets" not in thesis and thesis["keywords"] == "unknown-one, Unknown Two"
    line = line_of(BBT, "chenChapterDataTeams2019")
    assert (
        f"{BBT}:{line}: new chenChapterDataTeams2019 (@incollection); still needs "
        "publisher, annotation\n" in out
    )
    assert "TODO" not in (project / IMPORTED).read_text(encoding="utf-8")

    # A duplicate is reported with the existing key and its evidence, and never written.
    line = line_of(BBT, "bowmanGettingBetterGetting2021")
    assert (
        f"{BBT}:{line}: bowmanGettingBetterGetting2021 duplicates existing bowman2021getting "
        "(by title, year 2021 and first author Bowman) at refs/refs.bib:1\n" in out
    )
    # A key another work already has: a fresh key, the other entry untouched.
    assert refs["xss2020a"].title == "A Different Work That Shares a Key"
    assert refs["xss2020"].title.startswith("<script>")
    line = line_of(BBT, "xss2020")
    assert (
        f"{BBT}:{line}: new xss2020a (@misc), renamed from xss2020: a different entry has "
        "that key at refs/refs.bib:22\n" in out
    )


def test_zotero_export_after_better_bibtex(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", BBT, "--root", project)[0] == 0
    before = files(project)
    code, out, err = run(capsys, "import", NATIVE, "--root", project)
    assert (code, err) == (0, "")

    after = files(project)
    assert set(after) == set(before)
    assert all(after[n] == data for n, data in before.items() if n != IMPORTED)
    assert after[IMPORTED].startswith(before[IMPORTED])  # appended, nothing rewritten

    imported = line_of(project / IMPORTED, "okaforRestorativeCirclesSuspension2022")
    book = line_of(project / IMPORTED, "nakamuraTestBookFamily2020")
    blog = line_of(project / IMPORTED, "garciaEtudeEarlyReading2023")
    expected = [
        # The DOI in another case and the title in another case; then the DOI with a
        # resolver prefix, against a hand-kept file.
        ("okafor_restorative_2022", "okaforRestorativeCirclesSuspension2022",
         "by DOI 10.5555/test.2022.001 and title", f"{IMPORTED}:{imported}"),
        ("rivera_inquiry_2019", "rivera2019inquiry", "by DOI 10.5555/fixture.2019.7 and title",
         "refs/hand.bib:4"),
        ("nakamura_test_2020", "nakamuraTestBookFamily2020",
         "by title, year 2020 and first author Nakamura", f"{IMPORTED}:{book}"),
        # Accents written in LaTeX, case, a dash for a colon.
        ("garcia_etude_2023", "garciaEtudeEarlyReading2023",
         "by title, year 2023 and first author García", f"{IMPORTED}:{blog}"),
    ]  # fmt: skip
    for key, existing, reason, where in expected:
        line = line_of(NATIVE, key)
        assert (
            f"{NATIVE}:{line}: {key} duplicates existing {existing} ({reason}) at {where}\n" in out
        )
    # A key alone is no evidence: the existing hallett2021 has no title to compare, so
    # this one is imported under a fresh key, with a note to look at the two.
    line = line_of(NATIVE, "hallett2021")
    assert (
        f"{NATIVE}:{line}: new hallett2021a (@article), renamed from hallett2021: a different "
        "entry has that key at refs/refs.bib:14; still needs annotation, tenets\n"
        f"{NATIVE}:{line}: hallett2021a: has the key of existing hallett2021 at "
        "refs/refs.bib:14 and nothing the two give differs, but they share neither DOI and "
        "title nor title, year and first author: imported as a different work; if they are "
        "one, delete this one\n" in out
    )
    assert (
        "8 entries: 4 new + 4 duplicates + 0 skipped (of the new: 1 renamed, 2 incomplete)\n" in out
    )

    refs = references(project)
    thesis = refs["okeke_student_2017"]
    assert thesis.annotation == (
        "First note: students led the meetings.\n\nSecond note, written in HTML."
    )
    assert (thesis.tenets, thesis.focus) == (("practice",), ("family-engagement",))
    memo = refs["memo_undated_test"]
    assert not {"institution", "year", "annotation", "tenets"} & set(memo.raw_fields)
    assert memo.levels == ("district",)  # the alias "central office"
    assert memo.missing == ("institution", "year")
    chapter = refs["lee_chapter_2016"]
    assert chapter.annotation == "A chapter note with a link."
    assert (chapter.tenets, chapter.levels) == (("capacity",), ("school",))


def test_check_reports_what_imported_entries_lack(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for export in (BBT, NATIVE):
        assert run(capsys, "import", export, "--root", project)[0] == 0
    code, out, _ = run(capsys, "check", "--root", project, "--docs", ".", "--json")
    assert code == 1
    reported = {
        (p["line"], p["code"]) for p in json.loads(out)["problems"] if p["file"] == IMPORTED
    }
    # Each lack reported once, at its entry's line, as an error: a core field left out
    # (no provenance excuses it), the annotation, the tenets.
    lacking = {
        "chenChapterDataTeams2019": ["missing_field", "missing_annotation"],
        "bergTestThesisDetracking2018": ["missing_tenets"],
        "hallett2021a": ["missing_annotation", "missing_tenets"],
        "memo_undated_test": ["missing_field", "missing_annotation", "missing_tenets"],
    }
    written = project / IMPORTED
    assert reported == {
        (line_of(written, key), code) for key, codes in lacking.items() for code in codes
    }
    assert "TODO" not in written.read_text(encoding="utf-8")


def test_dry_run_writes_nothing_and_prints_the_same_plan(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(project)
    code, dry, _ = run(capsys, "import", NATIVE, "--root", project, "--dry-run")
    assert code == 0
    assert files(project) == before
    code, real, _ = run(capsys, "import", NATIVE, "--root", project)
    assert code == 0

    plan, shown = dry.split(f"\nwould append to {IMPORTED}:\n\n")
    assert real.startswith(plan)  # the same account, block by block
    *text, blocks, entries, last = shown.splitlines(keepends=True)
    assert blocks == "8 blocks in zotero.bib: 8 entries + 0 other blocks\n"
    assert entries == (
        "8 entries: 7 new + 1 duplicate + 0 skipped (of the new: 1 renamed, 5 incomplete)\n"
    )
    assert last == f"dry run: nothing written (7 entries would go to {IMPORTED})\n"
    summary = real.splitlines()[len(plan.splitlines()) :][:2]
    assert summary == [blocks.rstrip("\n"), entries.rstrip("\n")]
    written = (project / IMPORTED).read_text(encoding="utf-8")
    assert written.endswith("\n" + "".join(text))  # what the dry run showed is what went in


def test_a_broken_entry_is_reported_and_the_rest_imported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import", BROKEN, "--root", project)
    assert code == 1
    assert err.startswith(
        f"{BROKEN}:11: the @article entry 'broken_entry_2020' is not valid BibTeX"
    )
    assert (
        f"{BROKEN}:11: skipped @article broken_entry_2020: not valid BibTeX (the problem at "
        "line 11 says what to fix)\n" in out
    )
    assert (
        "3 entries: 2 new + 0 duplicates + 1 skipped (of the new: 0 renamed, 0 incomplete)\n"
        "1 problem in the export, listed above\n" in out
    )
    refs = references(project)
    assert {"fine_before_broken_2019", "fine_after_broken_2021"} <= set(refs)
    assert "broken_entry_2020" not in refs


def test_only_the_problems_of_what_is_imported_are_listed(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "mixed.bib"
    export.write_text(
        "@techreport{bowman_again,\n"
        "  author = {Bowman, Alicia and Valdez, Amber},\n"
        "  title = {Getting Better at Getting More Equitable},\n"
        "  institution = {WestEd},\n"
        "  year = {2021},\n"
        "  urldate = {last week},\n"
        "}\n\n"
        "@book{doe2022new,\n"
        "  author = {Doe, Jane},\n"
        "  title = {A New Test Book},\n"
        "  publisher = {Test Press},\n"
        "  year = {2022},\n"
        "  urldate = {soon},\n"
        "}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", export, "--root", project)
    assert code == 1  # the new entry's bad date is an error
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith(f"{export}:14: ") and "'soon'" in lines[0]
    assert lines[1].startswith("(1 problem in duplicates not shown: those entries are not")
    assert "bowman_again duplicates existing bowman2021getting (by title" in out
    assert (
        "2 entries: 1 new + 1 duplicate + 0 skipped (of the new: 0 renamed, 1 incomplete)\n"
        "1 problem in the export, listed above\n" in out
    )


def test_into_and_what_is_refused(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "import", BROKEN, "--root", project, "--into", project / "refs/z.bib"
    )
    assert code == 1
    assert "wrote 2 entries to refs/z.bib\n" in out
    assert "fine_after_broken_2021" in references(project)

    before = files(project)
    code, _, err = run(capsys, "import", NATIVE, "--root", project, "--into", project / "z.bib")
    assert code == 2
    assert err == (
        "equity-kb: error: z.bib is not a bibliography file: the build reads refs/*.bib "
        "(kb_bibliography in conf.py); give --into a file those match\n"
    )
    shutil.copy(NATIVE, project / "refs" / "export.bib")
    before = files(project)
    code, _, err = run(capsys, "import", project / "refs" / "export.bib", "--root", project)
    assert code == 2
    assert "export.bib is itself a bibliography file" in err
    code, _, err = run(capsys, "import", tmp_path / "none.bib", "--root", project)
    assert (code, err) == (2, f"equity-kb: error: no such file: {tmp_path / 'none.bib'}\n")
    assert files(project) == before


def test_round_trip(
    project: Path, tmp_path: Path, kb_build: BuildFn, capsys: pytest.CaptureFixture[str]
) -> None:
    """Import, build, export, import the export again: nothing new, nothing lost."""
    for export in (BBT, NATIVE):
        assert run(capsys, "import", export, "--root", project)[0] == 0
    app = kb_build(src=project)
    site = Path(app.outdir)
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    refs = references(project)
    for ref in refs.values():
        assert ref.key in pages, ref.key  # every entry, imported ones too, is on the site
    assert "A Test Book on Family Partnership" in pages

    export = tmp_path / "export.bib"
    code = main(["export", "--format", "bibtex", "--root", str(project), "--output", str(export)])
    assert code == 0
    capsys.readouterr()
    assert exported(export) == {k: r.raw_fields for k, r in refs.items()}  # nothing lost

    # What an imported entry lacks is left out: no page and no download shows a TODO.
    served = (p for p in site.rglob("*") if p.suffix in (".html", ".bib", ".ris", ".json"))
    assert [p.name for p in served if b"TODO" in p.read_bytes()] == []

    before = files(project)
    code, out, err = run(capsys, "import", export, "--root", project)
    assert (code, err) == (0, "")
    n = len(refs)
    assert out.splitlines()[-3:-1] == [
        f"{n} blocks in export.bib: {n} entries + 0 other blocks",
        f"{n} entries: 0 new + {n} duplicates + 0 skipped (of the new: 0 renamed, 0 incomplete)",
    ]
    for key in refs:
        assert f": {key} duplicates existing {key} (by " in out, key
    # Entries too incomplete for the other evidence are known by every field.
    for key in ("hallett2021", "memo_undated_test"):
        assert f": {key} duplicates existing {key} (by type and every field) at " in out
    assert files(project) == before
    again = references(project)
    assert list(again) == list(refs)
    for key, ref in refs.items():
        back = again[key]
        assert (back.bibtype, back.raw_fields, back.fields) == (
            ref.bibtype,
            ref.raw_fields,
            ref.fields,
        )
        assert (back.annotation, back.tenets, back.focus, back.levels, back.provenance) == (
            ref.annotation,
            ref.tenets,
            ref.focus,
            ref.levels,
            ref.provenance,
        )


VOCABULARY = """\
tenets:
  - {id: data, label: Race-conscious data use, aliases: [Data use, "Équité: data"]}
  - {id: practice, label: Everyday practice}
focus:
  - {id: detracking, label: Detracking}
levels:
  - {id: district, label: District (central office), aliases: [Central office]}
  - {id: school, label: School}
evidence:
  - {id: mixed, label: Mixed methods}
"""


def test_vocabulary_aliases() -> None:
    vocabulary = parse_vocabulary(VOCABULARY)
    found = {
        name: term.id if (term := vocabulary.find(kind, name)) else None
        for kind, name in [
            ("tenets", "DATA-USE"),
            ("tenets", "equite data"),
            ("tenets", "race conscious data use"),
            ("levels", "central office"),
            ("levels", "District (Central Office)"),
            ("levels", "Data use"),  # an alias of a tenet, not of a level
        ]
    }
    assert found == {
        "DATA-USE": "data",
        "equite data": "data",
        "race conscious data use": "data",
        "central office": "district",
        "District (Central Office)": "district",
        "Data use": None,
    }


def test_an_alias_in_front_matter_is_told_its_id() -> None:
    # Front matter takes ids; a label or alias written there gets the id as its hint.
    text = VOCABULARY.replace("aliases: [Central office]", "aliases: [Central office, LEA]")
    vocabulary = parse_vocabulary(text)
    assert vocabulary.unknown_message("levels", "LEA") == (
        "unknown level 'LEA': did you mean 'district'? (valid: district, school)"
    )
    assert vocabulary.closest("tenets", "Équité: data") == "data"
    assert vocabulary.closest("tenets", "Everyday practice") == "practice"


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "{id: school, label: School}",
            "{id: school, label: School, aliases: [central-office]}",
            8,
            "'central-office' of level 'school' is also an id, label or alias of level "
            "'district' (ignoring case and punctuation): an alias must name one term",
        ),
        (
            "{id: practice, label: Everyday practice}",
            "{id: practice, label: Everyday practice, aliases: Teaching}",
            3,
            "the aliases of tenet 'practice' must be a list of names, like aliases: "
            "[Central office, District office]",
        ),
        (
            "{id: practice, label: Everyday practice}",
            "{id: practice, label: Data Use}",
            3,
            "'Data Use' of tenet 'practice' is also an id, label or alias of tenet 'data' "
            "(ignoring case and punctuation): an alias must name one term",
        ),
    ],
)
def test_bad_aliases_are_located(old: str, new: str, line: int, message: str) -> None:
    assert old in VOCABULARY
    with pytest.raises(VocabularyError) as caught:
        parse_vocabulary(VOCABULARY.replace(old, new), "vocabulary.yml")
    assert [str(p) for p in caught.value.problems] == [f"vocabulary.yml:{line}: {message}"]


def test_shipped_aliases() -> None:
    vocabulary = load_vocabulary(REPO / "docs" / "vocabulary.yml")
    assert {
        name: term.id if (term := vocabulary.find(kind, name)) else None
        for kind, name in [
            ("tenets", "Team capacity"),
            ("focus", "Ethnic studies"),
            ("focus", "culturally responsive teaching"),
            ("levels", "Central office"),
            ("levels", "State"),
        ]
    } == {
        "Team capacity": "capacity",
        "Ethnic studies": "culturally-responsive-teaching",
        "culturally responsive teaching": "culturally-responsive-teaching",
        "Central office": "district",
        "State": "region",
    }
