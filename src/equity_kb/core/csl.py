"""A Reference as a CSL-JSON item: the data that APA formatting and the CSL-JSON export
share. Plain text, not HTML; only what the entry gives, nothing guessed or filled in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .model import Reference

# BibTeX entry type -> CSL type.
CSL_TYPES: dict[str, str] = {
    "article": "article-journal",
    "book": "book",
    "inbook": "chapter",
    "booklet": "pamphlet",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "techreport": "report",
    "report": "report",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "manual": "report",
    "misc": "document",
    "online": "webpage",
    "unpublished": "manuscript",
}
THESIS_GENRES = {"phdthesis": "Doctoral dissertation", "mastersthesis": "Master's thesis"}
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


def _date_parts(ref: Reference) -> list[int] | None:
    if ref.issued is None:
        return None
    parts = [ref.issued]
    month = ref.fields.get("month", "").strip().lower().rstrip(".")
    number = MONTHS.get(month) or (int(month) if month.isdigit() and 1 <= int(month) <= 12 else 0)
    if number:
        parts.append(number)
        day = ref.fields.get("day", "").strip()
        if day.isdigit() and 1 <= int(day) <= 31:
            parts.append(int(day))
    return parts


def _csl_names(people: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"family": f, "given": g} if g else {"literal": f} for f, g in people]


def to_csl(ref: Reference) -> dict[str, Any]:
    """The reference as a CSL-JSON item (plain text, not escaped): for citeproc and exports.

    Only what the entry gives is included; nothing is guessed or filled in.
    """
    f = ref.fields
    csl_type = CSL_TYPES.get(ref.bibtype, "document")
    if ref.bibtype == "misc" and f.get("url") and not f.get("publisher"):
        csl_type = "webpage"
    item: dict[str, Any] = {"id": ref.key, "type": csl_type}
    if ref.persons:
        item["author"] = _csl_names(ref.persons)
    if ref.editors:
        item["editor"] = _csl_names(ref.editors)
    if ref.title:
        item["title"] = ref.title
    container = {
        "article": f.get("journal") or f.get("journaltitle"),
        "incollection": f.get("booktitle"),
        "inproceedings": f.get("booktitle"),
        "conference": f.get("booktitle"),
        "inbook": f.get("booktitle"),
    }.get(ref.bibtype)
    if container:
        item["container-title"] = container
    publisher = f.get("publisher")
    if not publisher:
        for name in ("institution", "school", "organization"):
            if f.get(name):
                publisher = f[name]
                break
    if publisher:
        item["publisher"] = publisher
    pairs = [
        ("address", "publisher-place"),
        ("location", "publisher-place"),
        ("volume", "volume"),
        ("pages", "page"),
        ("edition", "edition"),
        ("url", "URL"),
        ("doi", "DOI"),
        ("isbn", "ISBN"),
        ("issn", "ISSN"),
        ("note", "note"),
        ("series", "collection-title"),
    ]
    for bib_name, csl_name in pairs:
        if f.get(bib_name) and csl_name not in item:
            item[csl_name] = f[bib_name]
    if f.get("number"):
        item["issue" if csl_type == "article-journal" else "number"] = f["number"]
    genre = f.get("type") or THESIS_GENRES.get(ref.bibtype)
    if genre:
        item["genre"] = genre
    parts = _date_parts(ref)
    if parts:
        item["issued"] = {"date-parts": [parts]}
    if ref.annotation:
        item["annote"] = ref.annotation
    keywords = [*ref.tenets, *ref.focus, *ref.levels]
    if keywords:
        item["keyword"] = ", ".join(keywords)
    return item
