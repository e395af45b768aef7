"""Each kind of bad front matter is a warning with file and line and what to do; the rest
of the site still builds (and a strict build fails)."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOTS, html
from sphinx.errors import SphinxError

EXPECTED = [
    # (file, line, words the message must contain, warning subtype)
    (
        "practices/PC-002.md",
        4,
        "unknown tenet 'colective-learning': did you mean 'collective-learning'?",
        "unknown_tenet",
    ),
    ("practices/PC-003.md", 2, "card id PC-001 does not match the file name PC-003", "bad_id"),
    ("practices/PC-003.md", 2, "duplicate card id PC-001", "duplicate_id"),
    ("practices/PC-004.md", 5, "front matter is not valid YAML", "bad_yaml"),
    ("practices/PC-005.md", 1, "missing required field 'organization'", "missing_field"),
    (
        "practices/PC-005.md",
        5,
        "unknown focus area 'disipline': did you mean 'discipline'?",
        "unknown_focus",
    ),
    ("practices/PC-005.md", 6, "unknown level 'county'", "unknown_level"),
    (
        "practices/PC-005.md",
        8,
        "evidence key 'nosuchkey' is not in the bibliography",
        "unknown_key",
    ),
    (
        "practices/PC-005.md",
        11,
        "citation key 'missing2020' is not in the bibliography",
        "unknown_key",
    ),
    (
        "briefs/bad-date.md",
        4,
        "'date' '23/11/2026' is not a date: write it as YYYY-MM-DD",
        "bad_date",
    ),
    (
        "briefs/bad-date.md",
        9,
        "status 'done' must be one of draft, in-review, published",
        "bad_field",
    ),
    (
        "briefs/bad-date.md",
        10,
        "unknown field 'tenet' in a brief front matter: did you mean 'tenets'?",
        "unknown_field",
    ),
    ("briefs/no-front-matter.md", 1, "a brief needs front matter", "missing_front_matter"),
    # The bibliography: bad.bib is tests/bib/bad.bib (its cases are unit-tested there).
    ("bad.bib", 9, "unknown tenet 'colective-learning'", "unknown_tenet"),
    ("bad.bib", 15, "'noannotation2019' has no annotation", "missing_annotation"),
    ("bad.bib", 59, "is not valid BibTeX and was skipped", "bib_syntax"),
    ("bad.bib", 72, "duplicate citation key 'typo2020tenet'", "duplicate_key"),
]
BIB_PROBLEMS = 16  # everything load_bibliography reports for bad.bib


@pytest.fixture
def bad_app(kb_build):
    return kb_build("bad")


def warnings_of(app) -> list[str]:
    return [w for w in app.warning.getvalue().splitlines() if "WARNING" in w]


@pytest.mark.parametrize(
    ("path", "line", "words", "subtype"), EXPECTED, ids=[f"{e[3]}-{e[0]}" for e in EXPECTED]
)
def test_each_problem_is_reported_at_its_file_and_line(bad_app, path, line, words, subtype):
    pattern = re.compile(
        rf"{re.escape(path)}:{line}: WARNING: .*{re.escape(words)}.*\[kb\.{subtype}\]"
    )
    found = [w for w in warnings_of(bad_app) if pattern.search(w)]
    assert found, f"no warning like {pattern.pattern} in:\n" + "\n".join(warnings_of(bad_app))


def test_no_other_warnings(bad_app):
    kb = [w for w in warnings_of(bad_app) if "[kb." in w]
    docs = [w for w in kb if "bad.bib" not in w]
    assert len(docs) == len([e for e in EXPECTED if e[0] != "bad.bib"]), "\n".join(docs)
    assert len(kb) - len(docs) == BIB_PROBLEMS, "\n".join(kb)


def test_bad_yaml_is_said_once_on_an_entry_and_by_myst_elsewhere(bad_app, kb_build, tmp_path):
    # On a card, this project's message (with the line and what to do); not MyST's too.
    yaml = [w for w in warnings_of(bad_app) if "PC-004.md" in w]
    assert len(yaml) == 1 and "[kb.bad_yaml]" in yaml[0]
    # On a page that is not an entry, only MyST reads the front matter: its message stays.
    src = tmp_path / "other"
    shutil.copytree(ROOTS / "test-kb", src)
    (src / "notes.md").write_text("---\norphan: [true\n---\n\n# Notes\n", encoding="utf-8")
    app = kb_build(src=src)
    assert [w for w in warnings_of(app) if "notes.md" in w and "[myst.topmatter]" in w]


def test_good_references_still_render(bad_app):
    from pathlib import Path

    pages = "".join(p.read_text() for p in Path(bad_app.outdir, "bibliography").glob("*.html"))
    for key in ("good2020", "lastgood2023", "afterbrace2021"):
        assert f'id="ref-{key}"' in pages, key


def test_the_rest_still_builds_and_is_listed(bad_app):
    cards = html(bad_app, "practices/index")
    for title in ("Good card", "Unknown tenet", "Missing organization"):
        assert title in cards
    # The valid tenet of a card with a typo in another one still counts.
    assert "Unknown tenet" in html(bad_app, "tenets/data")
    assert "Good card" in html(bad_app, "practices/PC-001")


def test_a_strict_build_fails(kb_build, tmp_path):
    shutil.copytree(ROOTS / "test-bad", tmp_path / "strict")
    # Sphinx 8.1+ finishes a -W build (reporting every warning) and then fails it.
    try:
        app = kb_build(src=tmp_path / "strict", warningiserror=True)
    except SphinxError:
        return
    assert app.statuscode != 0
