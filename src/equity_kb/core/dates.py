"""BibLaTeX dates: the ISO 8601 / EDTF text of ``date``, ``urldate`` and the like, read
into a :class:`BibDate`, written as CSL-JSON, and shown as APA 7 shows it.

Zotero and Better BibTeX write full dates (``2023-01-11``), times with zones
(``2023-01-11T14:59:09Z``), ranges (``2021-10-11/2021-10-15``), open ranges
(``2019/..``), seasons (``2021-21``) and EDTF's uncertain and approximate markers
(``2021?``, ``2021~``, ``2021%``). Each is read here; what biblatex allows but the site
cannot show faithfully (unspecified digits such as ``199X``, years before 1 CE, a marker on
one part of a date) is a clear message instead, never a guess.

citeproc-py formats single dates, year ranges and ``circa`` itself, but drops a range
within one year ("2021, October 11–15") and knows nothing of uncertainty or seasons;
``for_citeproc`` hands it those as the literal text APA would print.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
_POINT = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?(?P<mark>[?~%])?$"
)
# CSL types whose APA reference shows the month and day (measured on citeproc-py's APA
# style; tests/test_biblatex.py checks the list against it).
FULL_DATE_TYPES = frozenset(
    {
        "article-magazine",
        "article-newspaper",
        "broadcast",
        "document",
        "event",
        "motion_picture",
        "pamphlet",
        "paper-conference",
        "performance",
        "post",
        "post-weblog",
        "song",
        "speech",
        "webpage",
    }
)


class Point(NamedTuple):
    """One end of a date: a year, and a month (1-12) and day when known; or a season."""

    year: int
    month: int = 0
    day: int = 0
    season: int = 0  # 21-24, EDTF's spring to winter

    def parts(self) -> list[int]:
        return [self.year, *([self.month] if self.month else []), *([self.day] if self.day else [])]


class BibDate(NamedTuple):
    """A date or a range. ``start`` or ``end`` is None for an open end ("2019/..")."""

    start: Point | None
    end: Point | None = None
    is_range: bool = False
    approximate: bool = False  # EDTF ~ (and %)
    uncertain: bool = False  # EDTF ? (and %)

    @property
    def year(self) -> int | None:
        point = self.start or self.end
        return point.year if point else None


class DateError(ValueError):
    """Text that is not a date this knowledge base can read; the message says what to write."""


_ADVICE = (
    "write it as ISO 8601, like 2021, 2021-10 or 2021-10-11, a range like 2021-10-11/2021-10-15, "
    "or leave it out if it is not known"
)


def _point(text: str) -> tuple[Point, str]:
    m = _POINT.match(text)
    if not m:
        if re.search(r"\d[Xu]|X{2}", text):
            raise DateError(
                f"{text!r} uses EDTF unspecified digits (X), which the site cannot show as "
                f"APA does; give the year you know, or {_ADVICE}"
            )
        if text.startswith("-") or text.startswith("0000") or text.startswith("Y"):
            raise DateError(f"{text!r}: years before 1 CE are not supported; {_ADVICE}")
        if re.search(r"\d[?~%]-", text):
            raise DateError(
                f"{text!r} marks one part of the date as uncertain or approximate (EDTF level "
                "2), which is not supported: put ?, ~ or % at the end, for the whole date"
            )
        raise DateError(f"{text!r} is not a date: {_ADVICE}")
    year = int(m["year"])
    month = int(m["month"] or 0)
    day = int(m["day"] or 0)
    if year == 0:
        raise DateError(f"{text!r}: years before 1 CE are not supported; {_ADVICE}")
    if month in SEASONS and not day:
        return Point(year, season=month), m["mark"] or ""
    if m["month"] and not 1 <= month <= 12:
        raise DateError(f"{text!r} has month {month:02d}: months are 01 to 12 (21-24 are seasons)")
    if m["day"]:
        try:
            dt.date(year, month, day)
        except ValueError:
            last = calendar.monthrange(year, month)[1]
            raise DateError(
                f"{text!r} has day {day:02d}, but {calendar.month_name[month]} {year} has "
                f"{last} days"
            ) from None
    return Point(year, month, day), m["mark"] or ""


@functools.lru_cache(maxsize=4096)
def parse_date(text: str) -> BibDate:
    """The date in ``text`` (biblatex's ISO 8601 / EDTF forms), or :class:`DateError`."""
    text = text.strip()
    if "/" not in text:
        point, mark = _point(text)
        return BibDate(point, None, False, mark in "~%" and bool(mark), mark in "?%" and bool(mark))
    if text.count("/") > 1:
        raise DateError(f"{text!r} has more than one '/': {_ADVICE}")
    left, right = (side.strip() for side in text.split("/"))
    start, start_mark = _point(left) if left not in ("", "..") else (None, "")
    end, end_mark = _point(right) if right not in ("", "..") else (None, "")
    if start is None and end is None:
        raise DateError(f"{text!r} has no date on either side of '/': {_ADVICE}")
    if start and end and (end.year, end.month, end.day) < (start.year, start.month, start.day):
        raise DateError(f"{text!r} ends before it starts: write the earlier date first")
    marks = start_mark + end_mark
    return BibDate(start, end, True, bool(set(marks) & set("~%")), bool(set(marks) & set("?%")))


def to_csl(date: BibDate) -> dict[str, Any]:
    """CSL-JSON for the date: ``date-parts`` (two for a range), ``circa``, ``season``; an open
    start, which CSL cannot express, as ``literal``. Uncertainty travels in ``raw``."""
    out: dict[str, Any]
    if date.start is None:
        out = {"literal": f"../{_edtf(date.end)}"}
    elif date.is_range:
        # citeproc-js (Zotero) refuses a range whose ends differ in length: an open end
        # is zeros as long as the start, and a closed one is cut to the shorter end's.
        start = date.start.parts()
        end = date.end.parts() if date.end else [0] * len(start)
        size = min(len(start), len(end))
        out = {"date-parts": [start[:size], end[:size]]}
        if size < max(len(start), len(end)):
            out["raw"] = _edtf_text(date)  # the whole range, for from_csl
    else:
        out = {"date-parts": [date.start.parts()]}
    season = (date.start or date.end or Point(0)).season
    if season:
        out["season"] = season - 20
    if date.approximate:
        out["circa"] = True
    if date.uncertain:
        out["raw"] = _edtf_text(date)
    return out


def _edtf(point: Point | None) -> str:
    if point is None:
        return ".."
    if point.season:
        return f"{point.year:04d}-{point.season}"
    return "-".join(f"{n:02d}" if i else f"{n:04d}" for i, n in enumerate(point.parts()))


def _edtf_text(date: BibDate) -> str:
    mark = "%" if date.approximate and date.uncertain else "?" if date.uncertain else ""
    mark = mark or ("~" if date.approximate else "")
    if not date.is_range:
        return _edtf(date.start) + mark
    return f"{_edtf(date.start)}/{_edtf(date.end)}{mark}"


def from_csl(value: Any) -> BibDate | None:
    """The date of a CSL-JSON date variable as ``to_csl`` writes it (None if unreadable)."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("raw"), str):
        try:
            return parse_date(value["raw"])
        except DateError:
            pass
    if isinstance(value.get("literal"), str):
        try:
            return parse_date(value["literal"])
        except DateError:
            return None
    try:
        parts = [[int(n) for n in p] for p in value["date-parts"]]
        start = Point(*parts[0][:3]) if parts and parts[0] and parts[0][0] else None
        end = None
        if len(parts) > 1:
            end = Point(*parts[1][:3]) if parts[1] and parts[1][0] else None
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if start is None:
        return None
    season = value.get("season")
    if isinstance(season, int | str) and str(season).isdigit() and 1 <= int(season) <= 4:
        start = start._replace(season=int(season) + 20)
    return BibDate(start, end, len(parts) > 1, bool(value.get("circa")), False)


def _apa_point(point: Point, full: bool, year: bool = True) -> str:
    head = f"{point.year}" if year else ""
    if not full or not (point.month or point.season):
        return head
    sep = ", " if head else ""
    if point.season:
        return f"{head}{sep}{SEASONS[point.season]}"
    month = calendar.month_name[point.month]
    return f"{head}{sep}{month}" + (f" {point.day}" if point.day else "")


def apa_text(date: BibDate, csl_type: str) -> str:
    """The date as APA 7 puts it in a reference, without the parentheses.

    Year only, or year, month and day for the types APA dates fully (a web page, a
    conference talk, a newspaper article); a range within a year as "2021, October 11–15";
    an open end as "2019–present"; ``ca.`` for an approximate date and ``?`` after an
    uncertain one (APA has no form for either; this is the plain reading of the data).
    """
    full = csl_type in FULL_DATE_TYPES
    start, end = date.start, date.end
    if start is None:
        text = f"–{_apa_point(end, full)}" if end else "n.d."
    elif not date.is_range:
        text = _apa_point(start, full)
    elif end is None:
        text = f"{_apa_point(start, full)}–present"
    elif start.year != end.year:
        text = f"{_apa_point(start, full)}–{_apa_point(end, full)}"
    elif not full or not (start.month or start.season):
        text = str(start.year)
    elif start.season or end.season or start.month != end.month or not (start.day and end.day):
        text = f"{_apa_point(start, full)}–{_apa_point(end, full, year=False)}"
    elif start.day == end.day:
        text = _apa_point(start, full)
    else:
        text = f"{_apa_point(start, full)}–{end.day}"
    if date.approximate:
        text = f"ca. {text}"
    if date.uncertain:
        text += "?"
    return text


def needs_literal(date: BibDate, csl_type: str) -> bool:
    """Whether citeproc-py would print this date other than as ``apa_text`` does."""
    if date.uncertain or date.start is None or (date.is_range and date.end is None):
        return True
    if (date.start.season or (date.end and date.end.season)) and csl_type in FULL_DATE_TYPES:
        return True
    if not date.is_range or date.end is None:
        return False
    # citeproc-py drops a range within one year, and writes one across years with a
    # month as "2021–2022, December 30–January 2".
    months = bool(date.start.month or date.end.month) and csl_type in FULL_DATE_TYPES
    return date.start.year == date.end.year or months


def for_citeproc(value: Any, csl_type: str) -> Any:
    """A CSL date variable as citeproc-py should get it to print what APA prints."""
    date = from_csl(value)
    if date is None or not needs_literal(date, csl_type):
        return value
    return {"literal": apa_text(date, csl_type)}


def citation_year(value: Any) -> str | None:
    """The date part of an APA in-text citation: "2021", "2019–2021", "ca. 2021", "2021?"."""
    date = from_csl(value)
    if date is None:
        return None
    if date.is_range and date.start and date.end and date.start.year != date.end.year:
        text = f"{date.start.year}–{date.end.year}"
    elif date.is_range and date.start and date.end is None:
        text = f"{date.start.year}–present"
    elif date.start is None:
        text = f"–{date.year}"
    else:
        text = str(date.year)
    if date.approximate:
        text = f"ca. {text}"
    return text + ("?" if date.uncertain else "")


MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def issued(fields: Mapping[str, str], year: int | None) -> dict[str, Any] | None:
    """The CSL issued date of a BibTeX entry's ``fields``: BibLaTeX's ``date`` when it
    reads, else ``year`` (as the loader read it) with ``month`` and ``day``."""
    text = fields.get("date")
    if text:
        with contextlib.suppress(DateError):
            return to_csl(parse_date(text))
    if year is None:
        return None
    parts = [year]
    month = fields.get("month", "").strip().lower().rstrip(".")
    number = MONTHS.get(month) or (int(month) if month.isdigit() and 1 <= int(month) <= 12 else 0)
    if number:
        parts.append(number)
        day = fields.get("day", "").strip()
        if day.isdigit() and 1 <= int(day) <= 31:
            parts.append(int(day))
    return {"date-parts": [parts]}
