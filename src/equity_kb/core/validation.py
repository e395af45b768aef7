"""Front matter of briefs and practice cards to model entries, with every problem found.

One implementation with two callers: the Sphinx extension (warnings with file and
line) and ``equity-kb check`` (no build). A bad field is reported and dropped; the
entry is still made from what is valid, so one mistake never hides a page.
"""

from __future__ import annotations

import datetime as dt
import reprlib
from pathlib import PurePath
from typing import Any

from .card_ids import CARD_ID
from .frontmatter import FrontMatter
from .model import BRIEF_STATUSES, Brief, Entry, Practice, Problem
from .vocabulary import FACETS, KIND_NAMES, Vocabulary

# Which folders hold which kind of entry (the Sphinx config value kb_entry_dirs).
DEFAULT_ENTRY_DIRS = {"briefs": "brief", "practices": "practice"}


def entry_type_of(docname: str, entry_dirs: dict[str, str]) -> str | None:
    """'brief' or 'practice' for a page inside an entry folder (its index pages excepted);
    ``docname`` is the page's path under the content folder, without suffix."""
    folder, _, rest = docname.partition("/")
    if not rest or rest == "index" or rest.endswith("/index"):
        return None
    return entry_dirs.get(folder)


# Front-matter keys Sphinx and MyST give meaning to; allowed on any page.
SPHINX_KEYS = {
    "orphan",
    "nocomments",
    "nosearch",
    "tocdepth",
    "myst",
    "html_meta",
    "substitutions",
    "jupytext",
    "kernelspec",
    "html_theme.sidebar_secondary.remove",
    "hide-toc",
}
COMMON_FIELDS = ("title", "tenets", "focus", "levels", "summary")
FIELDS: dict[str, tuple[str, ...]] = {
    "brief": (*COMMON_FIELDS, "authors", "date", "reviewed", "status"),
    "practice": ("id", *COMMON_FIELDS, "organization", "evidence", "date", "reviewed"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "brief": (*COMMON_FIELDS, "authors", "date", "status"),
    "practice": ("id", *COMMON_FIELDS, "organization"),
}


class _Checker:
    def __init__(self, fm: FrontMatter, path: str):
        self.fm = fm
        self.path = path
        self.problems: list[Problem] = []

    def report(self, line: int, message: str, code: str) -> None:
        self.problems.append(Problem(self.path, line, message, code))

    def text(self, key: str) -> str:
        value = self.fm.data.get(key)
        if value is None:
            return ""
        text = _scalar_text(value)
        if text is None:
            self.report(self.fm.line(key), f"'{key}' must be a single line of text", "bad_field")
            return ""
        return text.strip()

    def strings(self, key: str) -> list[tuple[int, str]]:
        """A list field as (index, value); a lone string or a comma-separated one is accepted."""
        value = self.fm.data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [(0, v.strip()) for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            self.report(self.fm.line(key), f"'{key}' must be a list, like [a, b]", "bad_field")
            return []
        out = []
        for i, item in enumerate(value):
            text = _scalar_text(item) if not isinstance(item, float) else None
            if text is None or not text.strip():
                self.report(self.fm.line(key, i), f"each item of '{key}' must be text", "bad_field")
                continue
            out.append((i, text.strip()))
        return out

    def terms(self, kind: str, vocabulary: Vocabulary) -> tuple[str, ...]:
        valid = set(vocabulary.ids(kind))
        out: list[str] = []
        for i, value in self.strings(kind):
            line = self.fm.line(kind, i)
            if value not in valid:
                self.report(line, vocabulary.unknown_message(kind, value), f"unknown_{_code(kind)}")
            elif value in out:
                self.report(line, f"{KIND_NAMES[kind]} {value!r} is listed twice", "duplicate_tag")
            else:
                out.append(value)
        return tuple(out)

    def date(self, key: str) -> dt.date | None:
        value = self.fm.data.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = _scalar_text(value)
        try:
            if text is not None:
                return dt.date.fromisoformat(text.strip())
        except ValueError:
            pass
        self.report(
            self.fm.line(key),
            f"'{key}' {_shown(value)} is not a date: write it as YYYY-MM-DD, for example "
            "2026-11-23",
            "bad_date",
        )
        return None

    def reviewed(self, written: dt.date | None) -> dt.date | None:
        """``reviewed``: a date, not before ``written`` (the entry's ``date``) and not in
        the future (a day's grace for time zones), since readers take it as a claim about
        the text."""
        reviewed = self.date("reviewed")
        if reviewed is None:
            return None
        if written is not None and reviewed < written:
            self.report(
                self.fm.line("reviewed"),
                f"'reviewed' {reviewed.isoformat()} is before the entry's date "
                f"{written.isoformat()}: a review comes after the writing; correct one of them",
                "bad_date",
            )
            return None
        if reviewed > dt.date.today() + dt.timedelta(days=1):
            self.report(
                self.fm.line("reviewed"),
                f"'reviewed' {reviewed.isoformat()} is in the future: write the day a person "
                "checked the whole entry against its sources",
                "bad_date",
            )
            return None
        return reviewed


def _scalar_text(value: object) -> str | None:
    """A text, number or yes/no value as text; None for anything else, and for a number
    too long to write out (Python refuses past 4,300 digits)."""
    if not isinstance(value, str | int | float):
        return None
    try:
        return str(value)
    except ValueError:
        return None


# Values quoted in messages are cut short: a list may stand for millions of items
# through YAML aliases, and an integer may be too long to print at all.
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlist = _REPR.maxdict = 4
_REPR.maxlevel = 2


def _shown(value: object) -> str:
    try:
        text = _REPR.repr(value)
    except ValueError:
        return "(a number too long to show)"
    return text if len(text) <= 100 else text[:97] + "..."


def _code(kind: str) -> str:
    return {"tenets": "tenet", "focus": "focus", "levels": "level"}[kind]


def entry_from_front_matter(
    fm: FrontMatter,
    *,
    entry_type: str,
    path: str,
    docname: str | None,
    vocabulary: Vocabulary,
) -> tuple[Entry, list[Problem]]:
    """Make a Brief or Practice from front matter; report every problem and keep the rest."""
    c = _Checker(fm, path)
    allowed = set(FIELDS[entry_type]) | SPHINX_KEYS
    for key in fm.data:
        if key not in allowed:
            hint = _closest(key, FIELDS[entry_type])
            extra = (
                f": did you mean '{hint}'?"
                if hint
                else f" (fields: {', '.join(FIELDS[entry_type])})"
            )
            c.report(
                fm.line(key),
                f"unknown field '{key}' in a {entry_type} front matter{extra}",
                "unknown_field",
            )
    for key in REQUIRED[entry_type]:
        if fm.data.get(key) in (None, "", []):
            c.report(
                fm.start,
                f"missing required field '{key}': add '{key}: ...' to the front "
                f"matter ({_HINTS[key]})",
                "missing_field",
            )

    title = c.text("title") or (PurePath(path).stem.replace("-", " ").capitalize())
    tags = {kind: c.terms(kind, vocabulary) for kind in FACETS}
    common: dict[str, Any] = dict(
        title=title,
        summary=c.text("summary"),
        source=path,
        line=fm.start,
        docname=docname,
        tenets=tags["tenets"],
        focus=tags["focus"],
        levels=tags["levels"],
        field_lines=dict(fm.key_lines),
    )
    entry: Entry
    if entry_type == "practice":
        card_id = c.text("id")
        stem = PurePath(path).stem
        if card_id and not CARD_ID.match(card_id):
            c.report(
                fm.line("id"),
                f"card id {card_id!r} must look like PC-007 ('PC-' and at least three digits)",
                "bad_id",
            )
        elif card_id and stem != card_id:
            c.report(
                fm.line("id"),
                f"card id {card_id} does not match the file name {stem}: "
                f"rename the file to {card_id}.md so its permalink is stable",
                "bad_id",
            )
        entry = Practice(
            key=card_id or stem,
            organization=c.text("organization"),
            evidence=tuple(dict.fromkeys(v for _, v in c.strings("evidence"))),
            date=(written := c.date("date")),
            reviewed=c.reviewed(written),
            **common,
        )
    else:
        status = c.text("status")
        if status and status not in BRIEF_STATUSES:
            c.report(
                fm.line("status"),
                f"status {status!r} must be one of {', '.join(BRIEF_STATUSES)}",
                "bad_field",
            )
        entry = Brief(
            key=docname or PurePath(path).stem,
            author_names=tuple(v for _, v in c.strings("authors")),
            date=(written := c.date("date")),
            reviewed=c.reviewed(written),
            status=status or "published",
            **common,
        )
    return entry, c.problems


_HINTS = {
    "id": "the card's stable ID, like PC-007; `equity-kb new practice` picks the next one",
    "title": "a short title in plain language",
    "tenets": "one or more of the theory-of-change tenets, like [data]",
    "focus": "one or more focus areas from docs/vocabulary.yml",
    "levels": "one or more of classroom, school, district, region, partnership",
    "summary": "one plain-language sentence",
    "organization": "who developed or runs the practice",
    "authors": "a list of names",
    "date": "YYYY-MM-DD",
    "reviewed": "YYYY-MM-DD, the day a person checked the whole entry against its sources",
    "status": "draft, in-review or published",
}


def _closest(key: str, fields: tuple[str, ...]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
    return match[0] if match else None
