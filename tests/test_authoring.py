"""Authoring from the command line: new, check (and --suggest-tenets), export."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import bibtexparser
import pytest
from conftest import REPO, ROOTS
from test_bad_front_matter import EXPECTED

from equity_kb.cli.main import main

FILLED = {
    "tenets: [TODO]": "tenets: [data]",
    "focus: [TODO]": "focus: [discipline]",
    "levels: [TODO]": "levels: [school]",
    "organization: TODO": "organization: A school",
    "summary: TODO": "summary: Filled in.",
    "authors: [TODO]": "authors: [A. Writer]",
    "evidence: []": "evidence: [bowman2021getting]",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A repository-like folder: the scaffolds in templates/, a test root as content."""
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    shutil.copytree(ROOTS / "test-kb", tmp_path / "site")
    return tmp_path


def new(site: Path, kind: str, title: str) -> int:
    return main(["new", kind, title, "--root", str(site), "--docs", "site"])


def test_scaffolds_build_without_warnings_once_filled(site, kb_build, capsys):
    assert new(site, "practice", "Student: panels") == 0
    assert new(site, "brief", "A brief about data") == 0
    out = capsys.readouterr().out
    assert "PC-004.md" in out and "next: replace every TODO" in out
    card = site / "site/practices/PC-004.md"
    brief = site / "site/briefs/a-brief-about-data.md"
    # Unfilled, check reports the placeholders and exits 1.
    assert main(["check", "--root", str(site / "site"), "--docs", ".", str(card)]) == 1
    for path in (card, brief):
        text = path.read_text()
        for old, filled in FILLED.items():
            text = text.replace(old, filled)
        text = re.sub(r"^TODO.*$", "Written.", text, flags=re.M)
        path.write_text(text)
    assert 'title: "Student: panels"' in card.read_text()
    assert main(["check", "--root", str(site / "site"), "--docs", "."]) == 0
    app = kb_build(src=site / "site")
    assert app.warning.getvalue() == ""
    assert "Student: panels" in (Path(app.outdir) / "practices/PC-004.html").read_text()


def test_new_never_overwrites_nor_reuses_an_id(site, capsys):
    (site / "site/practices/retired.yml").write_text("retired: [PC-007]\n")
    assert new(site, "practice", "One") == 0
    assert (site / "site/practices/PC-008.md").exists()
    (site / "site/practices/PC-008.md").unlink()  # deleted without being retired
    assert new(site, "practice", "Two") == 0
    assert (site / "site/practices/PC-008.md").read_text().count("Two") == 1
    assert new(site, "brief", "Same title") == 0
    before = (site / "site/briefs/same-title.md").read_text()
    assert new(site, "brief", "Same title") == 2
    assert "already has the title" in capsys.readouterr().err
    # --force passes the twin check, but the file's name is still taken.
    args = ["new", "brief", "Same title", "--root", str(site), "--docs", "site", "--force"]
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert (site / "site/briefs/same-title.md").read_text() == before


def test_new_names_the_entry_that_has_the_title_and_asks_for_force(site, capsys):
    card = (site / "site/practices/PC-001.md").read_text()
    title = next(line for line in card.splitlines() if line.startswith("title:"))
    title = title.partition(":")[2].strip().strip('"')
    twin = f"  {title.upper()}!  "  # case, spacing and punctuation do not make it new
    before = sorted(p.name for p in (site / "site/practices").iterdir())
    assert new(site, "practice", twin) == 2
    err = capsys.readouterr().err
    assert "site/practices/PC-001.md (PC-001) already has the title" in err
    assert "--force" in err
    assert sorted(p.name for p in (site / "site/practices").iterdir()) == before
    args = ["new", "practice", twin, "--root", str(site), "--docs", "site", "--force"]
    assert main(args) == 0
    assert (site / "site/practices/PC-004.md").exists()


def test_check_finds_every_kind_of_bad_input(capsys):
    code = main(["check", "--root", str(ROOTS / "test-bad"), "--docs", ".", "--json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    found = {(p["file"], p["line"], p["code"]) for p in report["problems"]}
    for path, line, _words, subtype in EXPECTED:
        assert (path, line, subtype) in found, (path, line, subtype)
    kinds = {p["code"] for p in report["problems"]}
    # Every kind of problem tests/roots/test-bad holds, each at least once.
    assert kinds == {
        "bad_date",
        "bad_doi",
        "bad_evidence",
        "bad_field",
        "bad_id",
        "bad_yaml",
        "bad_year",
        "bib_syntax",
        "duplicate_field",
        "duplicate_id",
        "duplicate_key",
        "missing_annotation",
        "missing_field",
        "missing_front_matter",
        "missing_tenets",
        "unknown_field",
        "unknown_focus",
        "unknown_key",
        "unknown_level",
        "unknown_tenet",
        "unknown_type",
    }


def test_check_passes_on_the_shipped_docs(capsys):
    assert main(["check", "--root", str(REPO)]) == 0
    assert "no problems" in capsys.readouterr().err


def test_check_output_is_file_line_message(capsys):
    main(["check", "--root", str(ROOTS / "test-bad"), "--docs", "."])
    lines = capsys.readouterr().out.splitlines()
    assert (
        "practices/PC-002.md:4: unknown tenet 'colective-learning': did you mean "
        "'collective-learning'? (valid: practice, capacity, data, collective-learning)" in lines
    )


def test_suggest_tenets_explains_and_writes_only_when_asked(tmp_path, capsys):
    page = tmp_path / "new.md"
    page.write_text(
        "---\ntitle: Looking closer\ntenets: [TODO]\n---\n\nThe team disaggregated "
        "discipline data by race and found suspension gaps.\n"
    )
    args = ["check", "--root", str(REPO), "--suggest-tenets"]  # the shipped vocabulary
    assert main([*args, str(page)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"tenet: data \(score [\d.]+\) because of .*'disaggregate", out)
    assert "focus: discipline-disproportionality" in out
    assert "tenets: [TODO]" in page.read_text()  # unchanged without --write
    assert main([*args, "--write", str(page)]) == 0
    text = page.read_text()
    assert "tenets: [data" in text and "focus: [discipline-disproportionality" in text


def test_export_round_trips(tmp_path):
    out = tmp_path / "all.bib"
    assert main(["export", "--format", "bibtex", "--root", str(REPO), "--output", str(out)]) == 0
    again = bibtexparser.parse_string(out.read_text())
    original = [
        e
        for f in sorted((REPO / "bib").glob("*.bib"))
        for e in bibtexparser.parse_file(str(f)).entries
    ]
    assert sorted(e.key for e in again.entries) == sorted(e.key for e in original)
    by_key = {e.key: e for e in again.entries}
    for entry in original:
        assert (
            by_key[entry.key].fields_dict["annotation"].value
            == entry.fields_dict["annotation"].value
        )


def test_user_mistakes_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["check", "--root", str(tmp_path)]) == 2
    assert "no content folder" in capsys.readouterr().err
    assert main(["new", "memo", "x"]) == 2
    assert main(["export", "--format", "ris", "--root", str(tmp_path)]) == 2


# The one note in tests/roots/test-kb: a reference with no title or journal.
HALLETT_NOTE = (
    "refs/refs.bib:14: 'hallett2021' is incomplete (no 'title', 'journal'); it is listed as "
    "incomplete, and its provenance says where its details came from"
)


def test_check_lists_notes_only_with_notes(capsys):
    args = ["check", "--root", str(ROOTS / "test-kb"), "--docs", "."]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == "no problems in 12 file(s)\n"
    assert main([*args, "--notes"]) == 0  # a note is not a problem: still 0
    out, err = capsys.readouterr()
    assert out == f"{HALLETT_NOTE} (note)\n" and err == "no problems in 12 file(s)\n"
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == []
    assert [(n["file"], n["line"], n["code"], n["severity"]) for n in report["notes"]] == [
        ("refs/refs.bib", 14, "incomplete", "note")
    ]


def test_export_csl_json_to_standard_output(tmp_path, capsys):
    root = ROOTS / "test-kb"
    assert main(["export", "--format", "csl-json", "--root", str(root)]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # nothing but the export on standard output, no "wrote ..." line
    items = json.loads(out)
    assert [i["id"] for i in items] == ["bowman2021getting", "hallett2021", "xss2020"]
    by_id = {i["id"]: i for i in items}
    assert by_id["bowman2021getting"]["title"] == "Getting better at getting more equitable"
    assert by_id["bowman2021getting"]["issued"] == {"date-parts": [[2021]]}
    assert "title" not in by_id["hallett2021"]  # not known, so not guessed
    # Data, not markup: the title as the site prints it (sentence case).
    assert by_id["xss2020"]["title"].startswith('<Script>alert("title")</script>')
    # The same text as --output writes to a file.
    written = tmp_path / "refs.json"
    assert (
        main(["export", "--format", "csl-json", "--root", str(root), "--output", str(written)]) == 0
    )
    assert written.read_text(encoding="utf-8") == out
