"""The order entries are listed in, wherever they are listed (pages, exports, search)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from .model import Brief, Entry, Reference

# Cards first: they are what educators come for; then briefs, then the evidence.
DISPLAY_ORDER = ("practice", "brief", "reference")

E = TypeVar("E", bound=Entry)


def sort_name(ref: Reference) -> tuple[str, str]:
    """(family, given) of the first author (or editor); the title when there is neither."""
    first = (ref.persons or ref.editors or (None,))[0]
    if first is not None:
        return (first.family, first.given)
    return (ref.title or ref.key, "")


def sort_entries(entries: Iterable[E]) -> list[E]:
    """Cards by ID, briefs by newest, references by author and year."""
    order = {t: i for i, t in enumerate(DISPLAY_ORDER)}

    def key(e: Entry) -> tuple[object, ...]:
        if isinstance(e, Brief):
            return (order[e.type], -(e.date.toordinal() if e.date else 0), e.title.lower())
        if isinstance(e, Reference):
            family, given = sort_name(e)
            return (order[e.type], family.casefold(), given.casefold(), e.year or 0, e.key)
        return (order[e.type], e.key)

    return sorted(entries, key=key)
