"""The bibliography as files people download: BibTeX, RIS and CSL-JSON.

Exports are data, not HTML: nothing here is escaped. BibTeX is written from the
fields as authors wrote them (``raw_fields``), so it parses back to the same entries,
our own fields (annotation, tenets, provenance, ...) included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import bibtexparser
import rispy
from bibtexparser import model as bm
from bibtexparser.middlewares.enclosing import AddEnclosingMiddleware
from bibtexparser.writer import BibtexFormat

from .bibtex import MONTH_MACROS
from .csl import csl_type, to_csl, work_genre
from .model import Person, Reference

RIS_TYPES: dict[str, str] = {
    "article": "JOUR",
    "book": "BOOK",
    "inbook": "CHAP",
    "incollection": "CHAP",
    "booklet": "PAMP",
    "inproceedings": "CPAPER",
    "conference": "CPAPER",
    "proceedings": "CONF",
    "techreport": "RPRT",
    "report": "RPRT",
    "manual": "RPRT",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "thesis": "THES",
    "misc": "GEN",
    "online": "ELEC",
    "unpublished": "UNPB",
}
# The other BibLaTeX types by the CSL type they map to (csl.CSL_TYPES).
RIS_BY_CSL: dict[str, str] = {
    "book": "BOOK",
    "chapter": "CHAP",
    "dataset": "DATA",
    "entry-encyclopedia": "ENCYC",
    "graphic": "ART",
    "legal_case": "CASE",
    "legislation": "STAT",
    "motion_picture": "VIDEO",
    "patent": "PAT",
    "periodical": "JFULL",
    "software": "COMP",
    "song": "SOUND",
    "standard": "STAND",
    "webpage": "ELEC",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "article-journal": "JOUR",
    "paper-conference": "CPAPER",
    "report": "RPRT",
    "thesis": "THES",
    "manuscript": "UNPB",
}
_PAGE_RANGE = re.compile(r"^\s*([^-–—\s]+)\s*[-–—]+\s*([^-–—\s]+)\s*$")


def to_bibtex(refs: Iterable[Reference]) -> str:
    """BibTeX for the references, written from their fields as the authors wrote them."""
    library = bibtexparser.Library()
    for ref in refs:
        fields = []
        for name, raw in ref.raw_fields.items():
            field = bm.Field(name, raw)
            if name == "month" and raw.strip().lower() in MONTH_MACROS:
                field.enclosing = "no-enclosing"  # a month macro, not the literal text "apr"
            fields.append(field)
        library.add(bm.Entry(ref.bibtype, ref.key, fields))
    fmt = BibtexFormat()
    fmt.indent = "  "
    fmt.value_column = "auto"
    fmt.trailing_comma = True
    fmt.block_separator = "\n"
    # In place: the library is ours and throw-away, and copying is slow for large ones.
    stack = [
        AddEnclosingMiddleware(
            reuse_previous_enclosing=False,
            enclose_integers=True,
            default_enclosing="{",
            allow_inplace_modification=True,
        )
    ]
    return bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)


def _ris_name(person: Person) -> str:
    """RIS's "Family, Given, Suffix" (a particle kept apart goes with the given name)."""
    given = " ".join(p for p in (person.given, person.particle) if p)
    name = f"{person.family}, {given}" if given else person.family
    return f"{name}, {person.suffix}" if person.suffix else name


def to_ris_records(refs: Iterable[Reference]) -> list[dict[str, Any]]:
    """The references as rispy records (the dicts ``rispy.dumps`` writes)."""
    records = []
    for ref in refs:
        f = ref.fields
        kind = csl_type(ref)
        ris_type = RIS_TYPES.get(ref.bibtype) or RIS_BY_CSL.get(kind, "GEN")
        if kind in ("webpage", "article-magazine", "article-newspaper"):
            ris_type = RIS_BY_CSL[kind]
        rec: dict[str, Any] = {"type_of_reference": ris_type, "id": ref.key}
        if ref.persons:
            rec["authors"] = [_ris_name(p) for p in ref.persons]
        if ref.editors:
            rec["secondary_authors"] = [_ris_name(p) for p in ref.editors]
        if ref.title:
            rec["title"] = ref.title
        container = f.get("journal") or f.get("journaltitle") or f.get("booktitle")
        if container:
            rec["secondary_title"] = container
        if ref.issued is not None:
            rec["year"] = str(ref.issued)
        if f.get("date"):
            rec["date"] = f["date"]  # RIS's DA: the date as written (ISO 8601 / EDTF)
        publisher = next(
            (f[n] for n in ("publisher", "institution", "school", "organization") if f.get(n)),
            None,
        )
        if publisher:
            rec["publisher"] = publisher
        for bib_name, ris_name in (
            ("address", "place_published"),
            ("location", "place_published"),
            ("volume", "volume"),
            ("number", "number"),
            ("edition", "edition"),
            ("doi", "doi"),
            ("isbn", "issn"),  # RIS has one SN tag for both
            ("issn", "issn"),
        ):
            if f.get(bib_name) and ris_name not in rec:
                rec[ris_name] = f[bib_name]
        pages = f.get("pages")
        if pages:
            m = _PAGE_RANGE.match(pages)
            rec["start_page"], end = (m.group(1), m.group(2)) if m else (pages.strip(), None)
            if end:
                rec["end_page"] = end
        if f.get("url"):
            rec["urls"] = [f["url"]]
        genre = work_genre(ref)
        if genre:
            rec["type_of_work"] = genre
        notes = [n for n in (ref.annotation, f.get("note")) if n]
        if notes:
            rec["notes"] = notes
        keywords = [*ref.tenets, *ref.focus, *ref.levels]
        if keywords:
            rec["keywords"] = keywords
        records.append(rec)
    return records


def to_ris(refs: Iterable[Reference]) -> str:
    """RIS (for EndNote, Zotero, Mendeley): the annotation goes in N1, tags in KW."""
    return rispy.dumps(to_ris_records(refs))


def to_csl_json(refs: Iterable[Reference]) -> str:
    """CSL-JSON (for Zotero and pandoc): a JSON array of the items ``csl.to_csl`` makes,
    with CSL rich text (``<i>``, ``<span class="nocase">``) where the LaTeX has markup."""
    # One item per line: readable in a diff, and written by json's C encoder (``indent``
    # falls back to the pure-Python one, a second for 10,000 references).
    items = [json.dumps(to_csl(ref, rich=True), ensure_ascii=False) for ref in refs]
    return "[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n"


# Every export format by the name the site's files, the build and ``equity-kb export`` use.
WRITERS: dict[str, Callable[[Iterable[Reference]], str]] = {
    "bibtex": to_bibtex,
    "ris": to_ris,
    "csl-json": to_csl_json,
}

__all__ = ["RIS_TYPES", "WRITERS", "to_bibtex", "to_csl_json", "to_ris", "to_ris_records"]
