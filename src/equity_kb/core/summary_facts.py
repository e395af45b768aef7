"""Summaries that say no more than their entries: what a machine can check of it.

A card's or brief's summary is often read alone (on a card in a meeting, in a listing,
in a link preview), so every fact in it should be one its body states. What can be
checked without understanding the text is checked: a number or year, a quoted phrase,
and a name (an organisation, a programme, an acronym) that the summary gives and the
body does not contain. Each is a note for the author (``equity-kb check --notes``),
never an error: the body may say it in other words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Brief, Entry, Practice, Problem

_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?")
_QUOTED = re.compile(r"[“\"]([^”\"]{3,})[”\"]")
# A name: capitalised words in a row (small joining words allowed inside), or an acronym.
_NAME = re.compile(
    r"\b(?:[A-Z][\w’'&-]*(?:\s+(?:of|for|and|the|on|in|de|du)\s+|\s+)){1,}[A-Z][\w’'&-]*"
    r"|\b[A-Z]{2,}[a-z]?\b"
)
_SPACE = re.compile(r"\s+")


def body_text(page: str) -> str:
    """A Markdown page without its front matter, as plain searchable text."""
    return _FRONT_MATTER.sub("", page, count=1)


def _folded(text: str) -> str:
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return _SPACE.sub(" ", text).casefold()


def _sentence_starts(summary: str) -> set[int]:
    return {0} | {m.end() for m in re.finditer(r"[.!?:]\s+", summary)}


def unsupported(summary: str, body: str) -> list[str]:
    """What the summary names that the body does not contain: numbers (years among
    them), quoted phrases and names, each as written in the summary, in order."""
    haystack = _folded(body)
    numbers = {n.replace(",", "") for n in _NUMBER.findall(body)} | set(_NUMBER.findall(body))
    found: list[str] = []

    def add(item: str) -> None:
        if item not in found:
            found.append(item)

    for m in _NUMBER.finditer(summary):
        if m.group(0) not in numbers and m.group(0).replace(",", "") not in numbers:
            add(m.group(0))
    for m in _QUOTED.finditer(summary):
        if _folded(m.group(1)) not in haystack:
            add(f"“{m.group(1)}”")
    starts = _sentence_starts(summary)
    for m in _NAME.finditer(summary):
        name = _POSSESSIVE.sub("", m.group(0))
        words = name.split()
        if m.start() in starts and len(words) == 1:
            continue  # a sentence's first word, not a name
        # At a sentence's start the first capital may be the sentence's ("Some Seattle
        # schools"): the name is found with or without that word.
        shorter = " ".join(words[1:]) if m.start() in starts else name
        forms = {_folded(name), _folded(shorter)}
        forms |= {f[:-1] for f in forms if f.endswith("s")}  # "Teams" for "Team survey"
        if not any(f and f in haystack for f in forms):
            add(name)
    return found


_POSSESSIVE = re.compile(r"['’]s$")


def summary_fact_notes(entries: Iterable[tuple[Entry, str]]) -> list[Problem]:
    """One note per card or brief whose summary names what its body does not (``entries``:
    each entry with its page's text)."""
    notes = []
    for entry, page in entries:
        if not isinstance(entry, Brief | Practice) or not entry.summary:
            continue
        missing = unsupported(entry.summary, body_text(page))
        if not missing:
            continue
        notes.append(
            Problem(
                entry.source,
                entry.field_lines.get("summary", entry.line),
                "the summary names what the page's body does not say: "
                + ", ".join(missing)
                + "; a summary should only sum up the body (say it there too, with its "
                "source, or leave it out of the summary)",
                "summary_fact",
                severity="note",
            )
        )
    return notes


__all__ = ["body_text", "summary_fact_notes", "unsupported"]
