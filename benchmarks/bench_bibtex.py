"""Bibliography benchmark: loading .bib files and formatting APA references.

The .bib files are ``corpus.bib_text(n)`` (benchmarks/corpus.py): deterministic, ``n``
realistic entries (1-6 authors, some with LaTeX accents, protected words in braces,
40-120-word annotations, tags from docs/vocabulary.yml). ``run()`` times
``load_bibliography`` cold (nothing cached), warm in memory, and warm from the on-disk
cache (a new process on a rebuild), plain bibtexparser parsing as the floor, and APA
formatting cold and from its cache.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import bibtexparser

from equity_kb.core import apa, background
from equity_kb.core.bibtex import clear_cache, load_bibliography
from equity_kb.core.vocabulary import load_vocabulary

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from workdirs import scratch  # noqa: E402

VOCABULARY = corpus.VOCABULARY


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run() -> str:
    """Measure and return a Markdown section."""
    vocabulary = load_vocabulary(VOCABULARY)
    rows: list[str] = []
    apa_rows: list[str] = []
    with scratch() as tmp:
        for n in (1_000, 10_000):
            path = Path(tmp) / f"refs{n}.bib"
            text = corpus.bib_text(n, vocabulary=vocabulary)
            path.write_text(text, encoding="utf-8")
            cache_dir = Path(tmp) / f"cache{n}"
            plain, _ = _time(partial(bibtexparser.parse_string, text))
            load = partial(load_bibliography, [path], vocabulary, cache_dir=cache_dir)
            clear_cache()
            cold, result = _time(load)
            assert len(result.references) == n and not result.problems, result.problems[:3]
            warm, _ = _time(load)
            clear_cache()  # as in a new process: only the disk cache is left
            disk, _ = _time(load)
            rows.append(
                f"| {n:,} | {plain:.2f} s | {cold:.2f} s | {disk:.2f} s | {warm * 1000:.0f} ms |"
            )

            refs = list(result.references.values())
            timings = {}
            for parallel in (True, False):
                # A fresh style for each (its memos are part of "cold"); loading it,
                # with its self-check, is left out of the timing: once per process.
                apa._forget_styles()
                apa._style()
                cache: dict[str, str] = {}
                fmt = partial(apa.format_bibliography, refs, cache, parallel=parallel)
                timings[parallel], html = _time(fmt)
                assert len(html) == n
            fmt_warm, _ = _time(fmt)
            apa_rows.append(
                f"| {n:,} | {timings[True]:.1f} s ({timings[True] / n * 1000:.2f} ms each) | "
                f"{timings[False]:.1f} s ({timings[False] / n * 1000:.2f} ms each) | "
                f"{fmt_warm * 1000:.0f} ms |"
            )
    return "\n".join(
        [
            "## Bibliography: loading and APA formatting",
            "",
            "Synthetic `.bib` files from `benchmarks/corpus.py` (`corpus.bib_text`, the text "
            "`corpus.write_bib` writes): 1-6 authors, about a quarter of names with LaTeX "
            "accents, protected `{RPP}` words, 40-120-word annotations (about 80 on "
            "average), tags from the vocabulary.",
            "",
            "| references | bibtexparser only | load, cold | load, disk cache (new process) "
            "| load, memory cache (rebuild) |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "*Cold* parses with bibtexparser, decodes LaTeX only in fields that have some, "
            "splits names and validates. *Disk cache* skips parsing (the file's bytes are "
            "unchanged) and only validates; *memory cache* also reuses validation.",
            "",
            f"| references | APA 7 formatting (citeproc-py), cold, {background.worker_count()} "
            "worker processes | cold, one process | from the formatted-HTML cache |",
            "| ---: | ---: | ---: | ---: |",
            *apa_rows,
            "",
            "citeproc-py interprets the large APA CSL style for every reference; "
            "`equity_kb.core.apa_speedups` runs citeproc-py's own code over a faster copy of "
            "the style tree, with memoised look-ups and macro output (same output, "
            "checked against stock citeproc-py by the tests), and lists of "
            f"{apa.PARALLEL_MIN_ITEMS} or more references are shared out between worker "
            "processes. Keep the cache between builds so only new or changed references "
            "are formatted.",
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
