"""Plain language, checked: `equity-kb check --notes` notes each card and brief summary
above the reading grade (kb_reading_grade, default 10) at its line, as a note that never
fails the check; the shipped summaries meet the default."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from equity_kb.cli.main import main

ROOT = Path(__file__).parent / "roots" / "test-kb"
REPO = Path(__file__).resolve().parents[1]
# One long sentence of long words (Flesch-Kincaid grade above 20), and two short plain ones.
DENSE = (
    "Institutionalized organizational accountability mechanisms necessitate comprehensive "
    "interdepartmental collaboration, systematically operationalizing equity-oriented "
    "continuous improvement methodologies throughout administrative infrastructures."
)
PLAIN = "Stop and ask who benefits. Then change the plan."
MEDIUM = (
    "Facilitators schedule reflection pauses during improvement meetings so that district "
    "teams keep examining whom their decisions serve."
)


def project(tmp_path: Path, conf_extra: str = "") -> Path:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    card = src / "practices" / "PC-001.md"
    card.write_text(re.sub(r"^summary:.*$", f"summary: {DENSE}", card.read_text(), flags=re.M))
    brief = src / "briefs" / "families.md"
    brief.write_text(re.sub(r"^summary:.*$", f"summary: {PLAIN}", brief.read_text(), flags=re.M))
    if conf_extra:
        with (src / "conf.py").open("a") as f:
            f.write(conf_extra)
    return src


def summary_line(path: Path) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith("summary:"))


def run_check(src: Path, capsys, *args: str, docs: str = ".") -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["check", "--root", str(src), "--docs", docs, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_dense_summary_is_a_note_at_its_line(tmp_path: Path, capsys) -> None:
    src = project(tmp_path)
    code, out, _ = run_check(src, capsys, "--notes")
    assert code == 0  # a note, not a problem
    notes = [line for line in out.splitlines() if "reads at grade" in line]
    line = summary_line(src / "practices" / "PC-001.md")
    assert len(notes) == 1, out
    assert notes[0].startswith(f"practices/PC-001.md:{line}: the summary reads at grade ")
    grade = float(re.search(r"grade (\d+\.\d)", notes[0]).group(1))
    assert grade > 20
    assert "above the site's grade 10 (kb_reading_grade in conf.py)" in notes[0]
    assert notes[0].endswith("(note)")
    # Without --notes, nothing is said of it.
    code, out, _ = run_check(src, capsys)
    assert code == 0 and "reads at grade" not in out


def test_the_grade_comes_from_conf(tmp_path: Path, capsys) -> None:
    src = project(tmp_path)
    card = src / "practices" / "PC-001.md"
    card.write_text(card.read_text().replace(DENSE, MEDIUM))
    code, out, _ = run_check(src, capsys, "--notes")
    assert "practices/PC-001.md:9: the summary reads at grade 15.3" in out  # above 10
    with (src / "conf.py").open("a") as f:
        f.write("kb_reading_grade = 16\n")
    code, out, _ = run_check(src, capsys, "--notes")
    assert code == 0 and "reads at grade" not in out
    strict = project(tmp_path / "strict", "kb_reading_grade = 1\n")
    code, out, _ = run_check(strict, capsys, "--notes")
    noted = sorted(line.split(":")[0] for line in out.splitlines() if "reads at grade" in line)
    # The plain brief measures below grade 1; the other briefs' nine-word summary is
    # above it; the cards' are under eight words, too short for the formula to measure.
    assert noted == ["briefs/discipline-data.md", "practices/PC-001.md"]


def test_json_carries_the_notes(tmp_path: Path, capsys) -> None:
    src = project(tmp_path)
    code, out, _ = run_check(src, capsys, "--json")
    assert code == 0
    notes = [n for n in json.loads(out)["notes"] if n["code"] == "reading_grade"]
    assert [(n["file"], n["line"], n["severity"]) for n in notes] == [
        ("practices/PC-001.md", summary_line(src / "practices" / "PC-001.md"), "note")
    ]


@pytest.mark.parametrize(
    ("value", "shown"), [('"ten"', "'ten'"), ("0", "0"), ("True", "True"), ("99", "99")]
)
def test_a_bad_grade_setting_is_a_clear_error(
    tmp_path: Path, capsys, value: str, shown: str
) -> None:
    src = project(tmp_path, f"kb_reading_grade = {value}\n")
    code, _, err = run_check(src, capsys, "--notes")
    assert code == 2
    assert f"kb_reading_grade is {shown}: give a school grade from 1 to 20" in err
    assert str(src / "conf.py") in err


def test_a_bad_grade_setting_stops_the_build(kb_build, tmp_path: Path) -> None:
    from sphinx.errors import ConfigError

    with pytest.raises(ConfigError, match="kb_reading_grade is 0: give a school grade"):
        kb_build(src=project(tmp_path), confoverrides={"kb_reading_grade": 0})


def test_the_shipped_summaries_read_at_grade_10_or_below(capsys) -> None:
    code, out, _ = run_check(REPO, capsys, "--notes", docs="docs")
    assert code == 0, out
    assert [line for line in out.splitlines() if "reads at grade" in line] == []
