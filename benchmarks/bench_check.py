"""`equity-kb check` against a full strict build of the same content, side by side.

Issue: a contributor should hear about every mistake in seconds, not minutes. Measured on
the shipped docs and on the shipped docs plus 10,000 synthetic references
(``corpus.write_bib``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from workdirs import scratch  # noqa: E402

ROOT = corpus.ROOT
CLI = Path(sys.executable).with_name("equity-kb")


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(site: Path) -> tuple[float, float, float]:
    check = timed([str(CLI), "check", "--root", str(site)])
    # --notes adds the summaries' reading grades (textstat, loading its syllable dictionary).
    notes = timed([str(CLI), "check", "--notes", "--root", str(site)])
    build = timed(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-E",
            "-W",
            "--keep-going",
            "-c",
            str(site),
            str(site / "docs"),
            str(site / "_build" / "check"),
        ]
    )
    return check, notes, build


def run() -> str:
    rows = []
    with scratch() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        for name in ("docs", "bib", "templates"):
            shutil.copytree(ROOT / name, site / name)
        shutil.copy(ROOT / "conf.py", site / "conf.py")
        rows.append(("shipped docs", *measure(site)))
        corpus.write_bib(site / "bib" / "synthetic.bib", 10_000)
        rows.append(("shipped docs + 10,000 references", *measure(site)))
    lines = [
        "## `equity-kb check` against a strict build",
        "",
        "| content | `equity-kb check` (s) | `check --notes` (s) | strict build, `-E -W` (s) "
        "| check is faster by |",
        "|---|---|---|---|---|",
    ]
    for name, check, notes, build in rows:
        lines.append(f"| {name} | {check:.2f} | {notes:.2f} | {build:.2f} | {build / check:.1f}x |")
    lines += [
        "",
        "Both run cold in fresh processes (check parses and validates everything; "
        "the build also formats and writes the site). The 10,000 references are one "
        "synthetic `.bib` from `benchmarks/corpus.py` (`corpus.write_bib`) beside the "
        "shipped ones. `--notes` also grades the 43 shipped summaries' reading level; "
        "most of its extra time is loading textstat's syllable dictionary once.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
