"""Citation styles benchmark: 1,000 references formatted in APA 7 (the default) and in the
other author-date styles ``kb_citation_style`` can pick, in one run, cold (a fresh style
and no cache) and serial, so the styles compare like for like; and in-text citations.

APA and Harvard run on the faster style tree of core/apa_speedups; chicago-author-date
fails that tree's self-check (editor-only works) and runs on citeproc-py's own tree.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from equity_kb.core import apa
from equity_kb.core.bibtex import clear_cache, load_bibliography
from equity_kb.core.vocabulary import load_vocabulary

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from workdirs import scratch  # noqa: E402

STYLES = ("apa", "harvard-cite-them-right", "chicago-author-date")
N = 1_000


def run() -> str:
    vocabulary = load_vocabulary(corpus.VOCABULARY)
    with scratch() as tmp:
        path = Path(tmp) / "refs.bib"
        path.write_text(corpus.bib_text(N, vocabulary=vocabulary), encoding="utf-8")
        clear_cache()
        refs = list(load_bibliography([path], vocabulary).references.values())
    rows = []
    base = None
    for name in STYLES:
        apa.use_style(name)
        apa._forget_styles()
        start = time.perf_counter()
        style = apa._style()
        loaded = time.perf_counter() - start
        fast = style is not apa._stock_style()
        start = time.perf_counter()
        html = apa.format_bibliography(refs, {}, parallel=False)
        listed = time.perf_counter() - start
        assert len(html) == N
        start = time.perf_counter()
        for ref in refs[:200]:
            apa.cited(ref)
        cites = (time.perf_counter() - start) / 200
        base = base or listed
        rows.append(
            f"| {name} | {'faster tree' if fast else 'citeproc-py own tree'} | "
            f"{loaded:.2f} s | {listed:.2f} s ({N / listed:,.0f}/s) | {listed / base:.2f}x | "
            f"{cites * 1000:.2f} ms |"
        )
    apa.use_style("apa")
    return "\n".join(
        [
            "## Citation styles (`kb_citation_style`)",
            "",
            f"{N:,} generated references, formatted serially from cold in each style, the "
            "same run; in-text: the mean of 200 first citations (uncached).",
            "",
            "| style | tree | load + self-check | reference list | vs APA | in-text citation |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
