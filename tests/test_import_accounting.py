"""``equity-kb import`` loses nothing: every block of an export is accounted for (a new
entry, a duplicate with its evidence, or skipped with its reason; @string, @preamble and
@comment counted apart), the summary adds up, and the written entries read back. Made-up
exports in tests/bib/import, run through the real command line into a copy of the
test-kb root."""

from __future__ import annotations

import json
import re
import shutil
import string
from pathlib import Path

import pytest

from equity_kb.cli.main import main
from equity_kb.core.bibtex import load_bibliography
from equity_kb.core.model import Problem, Reference
from equity_kb.core.vocabulary import load_vocabulary

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "bib" / "import"
SAME_KEY = FIXTURES / "same-key.bib"
PROCEEDINGS = FIXTURES / "proceedings.bib"
NOTES = FIXTURES / "notes.bib"
STRINGS = FIXTURES / "strings.bib"
ODD = FIXTURES / "odd-blocks.bib"
IMPORTED = "refs/imported.bib"
VOLUME_DOI = "10.5555/rppf.2023"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the test-kb root with a hand-kept file (refs/hand.bib: rivera2019inquiry)."""
    root = tmp_path / "kb"
    shutil.copytree(REPO / "tests" / "roots" / "test-kb", root)
    shutil.copy(REPO / "tests" / "bib" / "zotero" / "existing.bib", root / "refs" / "hand.bib")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def bibliography(root: Path) -> tuple[dict[str, Reference], list[Problem]]:
    vocabulary = load_vocabulary(root / "vocabulary.yml")
    loaded = load_bibliography(sorted((root / "refs").glob("*.bib")), vocabulary)
    return loaded.references, loaded.problems


def heads(path: Path) -> list[tuple[int, str]]:
    """(line, key) of every block of a fixture: each starts with '@' in the first column."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    found = [(i, re.match(r"@\w+\{([^,]*)", line)) for i, line in enumerate(lines, 1)]
    return [(i, m.group(1).strip() if m else "") for i, m in found if lines[i - 1].startswith("@")]


def lines_of(path: Path, key: str) -> list[int]:
    return [line for line, k in heads(path) if k == key]


def accounted(out: str, export: Path) -> dict[str, list[tuple[int, str]]]:
    """What the output says became of each block, by kind, checked against the fixture
    and the summary: every block once, blocks = entries + others, entries = new +
    duplicates + skipped, each duplicate with its evidence, each skip with its reason."""
    kinds: dict[str, list[tuple[int, str]]] = {
        "new": [],
        "duplicate": [],
        "skipped": [],
        "other": [],
    }
    forms = {
        "new": re.compile(r"new (\S+) \(@\w+\)"),
        "duplicate": re.compile(r"(\S+) duplicates (?:new|existing) \S+ \(by [^)]+\) at \S+:\d+$"),
        "skipped": re.compile(r"skipped (@\w+(?: \S+)?): \S.*"),
        "other": re.compile(r"(@(?:string|preamble|comment))\b.*: not an entry.*"),
    }
    at = re.compile(rf"^{re.escape(str(export))}:(\d+): (.*)$")
    for line in out.splitlines():
        place = at.match(line)
        if place is None:
            continue
        for kind, form in forms.items():
            if match := form.match(place.group(2)):
                kinds[kind].append((int(place.group(1)), match.group(1)))
    assert sorted(line for each in kinds.values() for line, _ in each) == [
        line for line, _ in heads(export)
    ]
    blocks = re.search(r"^(\d+) blocks? in \S+: (\d+) entr(?:y|ies) \+ (\d+) other", out, re.M)
    entries = re.search(
        r"^(\d+) entr(?:y|ies): (\d+) new \+ (\d+) duplicates? \+ (\d+) skipped", out, re.M
    )
    assert blocks and entries, out
    n_blocks, n_entries, n_others = map(int, blocks.groups())
    assert (n_blocks, n_entries, n_others) == (
        len(heads(export)),
        n_blocks - len(kinds["other"]),
        len(kinds["other"]),
    )
    assert tuple(map(int, entries.groups())) == (
        n_entries,
        len(kinds["new"]),
        len(kinds["duplicate"]),
        len(kinds["skipped"]),
    )
    return kinds


def test_many_papers_under_one_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "import", SAME_KEY, "--root", project)
    assert (code, err) == (0, "")
    kinds = accounted(out, SAME_KEY)
    assert (
        "16 blocks in same-key.bib: 15 entries + 1 other block (1 @string)\n"
        "15 entries: 13 new + 2 duplicates + 0 skipped (of the new: 6 renamed, 12 incomplete)\n"
        in out
    )

    # Every paper of the shared key is in, under Better BibTeX's keys: the first keeps it,
    # the later ones get a, c, d (b is a key the export itself uses for another entry).
    refs, problems = bibliography(project)
    papers = {
        "LDAC_2021_paper": "Equity Teams Reading Their Own Discipline Data",
        "LDAC_2021_papera": "Family Voices in a Made-Up Improvement Network",
        "LDAC_2021_paperc": "Detracking Ninth-Grade Mathematics in a Test District",
        "LDAC_2021_paperd": "Central Office Coaches as Brokers of Research",
    }
    for key, title in papers.items():
        ref = refs[key]
        assert (ref.title, ref.source) == (title, str(project / IMPORTED))
        # The crossref parent's fields reach every one of them.
        assert ref.raw_fields["crossref"] == "LDAC_2021"
        assert ref.fields["booktitle"] == (
            "Proceedings of the Made-Up Learning Data Conference 2021"
        )
        assert ref.issued == 2021
    assert refs["LDAC_2021_paperb"].title == "Conference Programme of a Made-Up Meeting"
    assert [p for p in problems if p.code in ("duplicate_key", "bad_crossref")] == []
    shared = lines_of(SAME_KEY, "LDAC_2021_paper")
    assert (
        f"{SAME_KEY}:{shared[2]}: new LDAC_2021_paperc (@inproceedings), renamed from "
        f"LDAC_2021_paper: a different entry has that key at {SAME_KEY}:{shared[0]}; still "
        "needs annotation, tenets\n" in out
    )

    # The same work twice in the export: the second is a duplicate of the first, with
    # its evidence (the year comes from the crossref parent).
    assert (
        f"{SAME_KEY}:{shared[4]}: LDAC_2021_paper duplicates new LDAC_2021_papera (by "
        f"title, year 2021 and first author Bello) at {SAME_KEY}:{shared[1]}\n" in out
    )
    # Keys the bibliography has, in any case: a different work gets a fresh key; the
    # same work is a duplicate with its evidence.
    assert refs["rivera2019inquirya"].title == "A Different Made-Up Study Under a Reused Key"
    assert refs["XSS2020a"].title == "Yet Another Work With a Known Key"
    assert refs["rivera2019inquiry"].source == str(project / "refs" / "hand.bib")
    (line,) = lines_of(SAME_KEY, "Rivera2019Inquiry")
    assert (
        f"{SAME_KEY}:{line}: Rivera2019Inquiry duplicates existing rivera2019inquiry (by DOI "
        "10.5555/fixture.2019.7 and title) at refs/hand.bib:4\n" in out
    )
    assert {key for _, key in kinds["duplicate"]} == {"LDAC_2021_paper", "Rivera2019Inquiry"}

    # Two volumes under one key: each child follows the nearest before it, and says so.
    spring, autumn = refs["spring_paper_2022"], refs["autumn_paper_2022"]
    assert (spring.raw_fields["crossref"], spring.fields["booktitle"]) == (
        "LDAC_2022",
        "Made-Up Spring Meeting 2022",
    )
    assert (autumn.raw_fields["crossref"], autumn.fields["booktitle"]) == (
        "LDAC_2022a",
        "Made-Up Autumn Meeting 2022",
    )
    volumes = lines_of(SAME_KEY, "LDAC_2022")
    (child,) = lines_of(SAME_KEY, "autumn_paper_2022")
    assert (
        f"{SAME_KEY}:{child}: autumn_paper_2022: crossref 'LDAC_2022' names 2 entries of the "
        f"export (lines {volumes[0]}, {volumes[1]}): it now names the nearest before it, "
        f"LDAC_2022a, at {SAME_KEY}:{volumes[1]}\n" in out
    )


def test_seventy_nine_papers_under_one_key_and_one_doi(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's hand-kept file at its size: 79 different papers, one key, and the
    volume's DOI on each. None is dropped, none is a duplicate of another."""
    export = tmp_path / "ldac.bib"
    export.write_text(
        "".join(
            f"@inproceedings{{LDAC_2021_paper,\n  author = {{Author{n:02d}, Test}},\n"
            f"  title = {{Made-Up Paper Number {n}}},\n  booktitle = {{Made-Up Proceedings}},\n"
            f"  year = {{2021}},\n  doi = {{10.5555/ldac.2021}},\n}}\n\n"
            for n in range(1, 80)
        ),
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", export, "--root", project)
    assert (code, err) == (0, "")
    kinds = accounted(out, export)
    assert "79 entries: 79 new + 0 duplicates + 0 skipped (of the new: 78 renamed," in out
    letters = string.ascii_lowercase
    suffixes = ["", *letters, *(a + b for a in "ab" for b in letters)]
    keys = [f"LDAC_2021_paper{s}" for s in suffixes]
    assert [key for _, key in kinds["new"]] == keys
    refs, problems = bibliography(project)
    assert [refs[k].title for k in keys] == [f"Made-Up Paper Number {n}" for n in range(1, 80)]
    assert [p for p in problems if p.code == "duplicate_key"] == []


def test_what_is_missing_is_left_out_and_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", SAME_KEY, "--root", project)[0] == 0
    written = project / IMPORTED
    text = written.read_text(encoding="utf-8")
    assert "TBD" not in text and "TODO" not in text
    refs, _ = bibliography(project)
    book = refs["placeholder_book_2020"]
    assert ("publisher" not in book.raw_fields, book.missing) == (True, ("publisher",))
    # No provenance of the import's own: it would make the gap a note that merges.
    assert book.provenance is None

    code, out, _ = run(capsys, "check", "--root", project, "--docs", ".", "--json")
    assert code == 1
    reported = [p for p in json.loads(out)["problems"] if p["file"] == IMPORTED]
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "{placeholder_book_2020," in t)
    assert {p["code"] for p in reported if p["line"] == line} == {
        "missing_field",
        "missing_annotation",
        "missing_tenets",
    }
    assert all(p["severity"] == "error" for p in reported)


def test_dry_run_prints_the_same_account(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, dry, _ = run(capsys, "import", SAME_KEY, "--root", project, "--dry-run")
    assert code == 0 and not (project / IMPORTED).exists()
    code, real, _ = run(capsys, "import", SAME_KEY, "--root", project)
    assert code == 0
    account, _, rest = dry.partition(f"\nwould append to {IMPORTED}:\n\n")
    summary = rest.splitlines()[-3:-1]
    assert real.splitlines() == [
        *account.splitlines(),
        *summary,
        f"wrote 13 entries to {IMPORTED}",
        "next: complete what `equity-kb check` lists for them, then commit",
    ]
    assert accounted(dry, SAME_KEY) == accounted(real, SAME_KEY)


def test_papers_carrying_their_volumes_doi(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Zotero gives each paper of a proceedings volume the volume's DOI: the papers and
    the volume are different works; only the same DOI with the same title is a duplicate."""
    shutil.copy(FIXTURES / "volume-paper.bib", project / "refs" / "volume-paper.bib")
    code, out, err = run(capsys, "import", PROCEEDINGS, "--root", project)
    assert (code, err) == (0, "")
    kinds = accounted(out, PROCEEDINGS)
    new = {
        "quill_proceedings_2023",
        "amari_equity_2023",
        "bello_partnership_2023",
        "castillo_student_2023",
        "eze_leadership_2023",
    }
    assert {key for _, key in kinds["new"]} == new
    refs, _ = bibliography(project)
    assert {k for k, r in refs.items() if r.source.endswith("imported.bib")} == new
    assert {refs[k].doi for k in new} == {VOLUME_DOI}  # written as exported
    assert refs["quill_proceedings_2023"].bibtype == "proceedings"

    (line,) = lines_of(PROCEEDINGS, "dube_coaching_2023")
    assert (
        f"{PROCEEDINGS}:{line}: dube_coaching_2023 duplicates existing dube2023coaching (by "
        f"DOI {VOLUME_DOI} and title) at refs/volume-paper.bib:4\n" in out
    )
    first, again = lines_of(PROCEEDINGS, "bello_partnership_2023")
    assert (
        f"{PROCEEDINGS}:{again}: bello_partnership_2023 duplicates new bello_partnership_2023 "
        f"(by DOI {VOLUME_DOI} and title) at {PROCEEDINGS}:{first}\n" in out
    )
    # Each new one notes the DOI it shares with an entry of another title.
    for line, key in kinds["new"]:
        assert (
            f"{PROCEEDINGS}:{line}: {key}: has the DOI {VOLUME_DOI} of existing "
            "dube2023coaching at refs/volume-paper.bib:4 but not its title: imported as a "
            "different work" in out
        )


def test_a_volume_and_its_papers_are_different_works(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "import", PROCEEDINGS, "--root", project)
    assert code == 0
    kinds = accounted(out, PROCEEDINGS)
    assert (len(kinds["new"]), len(kinds["duplicate"])) == (6, 1)
    (volume,) = lines_of(PROCEEDINGS, "quill_proceedings_2023")
    for line, key in kinds["new"][1:]:
        assert (
            f"{PROCEEDINGS}:{line}: {key}: has the DOI {VOLUME_DOI} of new "
            f"quill_proceedings_2023 at {PROCEEDINGS}:{volume} but not its title" in out
        )
    refs, _ = bibliography(project)
    assert {key for _, key in kinds["new"]} <= set(refs)


def test_every_kind_of_block_is_accounted_for(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import", ODD, "--root", project)
    assert code == 1  # the unclosed brace is an error, and so is the type @web_page
    kinds = accounted(out, ODD)
    assert (
        "11 blocks in odd-blocks.bib: 7 entries + 4 other blocks (1 @preamble, 1 @comment, "
        "2 @string)\n"
        "7 entries: 4 new + 0 duplicates + 3 skipped (of the new: 0 renamed, 3 incomplete)\n"
        "2 problems in the export, listed above\n" in out
    )
    assert [what for _, what in kinds["skipped"]] == [
        "@xdata fixturepress",
        "@set a_set_2019",
        "@article unclosed_2021",
    ]
    (line,) = lines_of(ODD, "unclosed_2021")
    assert f"{ODD}:{line + 1}: the @article entry 'unclosed_2021' (line {line}) is not" in err
    assert (
        f"{ODD}:{line}: skipped @article unclosed_2021: not valid BibTeX (the problem at "
        f"line {line + 1} says what to fix)\n" in out
    )
    # Entries without a key get one made from their first author and year.
    keyless = lines_of(ODD, "")
    assert (
        f"{ODD}:{keyless[0]}: new nokey2020 (@web_page), a key made from its first author and "
        "year: the export gives it none; still needs annotation, tenets\n" in out
    )
    refs, problems = bibliography(project)
    assert refs["nokey2020a"].title == "Another Entry Without a Key"
    # The @xdata entry's fields (one of them from a @string) go into the entry using it.
    book = refs["uses_xdata_2019"]
    assert (book.fields["publisher"], book.fields["location"]) == ("Fixture Press", "Testville")
    assert "xdata" not in book.raw_fields
    assert [p for p in problems if p.code in ("bad_crossref", "bib_syntax")] == []


def test_an_entry_with_bytes_that_are_not_utf8_is_skipped(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Latin-1 byte reads as U+FFFD: that entry is skipped with its reason (its title
    would print the replacement character), the others are imported."""
    export = tmp_path / "latin1.bib"
    export.write_bytes(
        b"@misc{cafe_2020,\n  title = {A Caf\xe9 Study},\n  author = {Test, Ex},\n"
        b"  year = {2020},\n}\n\n"
        b"@misc{plain_2021,\n  title = {A Plain Study},\n  author = {Test, Ex},\n"
        b"  year = {2021},\n}\n"
    )
    code, out, err = run(capsys, "import", export, "--root", project)
    assert code == 1
    assert err.startswith(f"{export}:2: this line is not valid UTF-8")
    kinds = accounted(out, export)
    assert kinds["skipped"] == [(1, "@misc cafe_2020")]
    assert (
        f"{export}:1: skipped @misc cafe_2020: it holds bytes that are not UTF-8 (shown as "
        "'\ufffd'): re-save the export as UTF-8 and import it again\n" in out
    )
    refs, _ = bibliography(project)
    assert "plain_2021" in refs and "cafe_2020" not in refs


def test_repeated_annote_fields_become_one_annotation(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Zotero's own BibTeX export writes one annote field per note."""
    run(capsys, "import", NOTES, "--root", project)
    refs, _ = bibliography(project)
    assert refs["lee_three_notes_2018"].annotation == (
        "Note one.\n\nNote two, in HTML.\n\nNote three."
    )


def test_repeated_annotation_and_note_fields_are_all_kept(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Better BibLaTeX writes one annotation field per note; a note field may repeat too.
    Needs the parser to join repeated fields (core/bibtex)."""
    code, out, err = run(capsys, "import", NOTES, "--root", project)
    assert (code, err) == (0, "")
    refs, _ = bibliography(project)
    assert refs["okaforNotesTwice2022"].annotation == (
        "First note: the teams met weekly.\n\nSecond note: the district shared its data."
    )
    note = refs["lee_three_notes_2018"].fields["note"]
    assert "First part of the note field." in note and "Second part of the note field." in note


def test_string_macros_across_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Values concatenated with '#' from @string macros, one defined in the export and one
    only in the bibliography. Needs the parser to resolve both (core/bibtex)."""
    (project / "refs" / "strings.bib").write_text(
        "@string{forum = {Made-Up Research-Practice Partnership Forum}}\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "import", STRINGS, "--root", project)
    assert (code, err) == (0, "")
    accounted(out, STRINGS)
    refs, problems = bibliography(project)
    paper = refs["amari_macros_2024"]
    assert paper.source == str(project / IMPORTED)
    assert (paper.fields["booktitle"], paper.fields["publisher"]) == (
        "Proceedings of the Made-Up Research-Practice Partnership Forum 2024",
        "Fixture Press",
    )
    assert [p for p in problems if p.path.endswith("imported.bib")] == []
