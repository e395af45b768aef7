"""Shipped text is written in our own words: no run of 12 or more consecutive
words in docs/ or in the prose fields of bib/ (annotation, provenance, note) appears
in the source documents in ../shared/seeds/. Bibliographic fields (titles, names,
URLs) are facts that must match their source exactly, so they are not compared.

Run directly (``python tests/test_content_integrity.py``) to list every copied run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
RUN = 12
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-case words, punctuation and markup dropped, so formatting cannot hide a copy."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def seed_runs() -> set[tuple[str, ...]]:
    runs: set[tuple[str, ...]] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        ws = words(path.read_text(encoding="utf-8"))
        runs.update(tuple(ws[i : i + RUN]) for i in range(len(ws) - RUN + 1))
    return runs


def shipped_files() -> list[Path]:
    # The vocabulary too: its descriptions are shown on the tenet and topic pages.
    return sorted([*ROOT.glob("docs/**/*.md"), *ROOT.glob("docs/*.yml"), *ROOT.glob("bib/*.bib")])


PROSE_FIELDS = ("annotation", "provenance", "note")


def prose(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".bib":
        return text
    import bibtexparser

    library = bibtexparser.parse_string(text)
    return "\n\n".join(
        str(entry.fields_dict[name].value)
        for entry in library.entries
        for name in PROSE_FIELDS
        if name in entry.fields_dict
    )


def copied_runs(path: Path, runs: set[tuple[str, ...]]) -> list[str]:
    ws = words(prose(path))
    found = []
    i = 0
    while i <= len(ws) - RUN:
        if tuple(ws[i : i + RUN]) in runs:
            found.append(" ".join(ws[i : i + RUN]))
            i += RUN
        else:
            i += 1
    return found


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source documents not present at {SEEDS}")
def test_no_shipped_text_copies_the_sources() -> None:
    runs = seed_runs()
    assert runs, "no seed text was read"
    copies = {str(p.relative_to(ROOT)): c for p in shipped_files() if (c := copied_runs(p, runs))}
    assert copies == {}


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source documents not present at {SEEDS}")
def test_the_check_catches_a_copied_sentence(tmp_path: Path) -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")
    sample = " ".join(words(seed)[200:215])
    page = tmp_path / "copy.md"
    page.write_text(f"An intro, then *{sample.upper()}*.", encoding="utf-8")
    assert copied_runs(page, seed_runs())


if __name__ == "__main__":
    all_runs = seed_runs()
    bad = 0
    for p in shipped_files():
        for run in copied_runs(p, all_runs):
            bad += 1
            print(f"{p.relative_to(ROOT)}: copied: {run}")
    print(f"{bad} copied runs")
    sys.exit(1 if bad else 0)
