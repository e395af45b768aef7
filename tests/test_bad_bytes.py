"""Bytes that are not UTF-8, and files that are merely unusual, through the build and
through ``equity-kb check``: one located message each (file, line of the first bad
byte, what to do), the rest of the site built and listed; a BOM, CRLF or CR just work."""

from __future__ import annotations

import codecs
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from equity_kb.cli.main import main

ROOT = Path(__file__).parent / "roots" / "test-kb"
BRIEF = """\
---
title: Café conversations about data
authors: [Test Author]
date: 2026-02-01
tenets: [data]
focus: [discipline]
levels: [school]
summary: A made-up brief for the encoding tests.
status: published
---

## Why

Teams talk about data {cite:p}`bowman2021getting`.
"""
ENTRY = """\
@misc{encoded2020,
  author = {Müller, Jürgen},
  title = {A Made-up Work Called Café},
  year = {2020},
  annotation = {A made-up entry for the encoding tests.},
  tenets = {data},
}
"""


def nul_in_body(text: str) -> bytes:
    return text.replace("## Why", "## Why\x00", 1).encode()


# name: (bytes of the file from its text, message fragment, line of the first bad byte)
BAD = {
    "latin-1": (lambda t: t.encode("latin-1"), "another encoding", 2),
    "windows-1252": (
        lambda t: t.replace("Café", "Café “quoted”").encode("cp1252"),
        "another encoding",
        2,
    ),
    "utf-16 with bom": (lambda t: t.encode("utf-16"), "saved as UTF-16", 1),
    "utf-16 without bom": (lambda t: t.encode("utf-16-le"), "UTF-16 without a byte-order mark", 1),
    "nul byte": (nul_in_body, "NUL byte", 12),
    "empty": (lambda t: b"", "is empty", 1),
}
FINE = {
    "utf-8 bom": lambda t: codecs.BOM_UTF8 + t.encode(),
    "crlf": lambda t: t.replace("\n", "\r\n").encode(),
    "old mac cr": lambda t: t.replace("\n", "\r").encode(),
}


def project(tmp_path: Path, brief: bytes | None = None, bib: bytes | None = None) -> Path:
    src = tmp_path / "kb"
    shutil.copytree(ROOT, src)
    if brief is not None:
        (src / "briefs" / "encoded.md").write_bytes(brief)
    if bib is not None:
        (src / "refs" / "encoded.bib").write_bytes(bib)
    return src


def check(src: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    capsys.readouterr()  # what the build printed before (sphinxext-opengraph's notice)
    code = main(["check", "--root", str(src), "--docs", ".", "--json"])
    return code, json.loads(capsys.readouterr().out)["problems"]


def warnings_of(app) -> list[str]:
    return [w for w in app.warning.getvalue().splitlines() if "WARNING" in w]


def listed_briefs(app) -> set[str]:
    html = (Path(app.outdir) / "briefs" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    return {a["href"] for a in soup.select("article a[href]") if a["href"].endswith(".html")}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_brief_is_one_message_and_the_rest_builds(
    kind: str, kb_build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    to_bytes, says, line = BAD[kind]
    src = project(tmp_path, brief=to_bytes(BRIEF))
    app = kb_build(src=src)
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert f"briefs/encoded.md:{line}: WARNING: " in warnings[0] and says in warnings[0]
    assert "re-save it as UTF-8" in warnings[0] or kind == "empty"
    # The rest of the site is there, its other briefs listed.
    assert {"discipline-data.html", "families.html"} <= listed_briefs(app)
    if kind != "empty":  # what could be read is built and listed too
        assert "encoded.html" in listed_briefs(app)
    code, problems = check(src, capsys)
    assert code == 1
    assert [(p["file"], p["line"], p["code"]) for p in problems] == [
        ("briefs/encoded.md", line, "empty_file" if kind == "empty" else "bad_encoding")
    ]
    assert says in problems[0]["message"]


@pytest.mark.parametrize("kind", sorted(FINE))
def test_an_unusual_brief_just_works(
    kind: str, kb_build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = project(tmp_path, brief=FINE[kind](BRIEF))
    app = kb_build(src=src)
    assert warnings_of(app) == []
    html = (Path(app.outdir) / "briefs" / "encoded.html").read_text(encoding="utf-8")
    assert "Café conversations about data" in html
    assert "encoded.html" in listed_briefs(app)
    assert check(src, capsys) == (0, [])


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_bib_file_is_one_message_and_the_rest_loads(
    kind: str, kb_build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    to_bytes, says, _ = BAD[kind]
    data = to_bytes(ENTRY)
    line = {"latin-1": 2, "windows-1252": 2, "nul byte": 1}.get(kind, 1)
    if kind == "nul byte":
        data = ENTRY.replace("@misc", "\x00@misc").encode()
    src = project(tmp_path, bib=data)
    app = kb_build(src=src)
    warnings = warnings_of(app)
    assert len(warnings) == 1, warnings
    assert f"refs/encoded.bib:{line}: WARNING: " in warnings[0] and says in warnings[0]
    pages = Path(app.outdir, "bibliography")
    text = " ".join(p.read_text(encoding="utf-8") for p in pages.glob("*.html"))
    assert "Getting better at getting more equitable" in text  # the other file's entries
    code, problems = check(src, capsys)
    assert code == 1
    assert [(p["file"], p["line"]) for p in problems] == [("refs/encoded.bib", line)]


@pytest.mark.parametrize("kind", sorted(FINE))
def test_an_unusual_bib_file_just_works(kind: str, kb_build, tmp_path: Path, capsys) -> None:
    src = project(tmp_path, bib=FINE[kind](ENTRY))
    app = kb_build(src=src)
    assert warnings_of(app) == []
    pages = Path(app.outdir, "bibliography")
    text = " ".join(p.read_text(encoding="utf-8") for p in pages.glob("*.html"))
    # The title in APA's sentence case, the é read from Latin-1.
    assert "A made-up work called café" in text and "Müller, J." in text
    assert check(src, capsys) == (0, [])


def test_make_check_fails_on_a_bad_file(tmp_path: Path) -> None:
    """The strict build (-W, as `make check` runs it) fails, naming the file and line."""
    src = project(tmp_path, brief=BRIEF.encode("latin-1"))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            str(src),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "encoded.md:2: WARNING: this line is not valid UTF-8" in run.stderr
    assert "Traceback" not in run.stderr and "UnicodeDecodeError" not in run.stderr
