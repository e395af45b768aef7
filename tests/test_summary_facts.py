"""A summary says no more than its page: `equity-kb check --notes` notes a summary that
names a number, a year, a quoted phrase or a name that the page's body does not contain,
at the summary's line, as a note that never fails the check; the shipped summaries pass."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from equity_kb.cli.main import main
from equity_kb.core.summary_facts import unsupported

ROOT = Path(__file__).parent / "roots" / "test-kb"
REPO = Path(__file__).resolve().parents[1]


def run_check(src: Path, capsys, *args: str, docs: str = ".") -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["check", "--root", str(src), "--docs", docs, "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_what_the_body_does_not_say_is_named() -> None:
    body = (
        "The Fernvale Board met in 2019 with 32 schools. Teachers said the plan was "
        "“created for us, not with us”. Racial Equity Team members took notes."
    )
    # All of it in the body (case, possessives and a plural aside): nothing to note.
    ok = "In 2019 the Fernvale Board's 32 schools met. Racial Equity Teams took notes."
    assert unsupported(ok, body) == []
    assert unsupported("They said it was “created for us, not with us”.", body) == []
    # A year, a number, a quotation and a name the body lacks, each named once.
    said = (
        "In 2021 the Fernvale Board and the Harbor Learning Lab met 40 times; one said "
        "“nothing changed”, and in 2021 they stopped."
    )
    assert unsupported(said, body) == ["2021", "40", "“nothing changed”", "Harbor Learning Lab"]
    # The first word of a sentence is not a name.
    assert unsupported("Teachers met. Some Fernvale schools joined.", body) == []


def test_a_summary_that_says_more_is_a_note_at_its_line(tmp_path: Path, capsys) -> None:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    card = src / "practices" / "PC-001.md"
    text = re.sub(
        r"^summary:.*$",
        "summary: Since 2015 the Harbor Learning Lab has run 12 pauses a year.",
        card.read_text(),
        flags=re.M,
    )
    card.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("summary:"))
    code, report = run_check(src, capsys, "--notes")
    assert code == 0  # a note, never a problem
    notes = [n for n in report["notes"] if n["code"] == "summary_fact"]
    assert [(n["file"], n["line"], n["severity"]) for n in notes] == [
        ("practices/PC-001.md", line, "note")
    ]
    assert "2015, 12, Harbor Learning Lab" in notes[0]["message"]
    # Without --notes the text report says nothing of it (the JSON carries notes always).
    capsys.readouterr()
    assert main(["check", "--root", str(src), "--docs", "."]) == 0
    assert "Harbor Learning Lab" not in capsys.readouterr().out


def test_the_shipped_summaries_say_only_what_their_pages_say(capsys) -> None:
    code, report = run_check(REPO, capsys, "--notes", docs="docs")
    assert code == 0
    assert [n for n in report["notes"] if n["code"] == "summary_fact"] == []
