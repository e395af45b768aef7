"""Checks that need every entry at once: duplicate or retired card IDs, evidence keys
that are not in the bibliography. Shared by the Sphinx build and ``equity-kb check``."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from .model import Entry, Practice, Problem


def unknown_key(key: str, known: Collection[str], path: str, line: int, what: str) -> Problem:
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {match[0]!r}?)" if match else ""
    return Problem(
        path,
        line,
        f"{what} {key!r} is not in the bibliography: add it to a "
        f"bib/*.bib file or fix the key{hint}",
        "unknown_key",
    )


def cross_check(
    entries: Iterable[Entry], references: Mapping[str, object], retired: Collection[str] = ()
) -> list[Problem]:
    problems: list[Problem] = []
    by_id: dict[str, list[Practice]] = defaultdict(list)
    for entry in entries:
        if not isinstance(entry, Practice):
            continue
        by_id[entry.key].append(entry)
        line = entry.field_lines.get("id", entry.line)
        if entry.key in retired:
            problems.append(
                Problem(
                    entry.source,
                    line,
                    f"card id {entry.key} was retired and "
                    "is never reused: give this card the next free ID (`equity-kb new "
                    "practice` picks it)",
                    "duplicate_id",
                )
            )
        for key in entry.evidence:
            if key not in references:
                problems.append(
                    unknown_key(
                        key,
                        references,
                        entry.source,
                        entry.field_lines.get("evidence", entry.line),
                        "evidence key",
                    )
                )
    for card_id, cards in by_id.items():
        for card in cards[1:]:
            problems.append(
                Problem(
                    card.source,
                    card.field_lines.get("id", card.line),
                    f"duplicate card id {card_id}: {cards[0].source} already uses it; IDs are "
                    "never reused, so give this card the next free ID (`equity-kb new "
                    "practice` picks it)",
                    "duplicate_id",
                )
            )
    return problems
