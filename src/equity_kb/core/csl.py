"""A Reference as a CSL-JSON item: the data that APA formatting and the CSL-JSON export
share. Plain text, not HTML (or, for the exports, CSL rich text: ``<i>`` and the other
few tags CSL-JSON strings may hold, nothing escaped); only what the entry gives,
nothing guessed or filled in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import dates
from .bibtex.rules import EDITOR_ROLES, ROLE_TYPES
from .model import Person, Reference
from .titles import printed_title

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
# Types whose part is in a container (a chapter in a book): CSL's container-title.
_PARTS = frozenset({"chapter", "paper-conference", "entry-encyclopedia"})
# biblatex's books and their parts: their number is their number in a series, and they
# may be a volume of a multivolume work (maintitle).
BOOK_TYPES = frozenset(
    {
        "book",
        "mvbook",
        "inbook",
        "bookinbook",
        "suppbook",
        "collection",
        "mvcollection",
        "incollection",
        "suppcollection",
        "proceedings",
        "mvproceedings",
        "inproceedings",
        "conference",
        "reference",
        "mvreference",
        "inreference",
    }
)
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
    return dates.issued(ref.fields, ref.issued)


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


def _joined(title: str | None, subtitle: str | None) -> str | None:
    """APA's "Title: Subtitle", from BibLaTeX's separate subtitle fields; after a title
    that ends in "?" or "!", no colon (APA 7 6.17)."""
    if not title or not subtitle:
        return title
    return f"{title} {subtitle}" if title.rstrip()[-1:] in "?!:" else f"{title}: {subtitle}"


def _sentence_cased(ref: Reference, name: str, sub: str, rich: bool = False) -> str | None:
    """A work's title and subtitle as APA prints them: in sentence case (core/titles);
    ``rich``: as CSL rich text."""
    f, raw, langid = ref.fields, ref.raw_fields, ref.fields.get("langid", "")
    text = ref.title if name == "title" else f.get(name)
    title = printed_title(text, raw.get(name), langid, rich=rich)
    subtitle = printed_title(f.get(sub), raw.get(sub), langid, rich=rich)
    return _joined(title, subtitle)


def _volume_of_multivolume_work(
    ref: Reference, item: dict[str, Any], kind: str, rich: bool = False
) -> None:
    """A volume of a multivolume work (biblatex's ``maintitle``), as CSL 1.0.2 and APA's
    CSL style have it: the work's title as the title (or the container's, for a part of
    the volume) and the volume's own as ``volume-title``: "Main title: Vol. 2. Volume
    title" (APA 7, 10.2 example 30, as citeproc-js prints it)."""
    main = _sentence_cased(ref, "maintitle", "mainsubtitle", rich)
    if not main or ref.bibtype not in BOOK_TYPES:
        return
    where = "container-title" if kind in _PARTS else "title"
    if kind in _PARTS and "container-title" not in item:
        item["container-title"] = main
        return
    volume = item.get(where)
    if volume and volume != main:
        item["volume-title"] = volume
    item[where] = main


def _rich_annotation(ref: Reference) -> str:
    """The annotation with its markup, from whichever field it came from."""
    for name in ("annotation", "annote"):
        if ref.fields.get(name) == ref.annotation:
            return ref.rich_fields.get(name) or ref.annotation
    return ref.annotation


def csl_type(ref: Reference) -> str:
    f = ref.fields
    if ref.bibtype == "article" and f.get("entrysubtype", "").lower() in ARTICLE_SUBTYPES:
        return ARTICLE_SUBTYPES[f["entrysubtype"].lower()]
    if ref.bibtype == "misc" and f.get("url") and not f.get("publisher"):
        return "webpage"
    return CSL_TYPES.get(ref.bibtype, "document")


def to_csl(ref: Reference, *, rich: bool = False) -> dict[str, Any]:
    """The reference as a CSL-JSON item (plain text, not escaped): for citeproc and exports.

    Only what the entry gives is included; nothing is guessed or filled in. BibTeX's and
    BibLaTeX's names for a field (journal and journaltitle, address and location, school
    and institution, annote and annotation) are read alike. With ``rich``, text fields
    hold CSL rich text where their LaTeX has markup (``Reference.rich_fields``), as a
    CSL-JSON file for Zotero or pandoc should; citeproc-py (core/apa.py) takes plain text.
    """
    f = ref.fields
    # Text fields as CSL rich text, for the exports (titles are made from ``f`` below).
    text = {**f, **ref.rich_fields} if rich else f
    kind = csl_type(ref)
    item: dict[str, Any] = {"id": ref.key, "type": kind}
    if ref.persons:
        item["author"] = _csl_names(ref.persons)
    # Editors in the role their editor...type field names: a director is no "(Ed.)".
    for name_field, type_field in ROLE_TYPES.items():
        people = ref.editors if name_field == "editor" else ref.names.get(name_field)
        if people:
            role = EDITOR_ROLES.get((f.get(type_field) or "editor").strip().lower(), "contributor")
            item.setdefault(role, []).extend(_csl_names(people))
    for role, csl_role in (("translator", "translator"), ("bookauthor", "container-author")):
        if ref.names.get(role):
            item.setdefault(csl_role, []).extend(_csl_names(ref.names[role]))
    # Titles of works in sentence case (journals' keep their case: the style's own).
    title = _sentence_cased(ref, "title", "subtitle", rich)
    if title:
        item["title"] = title
    if f.get("shorttitle"):
        item["title-short"] = printed_title(
            f["shorttitle"], ref.raw_fields.get("shorttitle"), f.get("langid", ""), rich=rich
        )
    if kind in ("article-journal", "article-magazine", "article-newspaper", "periodical"):
        container = _joined(_first(text, "journaltitle", "journal"), text.get("journalsubtitle"))
    elif kind in _PARTS:
        container = _sentence_cased(ref, "booktitle", "booksubtitle", rich)
    else:
        container = None
    if container:
        item["container-title"] = container
    _volume_of_multivolume_work(ref, item, kind, rich)
    publisher = _first(text, "publisher", "institution", "school", "organization", "howpublished")
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
        ("chapter", "chapter-number"),
        ("part", "part-number"),
        ("origtitle", "original-title"),
        ("origpublisher", "original-publisher"),
        ("origlocation", "original-publisher-place"),
        ("issuetitle", "volume-title"),  # CSL 1.0.2: a special issue's title too
    ]
    for bib_name, csl_name in pairs:
        if f.get(bib_name) and csl_name not in item:
            item[csl_name] = text[bib_name]
    if "URL" not in item and "DOI" not in item and f.get("eprint"):
        pattern = EPRINT_URLS.get(_first(f, "eprinttype", "archiveprefix", "") or "")
        if pattern:
            item["URL"] = pattern.format(f["eprint"])
    number = _first(f, "number", "issue")
    if number and (kind.startswith("article") or kind == "periodical"):
        item["issue"] = number
    elif f.get("number"):
        # A book's number is its number in its series (biblatex); a report's is its own.
        item["collection-number" if ref.bibtype in BOOK_TYPES else "number"] = f["number"]
    if f.get("eid"):  # an article number: APA's "Article 124106"
        item.setdefault("number", f["eid"])
    genre = work_genre(ref)
    if genre:
        item["genre"] = TYPE_KEYS.get(genre.strip().lower(), genre)
    issued = _issued(ref)
    if issued:
        item["issued"] = issued
    for bib_name, csl_name in (
        ("urldate", "accessed"),
        ("eventdate", "event-date"),
        ("origdate", "original-date"),
    ):
        value = _csl_date(f.get(bib_name))
        if value:
            item[csl_name] = value
    annotation = ref.annotation
    if annotation:
        item["annote"] = _rich_annotation(ref) if rich else annotation
    keywords = [*ref.tenets, *ref.focus, *ref.levels]
    if keywords:
        item["keyword"] = ", ".join(keywords)
    return item
