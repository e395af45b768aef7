"""The site's APA 7 against citeproc-js's (Zotero's processor, Citation.js in node), entry
by entry, from the site's own CSL-JSON export, the whole list at once (year suffixes).

Issue: a reference list must read as citeproc-js prints APA 7. Rows: the shipped
bibliography and the test fixtures of every construct; with ``KB_REAL_BIB`` set to a
folder of ``.bib`` files (real exports nobody on the project wrote, not committed), one
row per file as well. Each row gives references the same, different only by a listed
exception (tools/citeproc-js/EXCEPTIONS.md) and otherwise different, for the reference
list and for the in-text citations, and both processors' times on the same items.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools" / "citeproc-js"))

import compare  # noqa: E402


def _row(name: str, paths: list[Path], vocabulary: object) -> str:
    from equity_kb.core import apa
    from equity_kb.core.bibtex import clear_cache, load_bibliography
    from equity_kb.core.exports import to_csl_json

    clear_cache()
    refs = list(load_bibliography(paths, vocabulary).references.values())  # type: ignore[arg-type]
    if not refs:
        return f"| {name} | 0 | | | | | | |"
    start = time.perf_counter()
    apa.format_bibliography(refs, {}, parallel=False)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    try:
        compare.render(json.loads(to_csl_json(refs)))
    except RuntimeError as err:  # citeproc-js refused the export: that is a finding too
        return f"| {name} | {len(refs)} | citeproc-js failed: {str(err).splitlines()[-1]} |"
    theirs = time.perf_counter() - start
    report = compare.compare(refs)
    n = report.total
    cited = len(report.citations_same)
    return (
        f"| {name} | {n} | {len(report.same)} | {len(report.explained)} | "
        f"{len(report.different)} | **{n - len(report.different)}/{n}** | {cited}/{n} | "
        f"{ours:.2f} s / {theirs:.2f} s |"
    )


def run() -> str:
    from equity_kb.core.vocabulary import Vocabulary, load_vocabulary

    why = compare.unavailable()
    if why:
        return f"## APA against citeproc-js\n\nNot measured: {why}.\n"
    rows = [
        _row(
            "shipped bibliography (`bib/*.bib`)",
            sorted((ROOT / "bib").glob("*.bib")),
            load_vocabulary(ROOT / "docs" / "vocabulary.yml"),
        ),
        _row(
            "fixtures of every construct (`tests/bib/citeproc/`)",
            sorted((ROOT / "tests" / "bib" / "citeproc").glob("*.bib")),
            Vocabulary(terms={}),
        ),
    ]
    real = os.environ.get("KB_REAL_BIB")
    if real:
        for path in sorted(Path(real).glob("*.bib")):
            rows.append(_row(f"`{path.name}` (KB_REAL_BIB)", [path], Vocabulary(terms={})))
    return "\n".join(
        [
            "## APA against citeproc-js",
            "",
            "References rendered by the site (citeproc-py and its fix-ups) and by citeproc-js",
            "(Citation.js 0.9.0, its APA template) from the site's CSL-JSON export, compared",
            "as a reader sees them (text and italics). 'By exception': different only where",
            "tools/citeproc-js/EXCEPTIONS.md says citeproc-js is wrong by the APA manual.",
            "Times: the site's APA (serial, cold cache) / citeproc-js in node (with start-up).",
            "",
            "| references | n | same | by exception | different | as APA wants | "
            "citations same | time, site / citeproc-js |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
