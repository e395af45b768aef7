"""Bibliography benchmark: loading .bib files and formatting APA references.

``synthetic_bib(n, seed=1)`` writes a deterministic .bib of ``n`` realistic entries (1-6
authors, some with LaTeX accents, protected words in braces, ~60-word annotations,
tags from docs/vocabulary.yml). ``run()`` times ``load_bibliography`` cold (nothing
cached), warm in memory, and warm from the on-disk cache (a new process on a rebuild),
plain bibtexparser parsing as the floor, and APA formatting cold and from its cache.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import bibtexparser

from equity_kb import apa
from equity_kb.bibliography import clear_cache, load_bibliography
from equity_kb.vocabulary import Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY = ROOT / "docs" / "vocabulary.yml"

SURNAMES = [
    "Bowman",
    "Valdez",
    "Krausen",
    "Donahue",
    "Diamond",
    "Molle",
    "Jones",
    "Handsman",
    "White",
    "Choi",
    "Mosby",
    "Greer",
    "Hallett",
    "Ishimaru",
    "Bryk",
    "Gomez",
    "Grunow",
    "LeMahieu",
    "Honig",
    "Coburn",
    "Penuel",
    "Farrell",
    "Ladson-Billings",
    "Paris",
    "Alim",
    "Noguera",
    "Milner",
    "Horsford",
    "Khalifa",
    "Gooden",
    "Davis",
    "Ortiz",
    "Nguyen",
    "Kim",
    "Patel",
    "Okafor",
]
# Names as BibTeX authors write them with accents: decoded by the LaTeX path.
ACCENTED = [
    r"M{\'e}ndez",
    r"Nu{\~n}ez",
    r"G{\"o}mez",
    r"Mu{\~n}oz",
    r"Garc{\'\i}a",
    r"Jos{\'e}",
    r"Fran{\c{c}}ois",
    r"Bj{\"o}rk",
]
GIVEN = [
    "Alicia",
    "Amber",
    "Kelsey",
    "Corey",
    "John",
    "Daniella",
    "April",
    "Wehmah",
    "Emily",
    "Mark",
    "Yeonsoo",
    "Jordan",
    "Ann",
    "Luis",
    "Mei",
    "Sam",
    "Pat",
    "Lee",
    "Ronald",
    "Tyrone",
    "Keisha",
    "Marisol",
    "Hiroshi",
    "Priya",
    "Chidi",
    "Rosa",
    "Tomas",
]
WORDS = [
    "equity",
    "teams",
    "data",
    "inquiry",
    "practice",
    "school",
    "district",
    "leaders",
    "families",
    "students",
    "race",
    "improvement",
    "cycles",
    "partnership",
    "discipline",
    "literacy",
    "voice",
    "climate",
    "resources",
    "policy",
    "teachers",
    "coaching",
    "measures",
    "evidence",
    "design",
    "routines",
    "learning",
    "community",
    "trust",
    "central",
    "office",
    "continuous",
    "systemic",
    "inequities",
    "collective",
    "capacity",
    "conditions",
    "culturally",
    "responsive",
    "detracking",
    "advanced",
    "coursework",
    "belonging",
    "feedback",
    "networks",
]
JOURNALS = (
    "American Educational Research Journal",
    "Educational Researcher",
    "Journal of Education for Students Placed at Risk",
    "Teachers College Record",
    "Urban Education",
    r"Race Ethnicity {\&} Education",
    "Educational Administration Quarterly",
)
PUBLISHERS = ("WestEd", "Harvard Education Press", "Teachers College Press", "Routledge")
INSTITUTIONS = (
    "WestEd",
    "RAND Corporation",
    "Learning Policy Institute",
    "UW College of Education",
)
TYPES = (
    ["article"] * 8
    + ["techreport"] * 3
    + ["book"] * 2
    + ["incollection"] * 2
    + ["inproceedings"] * 2
    + ["phdthesis"]
    + ["misc"] * 2
)


def _name(rnd: random.Random) -> str:
    family = rnd.choice(ACCENTED) if rnd.random() < 0.15 else rnd.choice(SURNAMES)
    given = rnd.choice(GIVEN)
    return f"{family}, {given}" if rnd.random() < 0.8 else f"{given} {family}"


def _sentence(rnd: random.Random, n: int) -> str:
    words = [rnd.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _title(rnd: random.Random) -> str:
    words = [rnd.choice(WORDS) for _ in range(rnd.randint(6, 14))]
    if rnd.random() < 0.2:  # a protected acronym, as authors write them
        words.insert(rnd.randrange(len(words)), "{RPP}")
    if rnd.random() < 0.1:
        words.insert(rnd.randrange(len(words)), "--")
    text = " ".join(words)
    return text[0].upper() + text[1:]


def synthetic_bib(n: int, seed: int = 1, vocabulary: Vocabulary | None = None) -> str:
    """A deterministic .bib text of ``n`` valid, realistic entries (same seed, same text)."""
    vocabulary = vocabulary or load_vocabulary(VOCABULARY)
    tenets, focus, levels = (vocabulary.ids(k) for k in ("tenets", "focus", "levels"))
    evidence = vocabulary.ids("evidence")
    rnd = random.Random(seed)
    out = ["% Synthetic bibliography for benchmarks.\n"]
    for i in range(n):
        bibtype = rnd.choice(TYPES)
        year = rnd.randint(1995, 2025)
        authors = " and ".join(_name(rnd) for _ in range(rnd.randint(1, 6)))
        annotation = " ".join(_sentence(rnd, rnd.randint(10, 14)) for _ in range(5))
        fields = {
            "author": authors,
            "title": _title(rnd),
            "year": str(year),
        }
        if bibtype == "article":
            fields["journal"] = rnd.choice(JOURNALS)
            fields["volume"] = str(rnd.randint(1, 60))
            fields["number"] = str(rnd.randint(1, 6))
            start = rnd.randint(1, 900)
            fields["pages"] = f"{start}--{start + rnd.randint(8, 40)}"
            if rnd.random() < 0.6:
                fields["doi"] = f"10.{rnd.randint(1000, 9999)}/{rnd.randint(10**6, 10**7)}"
        elif bibtype == "techreport":
            fields["institution"] = rnd.choice(INSTITUTIONS)
        elif bibtype == "book":
            fields["publisher"] = rnd.choice(PUBLISHERS)
        elif bibtype == "incollection":
            fields["booktitle"] = "The Handbook of " + _title(rnd)
            fields["publisher"] = rnd.choice(PUBLISHERS)
        elif bibtype == "inproceedings":
            fields["booktitle"] = (
                f"Annual Meeting of the American Educational Research Association {year}"
            )
        elif bibtype == "phdthesis":
            fields["school"] = "University of Washington"
        else:
            fields["url"] = f"https://example.org/resources/{i}"
        fields["annotation"] = annotation
        fields["tenets"] = ", ".join(rnd.sample(tenets, rnd.randint(1, 2)))
        fields["focus"] = ", ".join(rnd.sample(focus, rnd.randint(1, 3)))
        fields["levels"] = ", ".join(rnd.sample(levels, rnd.randint(1, 2)))
        fields["evidence"] = rnd.choice(evidence)
        key = f"{rnd.choice(SURNAMES).lower().replace('-', '')}{year}e{i}"
        body = ",\n".join(f"  {k:<11} = {{{v}}}" for k, v in fields.items())
        out.append(f"@{bibtype}{{{key},\n{body},\n}}\n")
    return "\n".join(out)


def _time(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run() -> str:
    """Measure and return a Markdown section."""
    vocabulary = load_vocabulary(VOCABULARY)
    rows: list[str] = []
    apa_rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1_000, 10_000):
            path = Path(tmp) / f"refs{n}.bib"
            text = synthetic_bib(n, vocabulary=vocabulary)
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
                apa._style.cache_clear()
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
            "Synthetic `.bib` files from `benchmarks/bench_bibtex.py` (`synthetic_bib`): 1-6 "
            "authors, about 15% with LaTeX accents, protected `{RPP}` words, ~60-word "
            "annotations, tags from the vocabulary.",
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
            f"| references | APA 7 formatting (citeproc-py), cold, {apa._worker_count()} "
            "worker processes | cold, one process | from the formatted-HTML cache |",
            "| ---: | ---: | ---: | ---: |",
            *apa_rows,
            "",
            "citeproc-py interprets the large APA CSL style for every reference; "
            "`equity_kb.apa_speedups` runs citeproc-py's own code over a faster copy of "
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
