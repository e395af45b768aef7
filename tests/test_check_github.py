"""`equity-kb check --format github`: every kind of problem as a GitHub Actions workflow
command on the right file and line, the same problems as the plain output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOTS

from equity_kb.cli.annotations import annotation, escape_data, escape_property
from equity_kb.cli.main import main
from equity_kb.core.model import Problem

BAD = ROOTS / "test-bad"
ODD = "docs/briefs/50%, part: two.md"  # a file name that needs escaping in a property
CONF = 'kb_vocabulary = "docs/vocabulary.yml"\nkb_bibliography = ["bib/*.bib"]\n'
EXTRA_BIB = """\
@misc{duptag2021,
  author     = {Wu, Mei},
  title      = {A Tag Listed Twice},
  year       = {2021},
  annotation = {Twice.},
  tenets     = {data, data},
}

@misc{badname2021,
  author     = {Smith, John, Jr, Extra},
  title      = {A Name BibTeX Cannot Split},
  year       = {2021},
  annotation = {One comma too many.},
  tenets     = {data},
}

@article{provenance2021,
  author     = {Ray, Amy},
  title      = {No Journal, but a Provenance},
  year       = {2021},
  provenance = {From the author's CV; the journal is not given.},
  annotation = {Incomplete on purpose.},
  tenets     = {data},
}
"""
CARD = (
    "---\nid: {id}\ntitle: {title}\ntenets: [{tenets}]\nfocus: [discipline]\n"
    "levels: [school]\norganization: Org\nsummary: Fine.\n---\n\nBody.\n"
)

# (file from the repository's root, line (0: none), title, words of the message)
EXPECTED = [
    ("bib/bad.bib", 9, "unknown_tenet", "unknown tenet 'colective-learning'"),
    ("bib/bad.bib", 10, "unknown_focus", "unknown focus area 'detraking'"),
    ("bib/bad.bib", 11, "unknown_level", "unknown level 'schol'"),
    ("bib/bad.bib", 12, "bad_evidence", "unknown kind of evidence 'anecdotal'"),
    ("bib/bad.bib", 15, "missing_annotation", "'noannotation2019' has no annotation"),
    ("bib/bad.bib", 23, "missing_tenets", "'notenets2019' has no tenets"),
    ("bib/bad.bib", 35, "bad_year", "year '20201' in 'badyear2020' is not a year"),
    ("bib/bad.bib", 36, "bad_doi", "DOI 'doi.org/abc' of 'badyear2020' is not a DOI"),
    ("bib/bad.bib", 41, "missing_field", "'missingjournal2021' is missing 'journal'"),
    ("bib/bad.bib", 49, "unknown_type", "unknown entry type @weblog"),
    ("bib/bad.bib", 59, "bib_syntax", "is not valid BibTeX and was skipped"),
    ("bib/bad.bib", 72, "duplicate_key", "duplicate citation key 'typo2020tenet'"),
    ("bib/bad.bib", 91, "duplicate_field", "field 'title' is given twice"),
    ("bib/extra.bib", 6, "duplicate_tag", "tenet 'data' is listed twice"),
    ("bib/extra.bib", 10, "bad_name", "name 'Smith, John, Jr, Extra' is not a valid BibTeX"),
    ("bib/latin1.bib", 3, "bad_encoding", "this line is not valid UTF-8"),
    ("bib/folder.bib", 0, "unreadable", "cannot read the bibliography file"),
    ("docs/briefs/bad-date.md", 4, "bad_date", "'date' '23/11/2026' is not a date"),
    ("docs/briefs/bad-date.md", 9, "bad_field", "status 'done' must be one of"),
    ("docs/briefs/bad-date.md", 10, "unknown_field", "unknown field 'tenet'"),
    ("docs/briefs/latin1.md", 2, "bad_encoding", "this line is not valid UTF-8"),
    ("docs/briefs/no-front-matter.md", 1, "missing_front_matter", "a brief needs front matter"),
    (ODD, 1, "missing_front_matter", "a brief needs front matter"),
    ("docs/practices/PC-002.md", 4, "unknown_tenet", "unknown tenet 'colective-learning'"),
    ("docs/practices/PC-003.md", 2, "bad_id", "card id PC-001 does not match the file name"),
    ("docs/practices/PC-003.md", 2, "duplicate_id", "duplicate card id PC-001"),
    ("docs/practices/PC-004.md", 5, "bad_yaml", "front matter is not valid YAML"),
    ("docs/practices/PC-005.md", 1, "missing_field", "missing required field 'organization'"),
    ("docs/practices/PC-005.md", 5, "unknown_focus", "unknown focus area 'disipline'"),
    ("docs/practices/PC-005.md", 6, "unknown_level", "unknown level 'county'"),
    ("docs/practices/PC-005.md", 8, "unknown_key", "evidence key 'nosuchkey' is not in"),
    ("docs/practices/PC-005.md", 11, "unknown_key", "citation key 'missing2020' is not in"),
    ("docs/practices/PC-006.md", 4, "duplicate_tag", "tenet 'data' is listed twice"),
    ("docs/practices/PC-007.md", 2, "duplicate_id", "card id PC-007 was retired"),
    ("docs/practices/PC-8.md", 2, "bad_id", "card id 'PC-8' must look like PC-007"),
]
NOTE = ("bib/extra.bib", 17, "incomplete", "provenance says where its details came from")

# The installed console script, as CI runs it (or the same entry point through Python).
SCRIPT = Path(sys.executable).with_name("equity-kb")
EQUITY_KB = (
    [str(SCRIPT)]
    if SCRIPT.is_file()
    else [sys.executable, "-c", "import sys; from equity_kb.cli.main import main; sys.exit(main())"]
)

COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def parse(line: str) -> tuple[str, str, int, str, str]:
    """(command, file, line or 0, title, message) of one workflow-command line."""
    match = COMMAND.match(line)
    assert match, line
    props = dict(p.split("=", 1) for p in match["props"].split(","))
    assert set(props) <= {"file", "line", "title"}, props
    return (
        match[1],
        unescape(props["file"]),
        int(props.get("line", 0)),
        unescape(props["title"]),
        unescape(match["message"]),
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository like ours (conf.py, docs/, bib/, .git) with every kind of problem."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "conf.py").write_text(CONF)
    docs, bib = root / "docs", root / "bib"
    shutil.copytree(BAD, docs, ignore=shutil.ignore_patterns("*.bib", "conf.py"))
    bib.mkdir()
    for name in ("bad.bib", "refs.bib"):
        shutil.copy(BAD / name, bib / name)
    (bib / "extra.bib").write_text(EXTRA_BIB)
    (bib / "latin1.bib").write_bytes(
        b"@misc{latin2021,\n  author = {Ray, Amy},\n  title = {Caf\xe9},\n  year = {2021},\n"
        b"  annotation = {Latin-1.},\n  tenets = {data},\n}\n"
    )
    (bib / "folder.bib").mkdir()  # matches bib/*.bib but cannot be read
    (docs / "briefs/latin1.md").write_bytes(
        b"---\ntitle: Caf\xe9\nauthors: [A]\ndate: 2026-01-02\ntenets: [data]\n"
        b"focus: [discipline]\nlevels: [school]\nsummary: S.\nstatus: draft\n---\n\nBody.\n"
    )
    (root / ODD).write_text("# No front matter\n")
    practices = docs / "practices"
    (practices / "PC-006.md").write_text(CARD.format(id="PC-006", title="T", tenets="data, data"))
    (practices / "PC-007.md").write_text(CARD.format(id="PC-007", title="T", tenets="data"))
    (practices / "PC-8.md").write_text(CARD.format(id="PC-8", title="T", tenets="data"))
    (practices / "retired.yml").write_text("retired: [PC-007]\n")
    return root


def run(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, as CI runs it from the repository's root."""
    return subprocess.run(
        [*EQUITY_KB, "check", *args],
        cwd=cwd or root,
        capture_output=True,
        text=True,
    )


def test_every_kind_of_problem_is_an_annotation_on_its_file_and_line(repo):
    github = run(repo, "--format", "github")
    assert github.returncode == 1, github.stderr
    found = [parse(line) for line in github.stdout.splitlines()]
    assert all(command == "error" for command, *_ in found)
    for file, line, title, words in EXPECTED:
        hits = [f for f in found if f[1:4] == (file, line, title) and words in f[4]]
        assert hits, (file, line, title, words, found)
    # Every code the checker reported is among the kinds checked above, and vice versa.
    report = json.loads(run(repo, "--json").stdout)
    assert {p["code"] for p in report["problems"]} == {e[2] for e in EXPECTED}
    assert sorted(f[3] for f in found) == sorted(p["code"] for p in report["problems"])
    assert not any("line=0" in line for line in github.stdout.splitlines())


def test_the_same_problems_exit_status_and_summary_as_the_plain_output(repo):
    plain, github = run(repo), run(repo, "--format", "github")
    assert plain.returncode == github.returncode == 1
    assert plain.stderr == github.stderr
    assert re.fullmatch(r"\d+ problem\(s\) in \d+ file\(s\)\n", github.stderr)
    as_plain = {
        f"{file}:{line}: {message}"
        for _, file, line, _, message in map(parse, github.stdout.splitlines())
    }
    assert as_plain == set(plain.stdout.splitlines())
    assert len(github.stdout.splitlines()) == len(plain.stdout.splitlines())


def test_notes_only_with_notes_as_notices(repo):
    without = [parse(line) for line in run(repo, "--format", "github").stdout.splitlines()]
    assert not [f for f in without if f[3] == "incomplete"]
    with_notes = run(repo, "--format", "github", "--notes")
    notices = [
        parse(line) for line in with_notes.stdout.splitlines() if line.startswith("::notice")
    ]
    # The incomplete reference, then test-bad's summaries that name what their bodies do
    # not (its pages are one-line stubs: "Dates are ISO.").
    assert [n[:4] for n in notices][0] == ("notice", *NOTE[:3])
    assert NOTE[3] in notices[0][4]
    assert {n[3] for n in notices[1:]} == {"summary_fact"}
    assert with_notes.returncode == 1


def test_paths_from_the_repository_root_when_root_is_below_it(repo):
    # --root pointing into the repository, run from elsewhere: GitHub still needs bib/...
    (repo / "docs/conf.py").write_text(
        'kb_vocabulary = "vocabulary.yml"\nkb_bibliography = ["../bib/*.bib"]\n'
    )
    out = run(
        repo, "--root", str(repo / "docs"), "--docs", ".", "--format", "github", cwd=repo.parent
    )
    files = {parse(line)[1] for line in out.stdout.splitlines()}
    assert "docs/practices/PC-002.md" in files and "bib/bad.bib" in files


def test_a_vocabulary_problem_escapes_newlines_and_keeps_its_line(repo):
    (repo / "docs/vocabulary.yml").write_text("tenets:\n  - {id: a\n  - b: [\n")
    out = run(repo, "--format", "github")
    assert out.returncode == 1
    [line] = out.stdout.splitlines()  # one line, whatever the message holds
    assert line.startswith("::error file=docs/vocabulary.yml,line=3,title=vocabulary::")
    assert "%0A" in line and "\n" not in parse(line)[4][:10]
    assert parse(line)[4].startswith("the vocabulary is not valid YAML: while parsing")
    assert "\n" in parse(line)[4]
    plain = run(repo)
    assert plain.stdout.startswith("docs/vocabulary.yml:3: the vocabulary is not valid YAML")


def test_escaping_in_message_and_properties():
    problem = Problem("docs/a,b: 100%.md", 7, "50% done, see: this\r\nand that", "odd:co,de")
    line = annotation(problem, Path("/repo"), Path("/repo"))
    assert line == (
        "::error file=docs/a%2Cb%3A 100%25.md,line=7,title=odd%3Aco%2Cde"
        "::50%25 done, see: this%0D%0Aand that"
    )
    assert escape_data("%0A") == "%250A"  # '%' first, so an escape is never read twice
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    unknown = annotation(Problem("/repo/bib/x.bib", 0, "m", "unreadable"), Path("/repo"))
    assert unknown == "::error file=bib/x.bib,title=unreadable::m"
    note = annotation(Problem("x.md", 2, "m", "incomplete", "note"), Path("/repo"), Path("/repo"))
    assert note.startswith("::notice file=x.md,line=2,")


def test_an_odd_file_name_is_escaped_by_the_real_command(repo):
    out = run(repo, "--format", "github", ODD)
    assert (
        "::error file=docs/briefs/50%25%2C part%3A two.md,line=1,title=missing_front_matter::"
        in out.stdout
    )


def test_json_flag_and_format_json_agree_and_clash_with_github(repo, capsys):
    assert run(repo, "--json").stdout == run(repo, "--format", "json").stdout
    assert main(["check", "--root", str(repo), "--json", "--format", "github"]) == 2
    assert "disagree" in capsys.readouterr().err
    assert main(["check", "--root", str(repo), "--format", "text", "--format", "github"]) == 1
