"""Plain language, checked: the reading grade of each card's and brief's summary.

Educators and families read the summaries first (on cards, in listings, in search results
and link previews). The grade is the Flesch-Kincaid grade level (textstat): a US school
grade from sentence length and syllables per word. It is a rough guide, so a summary
above the configured grade (``kb_reading_grade``, default 10) is a note for the author,
never an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Brief, Entry, Practice, Problem

DEFAULT_MAX_GRADE = 10.0
# Below this many words the formula measures noise ("Reading together." is "grade 14.7"),
# and a summary that short is no hard read.
MIN_WORDS = 8


def max_grade_problem(value: object) -> str | None:
    """What is wrong with a ``kb_reading_grade`` value, or None when it is usable."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 20:
        return (
            f"kb_reading_grade is {value!r}: give a school grade from 1 to 20, such as 10 "
            "(summaries above it are noted by `equity-kb check --notes`)"
        )
    return None


def reading_grade(text: str) -> float:
    import textstat  # only `check --notes` pays for loading its syllable dictionary

    return float(textstat.flesch_kincaid_grade(text))


def summary_notes(entries: Iterable[Entry], max_grade: float) -> list[Problem]:
    """One note per card or brief whose summary reads above ``max_grade``."""
    notes = []
    for entry in entries:
        words = len(entry.summary.split())
        if not isinstance(entry, Brief | Practice) or words < MIN_WORDS:
            continue
        grade = reading_grade(entry.summary)
        if grade <= max_grade:
            continue
        notes.append(
            Problem(
                entry.source,
                entry.field_lines.get("summary", entry.line),
                f"the summary reads at grade {grade:.1f} (Flesch-Kincaid), above the "
                f"site's grade {max_grade:g} (kb_reading_grade in conf.py): shorter "
                f"sentences and everyday words help ({words} words now)",
                "reading_grade",
                severity="note",
            )
        )
    return notes
