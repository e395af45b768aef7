"""What's new: cards and briefs by the date they were written or last reviewed.

The dates come from front matter (``date`` and ``reviewed``), not from version control:
a build from a shallow checkout, a tarball or a test root gives the same answer, a typo
fix or a mass reformat does not pass for a review, and ``equity-kb check`` can check them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from .model import Brief, Entry, Practice

# The newest changes the page and the feed list; older ones stay on the entries' pages.
RECENT_MAX = 50


@dataclass(frozen=True)
class Change:
    entry: Brief | Practice
    kind: Literal["new", "reviewed"]
    day: dt.date


def last_change(entry: Entry) -> Change | None:
    """The entry's latest dated event: a review, or else its writing; None when undated
    or a brief not yet published (drafts are not news)."""
    if not isinstance(entry, Brief | Practice):
        return None
    if isinstance(entry, Brief) and entry.status != "published":
        return None
    # A review on the day of writing (a fact-check before publishing) is not a revision.
    if entry.reviewed is not None and (entry.date is None or entry.reviewed > entry.date):
        return Change(entry, "reviewed", entry.reviewed)
    if entry.date is not None:
        return Change(entry, "new", entry.date)
    return None


def recent_changes(entries: list[Entry], limit: int = RECENT_MAX) -> list[Change]:
    """The newest changes first (then by title, so the order is the same every build)."""
    changes = [c for e in entries if (c := last_change(e)) is not None]
    changes.sort(key=lambda c: (-c.day.toordinal(), c.entry.title.lower(), c.entry.key))
    return changes[:limit]


def history_url(template: str, source: str) -> str | None:
    """The change history of a source file, from a template such as
    ``https://github.com/ORG/REPO/commits/main/{path}``; None without a template."""
    if not template or not source:
        return None
    return template.replace("{path}", source)


def long_date(day: dt.date) -> str:
    """ "1 December 2026": unambiguous for readers anywhere (not 12/1 or 1/12)."""
    return f"{day.day} {day:%B %Y}"
