"""Build benchmark: our build against plain Sphinx on the same Markdown pages.

Plain Sphinx here is the same theme (furo), MyST and sphinx-design, without the
equity_kb extension. Both are built in fresh subprocesses, side by side, in one run, over
the shipped docs and over 200 synthetic practice cards from ``corpus.write_cards`` (cards
citing nothing, no bibliography), listed on the home page in a glob toctree or by links.
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

PLAIN_CONF = """
project = "plain"
extensions = ["myst_parser", "sphinx_design"]
html_theme = "furo"
myst_title_to_header = True
exclude_patterns = ["_build", "vocabulary.yml"]
suppress_warnings = ["myst", "docutils", "toc"]
"""


SHIPPED_RUNS = 5  # the bars are within a tenth; the median of 5 runs varies less


def kb_conf(vocabulary: str, bib: str) -> str:
    return (
        f'project = "kb"\nextensions = ["equity_kb"]\nhtml_theme = "furo"\n'
        f"myst_title_to_header = True\nkb_vocabulary = {vocabulary!r}\n"
        f'kb_bibliography = [{bib!r}]\nexclude_patterns = ["_build", "vocabulary.yml"]\n'
    )


def sphinx(src: Path, out: Path, conf_dir: Path, jobs: str = "1") -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-b",
            "html",
            "-c",
            str(conf_dir),
            "-j",
            jobs,
            str(src),
            str(out),
        ],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def compare(
    src: Path, work: Path, touch: Path | None, vocabulary: Path, bib: str, runs: int = 1
) -> dict:
    """Clean and incremental build times, ours and plain, on copies of ``src``: the
    median of ``runs`` of each, ours and plain alternating (a clean build into a fresh
    output folder, then the edit and an incremental build)."""
    times: dict[str, list[float]] = {}
    confs = (("kb", kb_conf(str(vocabulary), bib)), ("plain", PLAIN_CONF))
    for name, conf in confs:
        conf_dir = work / f"conf-{name}"
        conf_dir.mkdir()
        (conf_dir / "conf.py").write_text(conf, encoding="utf-8")
        shutil.copytree(src, work / f"src-{name}")
    for n in range(runs):
        for name, _ in confs:
            copy, out = work / f"src-{name}", work / f"out-{name}-{n}"
            times.setdefault(f"{name}_clean", []).append(sphinx(copy, out, work / f"conf-{name}"))
            if touch is not None:
                page = copy / touch
                page.write_text(
                    page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8"
                )
                times.setdefault(f"{name}_incremental", []).append(
                    sphinx(copy, out, work / f"conf-{name}")
                )
    return {k: sorted(v)[len(v) // 2] for k, v in times.items()}


def run() -> str:
    lines = ["## Build: Equity KB against plain Sphinx (same pages, furo, MyST, sphinx-design)", ""]
    lines += ["| pages | build | ours (s) | plain Sphinx (s) | ratio |", "|---|---|---|---|---|"]
    vocabulary = ROOT / "docs" / "vocabulary.yml"
    with scratch() as tmp:
        work = Path(tmp)
        (work / "shipped").mkdir()
        shipped = compare(
            ROOT / "docs",
            work / "shipped",
            Path("briefs/theory-of-change.md"),
            vocabulary,
            str(ROOT / "bib" / "*.bib"),
            runs=SHIPPED_RUNS,
        )
        n_shipped = len(list((ROOT / "docs").rglob("*.md")))
        results = {}
        for toctree in (True, False):
            synth_src = work / f"synthetic-{toctree}"
            corpus.write_cards(synth_src, 200, toctree=toctree)
            (work / f"s-{toctree}").mkdir()
            results[toctree] = compare(
                synth_src,
                work / f"s-{toctree}",
                Path("practices/PC-100.md"),
                vocabulary,
                str(work / "none" / "*.bib"),
            )
    overheads = []
    for label, r in (
        (f"shipped docs ({n_shipped} pages)", shipped),
        ("200 synthetic cards, in a glob toctree", results[True]),
        ("200 synthetic cards, listed by links", results[False]),
    ):
        for kind in ("clean", "incremental"):
            ours, plain = r[f"kb_{kind}"], r[f"plain_{kind}"]
            lines.append(
                f"| {label} | {kind}, -j 1 | {ours:.2f} | {plain:.2f} | {ours / plain:.2f}x |"
            )
            if kind == "clean":
                overheads.append(ours / plain - 1)
    lines += [
        "",
        f"Extension overhead on a clean build: {overheads[0]:+.0%} on the shipped docs "
        "(where it also builds the bibliography and the tenet, focus-area and level pages, "
        f"which plain Sphinx does not have), {overheads[1]:+.0%} and {overheads[2]:+.0%} on "
        "200 synthetic cards (with and without a toctree holding them). Goal: under +25%.",
        "",
        "The synthetic cards are `corpus.write_cards` from `benchmarks/corpus.py`: the "
        "practice cards of its synthetic sites (front matter, four sections, about 320 "
        "words), citing nothing, so neither build has a bibliography; the same pages go "
        "to both builds.",
        "",
        f"The shipped docs' times are medians of {SHIPPED_RUNS} runs, ours and plain "
        "alternating. Issue 30's bars on them:",
        "",
    ]
    for kind, bar in (("clean", 1.25), ("incremental", 1.1)):
        ratio = shipped[f"kb_{kind}"] / shipped[f"plain_{kind}"]
        lines.append(
            f"- **{'PASS' if ratio <= bar else 'FAIL'}** {kind} build of the shipped docs "
            f"within {bar}x of plain Sphinx's: {ratio:.2f}x ({shipped[f'kb_{kind}']:.2f} s "
            f"against {shipped[f'plain_{kind}']:.2f} s)"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
