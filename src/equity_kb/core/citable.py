"""Cards and briefs as citable items: one CSL item per entry, from which its BibTeX and
RIS are written by the bibliography's own writers (``exports``), so the "Cite this card"
line, the Zotero metadata, the per-card downloads and the result-set exports all say the
same thing. Plain text, not HTML: callers escape. Nothing is guessed: a field the entry
does not have (an author of a brief, a date) is left out.
"""

from __future__ import annotations

import json
from typing import Any

from .model import TYPE_LABELS, Brief, Person, Practice, Reference

# LaTeX's special characters, escaped so a title like "50% & more {draft}" stays text
# (the project's BibTeX reader decodes them back; ``\`` first, before it is added).
_LATEX_SPECIALS = [
    ("\\", r"\textbackslash{}"),
    ("{", r"\{"),
    ("}", r"\}"),
    ("%", r"\%"),
    ("&", r"\&"),
    ("$", r"\$"),
    ("#", r"\#"),
    ("_", r"\_"),
    ("~", r"\textasciitilde{}"),
    ("^", r"\textasciicircum{}"),
]


def entry_csl(entry: Brief | Practice, permalink: str, publisher: str) -> dict[str, Any]:
    """The entry as a CSL-JSON item (what APA formats for "Cite this card").

    A card is a web page of the site, authored by its publisher (the project); a brief
    is a report of the site, by its authors."""
    item: dict[str, Any] = {"id": entry.key}
    if isinstance(entry, Practice):
        item["type"] = "webpage"
        item["title"] = f"{entry.title} [{TYPE_LABELS['practice']} {entry.key}]"
        item["author"] = [{"literal": publisher}]
        item["container-title"] = publisher
    else:
        item["type"] = "report"
        item["title"] = entry.title
        if entry.author_names:
            # As written: splitting "Given Family" would be a guess.
            item["author"] = [{"literal": name} for name in entry.author_names]
        item["publisher"] = publisher
        item["genre"] = TYPE_LABELS["brief"]
    item["URL"] = permalink
    if entry.date:
        item["issued"] = {"date-parts": [[entry.date.year, entry.date.month, entry.date.day]]}
    if entry.summary:
        item["annote"] = entry.summary
    keywords = [*entry.tenets, *entry.focus, *entry.levels]
    if keywords:
        item["keyword"] = ", ".join(keywords)
    return item


def _latex(text: str) -> str:
    for char, escaped in _LATEX_SPECIALS:
        text = text.replace(char, escaped)
    return text


def _issued_iso(item: dict[str, Any]) -> str | None:
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    if not parts:
        return None
    return "-".join(f"{p:04d}" if i == 0 else f"{p:02d}" for i, p in enumerate(parts))


def csl_reference(entry: Brief | Practice, item: dict[str, Any]) -> Reference:
    """The CSL item as a bibliography ``Reference`` (``@online`` for a card, ``@report``
    for a brief), so ``exports.to_bibtex`` and ``to_ris`` write it as they write any
    reference; our own fields (annotation, tenets, focus, levels) go along."""
    authors = [a["literal"] for a in item.get("author", [])]
    publisher = item.get("container-title") or item.get("publisher") or ""
    fields: dict[str, str] = {}
    raw: dict[str, str] = {}

    def put(name: str, value: str, raw_value: str | None = None) -> None:
        fields[name] = value
        raw[name] = raw_value if raw_value is not None else _latex(value)

    if authors:
        # Each name braced whole: a literal name, never split into given and family.
        put("author", " and ".join(authors), " and ".join("{" + _latex(a) + "}" for a in authors))
    put("title", item["title"])
    if isinstance(entry, Practice):
        bibtype = "online"
        put("organization", publisher)
    else:
        bibtype = "report"
        put("institution", publisher)
        put("type", item["genre"])
    date = _issued_iso(item)
    if date:
        put("date", date)
    put("url", item["URL"], item["URL"])  # a URL's % and # are its own, not LaTeX
    if entry.summary:
        put("annotation", entry.summary)
    for kind in ("tenets", "focus", "levels"):
        values = getattr(entry, kind)
        if values:
            put(kind, ", ".join(values))
    issued = item.get("issued", {}).get("date-parts", [[None]])[0][0]
    return Reference(
        key=entry.key,
        title=item["title"],
        tenets=entry.tenets,
        focus=entry.focus,
        levels=entry.levels,
        summary=entry.summary,
        bibtype=bibtype,
        fields=fields,
        raw_fields=raw,
        persons=tuple(Person(family=a) for a in authors),
        issued=issued,
        annotation=entry.summary,
    )


def entry_records(entry: Brief | Practice, permalink: str, publisher: str) -> dict[str, str]:
    """The entry's BibTeX, RIS and CSL-JSON item, each as the site-wide export writes one
    entry (``record_texts``)."""
    item = entry_csl(entry, permalink, publisher)
    return record_texts(csl_reference(entry, item), item)


def record_texts(ref: Reference, item: dict[str, Any]) -> dict[str, str]:
    """One entry in each export format, as ``exports.WRITERS`` write it inside a file:
    BibTeX and RIS join with a blank line (RIS without its record number, which the
    joiner adds), the CSL item is one JSON line. Joined in order they are what the
    writers give for the same entries: RIS and CSL-JSON byte for byte, BibTeX but for
    the column its ``=`` signs align to, which the writer picks per file (a test checks
    it)."""
    from . import exports

    ris = exports.to_ris([ref])
    return {
        "bibtex": exports.to_bibtex([ref]),
        "ris": ris.split("\n", 1)[1] if ris.startswith("1.\n") else ris,
        "csl-json": json.dumps(item, ensure_ascii=False),
    }


def join_records(fmt: str, texts: list[str]) -> str:
    """Entries' ``record_texts`` of one format as one file (what the browser does too)."""
    if fmt == "bibtex":
        return "\n".join(texts)
    if fmt == "ris":
        return "\n".join(f"{i}.\n{t}" for i, t in enumerate(texts, start=1))
    return "[\n" + ",\n".join(texts) + "\n]\n" if texts else "[]\n"
