"""A Reference as a CSL-JSON item: the data that APA formatting and the CSL-JSON export
share. Plain text, not HTML; only what the entry gives, nothing guessed or filled in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import dates
from .model import Person, Reference

# BibTeX and BibLaTeX entry type -> CSL type, so APA formats each as what it is.
CSL_TYPES: dict[str, str] = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "suppbook": "chapter",
    "booklet": "pamphlet",
    "collection": "book",
    "mvcollection": "book",
    "incollection": "chapter",
    "suppcollection": "chapter",
    "dataset": "dataset",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "mvreference": "book",
    "inreference": "entry-encyclopedia",
    "periodical": "periodical",
    "suppperiodical": "article-journal",
    "patent": "patent",
    "techreport": "report",
    "report": "report",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "manual": "report",
    "misc": "document",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "software": "software",
    "unpublished": "manuscript",
    "artwork": "graphic",
    "audio": "song",
    "commentary": "book",
    "image": "graphic",
    "letter": "document",  # CSL's personal_communication is left out of APA's list
    "movie": "motion_picture",
    "music": "song",
    "performance": "performance",
    "review": "review",
    "video": "motion_picture",
    "jurisdiction": "legal_case",
    "legislation": "legislation",
    "legal": "treaty",
    "standard": "standard",
}
# biblatex's entrysubtype of an @article: a magazine or newspaper article, dated fully.
ARTICLE_SUBTYPES = {"magazine": "article-magazine", "newspaper": "article-newspaper"}
# eprinttype -> where the identifier resolves, for an entry with no DOI or URL.
EPRINT_URLS = {
    "arxiv": "https://arxiv.org/abs/{}",
    "pubmed": "https://pubmed.ncbi.nlm.nih.gov/{}",
    "jstor": "https://www.jstor.org/stable/{}",
    "hdl": "https://hdl.handle.net/{}",
    "handle": "https://hdl.handle.net/{}",
}
THESIS_GENRES = {"phdthesis": "Doctoral dissertation", "mastersthesis": "Master's thesis"}


def work_genre(ref: Reference) -> str | None:
    """The kind of work as written (``type``), or a thesis's from its entry type."""
    return ref.fields.get("type") or THESIS_GENRES.get(ref.bibtype)


# biblatex's localisation keys in a type field (type = {phdthesis} on a @thesis), as words.
TYPE_KEYS = {
    "phdthesis": "Doctoral dissertation",
    "mathesis": "Master's thesis",
    "mastersthesis": "Master's thesis",
    "candthesis": "Candidate thesis",
    "techreport": "Technical report",
    "resreport": "Research report",
}
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


def _csl_date(text: str | None) -> dict[str, Any] | None:
    """A BibLaTeX date field as a CSL date; None if absent or unreadable (the loader
    reports an unreadable one)."""
    if not text:
        return None
    try:
        return dates.to_csl(dates.parse_date(text))
    except dates.DateError:
        return None


def _issued(ref: Reference) -> dict[str, Any] | None:
    """CSL date of a reference: BibLaTeX's ``date`` when it reads, else year, month, day."""
    issued = _csl_date(ref.fields.get("date"))
    if issued is not None or ref.issued is None:
        return issued
    parts = [ref.issued]
    month = ref.fields.get("month", "").strip().lower().rstrip(".")
    number = MONTHS.get(month) or (int(month) if month.isdigit() and 1 <= int(month) <= 12 else 0)
    if number:
        parts.append(number)
        day = ref.fields.get("day", "").strip()
        if day.isdigit() and 1 <= int(day) <= 31:
            parts.append(int(day))
    return {"date-parts": [parts]}


csl_issued = _issued  # public: in-text citations and their disambiguation read it too


def _csl_names(people: Iterable[Person]) -> list[dict[str, str]]:
    out = []
    for p in people:
        if not p.given and not p.particle:
            out.append({"literal": p.family})
            continue
        name = {"family": p.family, "given": p.given}
        if p.particle:
            name["dropping-particle"] = p.particle
        if p.suffix:
            name["suffix"] = p.suffix
        out.append(name)
    return out


def _first(f: dict[str, str], *names: str) -> str | None:
    return next((f[n] for n in names if f.get(n)), None)


def _with_subtitle(f: dict[str, str], title: str | None, sub: str) -> str | None:
    """APA's "Title: Subtitle", from BibLaTeX's separate subtitle fields."""
    if title and f.get(sub):
        return f"{title}: {f[sub]}"
    return title


def csl_type(ref: Reference) -> str:
    f = ref.fields
    if ref.bibtype == "article" and f.get("entrysubtype", "").lower() in ARTICLE_SUBTYPES:
        return ARTICLE_SUBTYPES[f["entrysubtype"].lower()]
    if ref.bibtype == "misc" and f.get("url") and not f.get("publisher"):
        return "webpage"
    return CSL_TYPES.get(ref.bibtype, "document")


def to_csl(ref: Reference) -> dict[str, Any]:
    """The reference as a CSL-JSON item (plain text, not escaped): for citeproc and exports.

    Only what the entry gives is included; nothing is guessed or filled in. BibTeX's and
    BibLaTeX's names for a field (journal and journaltitle, address and location, school
    and institution, annote and annotation) are read alike.
    """
    f = ref.fields
    kind = csl_type(ref)
    item: dict[str, Any] = {"id": ref.key, "type": kind}
    if ref.persons:
        item["author"] = _csl_names(ref.persons)
    if ref.editors:
        item["editor"] = _csl_names(ref.editors)
    for role, csl_role in (("translator", "translator"), ("bookauthor", "container-author")):
        if ref.names.get(role):
            item[csl_role] = _csl_names(ref.names[role])
    title = _with_subtitle(f, ref.title, "subtitle")
    if title:
        item["title"] = title
    if kind in ("article-journal", "article-magazine", "article-newspaper", "periodical"):
        container = _with_subtitle(f, _first(f, "journaltitle", "journal"), "journalsubtitle")
    elif kind in ("chapter", "paper-conference", "entry-encyclopedia"):
        container = _with_subtitle(f, f.get("booktitle"), "booksubtitle")
    else:
        container = None
    if container:
        item["container-title"] = container
    publisher = _first(f, "publisher", "institution", "school", "organization", "howpublished")
    if publisher:
        item["publisher"] = publisher
    pairs = [
        ("location", "publisher-place"),
        ("address", "publisher-place"),
        ("volume", "volume"),
        ("pages", "page"),
        ("pagetotal", "number-of-pages"),
        ("volumes", "number-of-volumes"),
        ("edition", "edition"),
        ("version", "version"),
        ("url", "URL"),
        ("doi", "DOI"),
        ("isbn", "ISBN"),
        ("issn", "ISSN"),
        ("note", "note"),
        ("series", "collection-title"),
        ("eventtitle", "event"),
        ("venue", "event-place"),
        ("langid", "language"),
        ("language", "language"),
        ("pubstate", "status"),
        ("abstract", "abstract"),
    ]
    for bib_name, csl_name in pairs:
        if f.get(bib_name) and csl_name not in item:
            item[csl_name] = f[bib_name]
    if "URL" not in item and "DOI" not in item and f.get("eprint"):
        pattern = EPRINT_URLS.get(_first(f, "eprinttype", "archiveprefix", "") or "")
        if pattern:
            item["URL"] = pattern.format(f["eprint"])
    number = _first(f, "number", "issue")
    if number:
        item["issue" if kind.startswith("article") else "number"] = number
    genre = work_genre(ref)
    if genre:
        item["genre"] = TYPE_KEYS.get(genre.strip().lower(), genre)
    issued = _issued(ref)
    if issued:
        item["issued"] = issued
    for bib_name, csl_name in (("urldate", "accessed"), ("eventdate", "event-date")):
        value = _csl_date(f.get(bib_name))
        if value:
            item[csl_name] = value
    annotation = ref.annotation
    if annotation:
        item["annote"] = annotation
    keywords = [*ref.tenets, *ref.focus, *ref.levels]
    if keywords:
        item["keyword"] = ", ".join(keywords)
    return item
