"""sphinxcontrib-bibtex's own test roots, built with it and here after the one-line move.

Issue: a sphinxcontrib-bibtex project must build unchanged after ``extensions`` names
``equity_kb``. Every root of its 2.7.0 sdist (pinned by hash) that loads it is built both
ways (tests/scbibtex_roots.py compares the two); the row gives how many match, and the
roots that do not, with why. Needs a package index (pip downloads the sdist).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import scbibtex_roots  # noqa: E402

WORK = HERE / "_work" / "scbibtex"


def run() -> str:
    start = time.perf_counter()
    try:
        folder = scbibtex_roots.fetch_sdist(WORK / "sdist")
    except scbibtex_roots.SdistError as err:
        return f"## sphinxcontrib-bibtex's test roots\n\nNot measured: {err}\n"
    rows = scbibtex_roots.run_all(folder, WORK / "builds")
    seconds = time.perf_counter() - start
    counted = [r for r in rows if not r.match.excluded]
    matched = sum(r.match.matched for r in counted)
    lines = [
        "## sphinxcontrib-bibtex's test roots",
        "",
        f"sphinxcontrib-bibtex {scbibtex_roots.VERSION}'s roots that load it, each built with "
        "it and here (the extensions line changed, nothing else), 2 processes: "
        f"{len(rows)} roots, {len(rows) - len(counted)} excluded (its own build fails), "
        f"{seconds:.0f} s in all.",
        "",
        "| roots counted | match | goal |",
        "| --- | --- | --- |",
        f"| {len(counted)} | **{matched}** | 64 |",
        "",
        "```",
        scbibtex_roots.table(rows, failing_only=True),
        "```",
    ]
    return "\n".join(lines) + "\n"
