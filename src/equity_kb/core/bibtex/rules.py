"""What a BibTeX entry must and may hold: the core fields of each entry type, our own
fields on top, and every problem code the loader reports."""

from __future__ import annotations

from equity_kb.core.vocabulary import FACETS

# Core fields each entry type needs; a tuple of alternatives means "one of these".
# BibTeX's types and every standard BibLaTeX type (biblatex manual, section 2.1), with the
# non-standard types Better BibTeX writes from Zotero (@software, @video, @patent, ...).
_DATE = ("year", "date")
_WHO = ("author", "editor")
_JOURNAL = ("journal", "journaltitle")
_INSTITUTION = ("institution", "school")
_PART_OF_BOOK = (("author",), ("title",), ("booktitle",), _DATE)
_WORK = (_WHO, ("title",), _DATE)
_LEGAL = (("title",), _DATE)  # a court case or a statute has no author
CORE_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("author",), ("title",), _JOURNAL, _DATE),
    "book": (_WHO, ("title",), ("publisher",), _DATE),
    "mvbook": (_WHO, ("title",), _DATE),
    "inbook": (_WHO, ("title",), ("publisher",), _DATE),
    "bookinbook": _PART_OF_BOOK,
    "suppbook": _PART_OF_BOOK,
    "booklet": (("title",), _DATE),
    "collection": (("editor",), ("title",), _DATE),
    "mvcollection": (("editor",), ("title",), _DATE),
    "incollection": (("author",), ("title",), ("booktitle",), ("publisher",), _DATE),
    "suppcollection": _PART_OF_BOOK,
    "dataset": _WORK,
    "inproceedings": _PART_OF_BOOK,
    "conference": _PART_OF_BOOK,
    "proceedings": (("title",), _DATE),
    "mvproceedings": (("title",), _DATE),
    "reference": (("editor",), ("title",), _DATE),
    "mvreference": (("editor",), ("title",), _DATE),
    "inreference": _PART_OF_BOOK,
    "periodical": (("editor",), ("title",), _DATE),
    "suppperiodical": (("author",), ("title",), _JOURNAL, _DATE),
    "patent": (("author",), ("title",), ("number",), _DATE),
    "techreport": (("author",), ("title",), _INSTITUTION, _DATE),
    "report": (("author",), ("title",), _INSTITUTION, _DATE),
    "phdthesis": (("author",), ("title",), _INSTITUTION, _DATE),
    "mastersthesis": (("author",), ("title",), _INSTITUTION, _DATE),
    "thesis": (("author",), ("title",), _INSTITUTION, _DATE),
    "manual": (("title",), _DATE),
    "misc": _WORK,
    "online": _WORK,
    "electronic": _WORK,
    "www": _WORK,
    "software": _WORK,
    "unpublished": _WORK,
    # Non-standard in biblatex, written by Better BibTeX and read by biblatex-apa.
    "artwork": _WORK,
    "audio": _WORK,
    "commentary": _WORK,
    "image": _WORK,
    "letter": (("author",), ("title",), _DATE),
    "movie": _WORK,
    "music": _WORK,
    "performance": _WORK,
    "review": _WORK,
    "video": _WORK,
    "jurisdiction": _LEGAL,
    "legislation": _LEGAL,
    "legal": _LEGAL,
    "standard": _LEGAL,
    **{f"custom{c}": _WORK for c in "abcdef"},
}
# A plain bibliography's (a vocabulary without tenets: a sphinxcontrib-bibtex project
# moved here) fields each type needs: exactly those without which pybtex's plain style
# (pybtex/style/formatting/unsrt.py, which every style sphinxcontrib-bibtex ships builds
# on) cannot format the entry and sphinxcontrib-bibtex warns "missing year in key"; in the
# order pybtex asks for them. pybtex takes the editor where there is no author in @book and
# @inbook; a BibLaTeX name the site reads in its place (date, journaltitle) counts too.
# @misc, @online, @software, @dataset and @patent need nothing, nor do types pybtex has no
# template for: the site prints what is known, a missing year as (n.d.).
_THESIS = ("school", "institution")
PLAIN_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("author",), ("title",), _JOURNAL, _DATE),
    "book": (_WHO, ("title",), ("publisher",), _DATE),
    "booklet": (("author",), ("title",), _DATE),
    "inbook": (_WHO, ("title",), ("publisher",), _DATE),
    "incollection": (("author",), ("title",), ("booktitle",), _DATE),
    "inproceedings": (("author",), ("title",), ("booktitle",), _DATE),
    "manual": (("title",),),
    "mastersthesis": (("author",), ("title",), _THESIS, _DATE),
    "phdthesis": (("author",), ("title",), _THESIS, _DATE),
    "proceedings": (("title",), _DATE),
    "techreport": (("author",), ("title",), _INSTITUTION, _DATE),
    "unpublished": (("author",), ("title",), ("note",)),
}
# BibLaTeX types that are not works to list: @xdata holds fields other entries take in,
# @set groups entries, @bibnote is a note printed with the bibliography.
NOT_WORKS: dict[str, str] = {
    "xdata": "holds fields that other entries take in with xdata = {...}",
    "set": "groups other entries (biblatex's entry sets), which this site does not list: "
    "cite the member entries instead",
    "bibnote": "is a note for the printed bibliography, which this site does not show",
}
# Fields an entry may give more than once, joined as paragraphs in order (Zotero writes
# one annote per note); any other field given twice is reported and the first kept.
JOINED_FIELDS = frozenset({"annote", "annotation", "note"})
# Name lists: split into people and checked like author and editor.
NAME_FIELDS = frozenset(
    {
        "author",
        "editor",
        "translator",
        "bookauthor",
        "holder",
        "commentator",
        "annotator",
        "introduction",
        "foreword",
        "afterword",
        "editora",
        "editorb",
        "editorc",
    }
)
# Which type field names the role of the people in which name field (biblatex 2.3.6).
ROLE_TYPES = {
    "editor": "editortype",
    "editora": "editoratype",
    "editorb": "editorbtype",
    "editorc": "editorctype",
}
# The roles an editor...type names (biblatex's own, and biblatex-apa's for media), as the
# CSL name variable for them. biblatex's editorial roles that CSL has no variable for
# (founder, continuator, redactor, reviser, collaborator) are CSL's generic contributor:
# an "(Ed.)" would say what they are not.
EDITOR_ROLES = {
    "editor": "editor",
    "compiler": "compiler",
    "organizer": "organizer",
    "director": "director",
    "producer": "producer",
    "execproducer": "executive-producer",
    "executiveproducer": "executive-producer",
    "writer": "script-writer",
    "scriptwriter": "script-writer",
    "host": "host",
    "guest": "guest",
    "narrator": "narrator",
    "performer": "performer",
    "composer": "composer",
    "illustrator": "illustrator",
    "translator": "translator",
    "curator": "curator",
    "chair": "chair",
    "interviewer": "interviewer",
    "recipient": "recipient",
    "reviewedauthor": "reviewed-author",
    "editorialdirector": "editorial-director",
    "serieseditor": "collection-editor",
    "collectioneditor": "collection-editor",
    **dict.fromkeys(
        ("founder", "continuator", "redactor", "reviser", "collaborator"), "contributor"
    ),
}
# Ours (and Zotero's tags): about one work and how it serves the partnership.
OWN_FIELDS = frozenset(
    {"annotation", "annote", "tenets", "focus", "levels", "evidence", "provenance", "keywords"}
)
# Fields a crossref or xdata child never takes from its parent: biblatex's own list, and
# ours, which describe one work and how it serves the partnership.
NOT_INHERITED = frozenset(
    {
        "ids",
        "crossref",
        "xref",
        "xdata",
        "entryset",
        "entrysubtype",
        "execute",
        "label",
        "options",
        "presort",
        "related",
        "relatedoptions",
        "relatedstring",
        "relatedtype",
        "shorthand",
        "shorthandintro",
        "sortkey",
    }
    | OWN_FIELDS
)
# Our own fields on top of BibTeX.
TAG_FIELDS = FACETS  # tenets, focus, levels: comma-separated vocabulary ids
# Addresses: verbatim but for BibTeX's escapes of LaTeX's specials (\%, \_, \#, \&).
URL_FIELDS = frozenset({"url", "doi", "eprint"})
# Fields whose text is an identifier, never LaTeX (a '%' or '~' in a URL is literal).
VERBATIM_FIELDS = frozenset(
    {
        *URL_FIELDS,
        "file",
        "isbn",
        "issn",
        "evidence",
        "date",
        "urldate",
        "eventdate",
        "origdate",
        "crossref",
        "xdata",
        *TAG_FIELDS,
    }
)
# Text fields a CSL-JSON item carries (csl.py), kept as CSL rich text too (italics,
# small caps, ...); in the titles among them, braced words are protected (nocase).
TITLE_FIELDS = frozenset(
    {
        "title",
        "subtitle",
        "titleaddon",
        "booktitle",
        "booksubtitle",
        "booktitleaddon",
        "maintitle",
        "mainsubtitle",
        "maintitleaddon",
        "journaltitle",
        "journalsubtitle",
        "journal",
        "issuetitle",
        "issuesubtitle",
        "series",
        "eventtitle",
        "origtitle",
        "shorttitle",
    }
)
RICH_FIELDS = TITLE_FIELDS | {
    "publisher",
    "institution",
    "school",
    "organization",
    "howpublished",
    "location",
    "address",
    "edition",
    "version",
    "note",
    "venue",
    "type",
    "pubstate",
    "abstract",
    "annotation",
    "annote",
    "origpublisher",
    "origlocation",
}
DATE_FIELDS = ("date", "urldate", "eventdate", "origdate")
MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
EDITED = frozenset(t for t, rules in CORE_FIELDS.items() if ("author", "editor") in rules)
PLACEHOLDERS = frozenset({"todo", "tbd", "fixme", "xxx", "..."})


# Codes reported as notes (severity "note"): facts worth showing that fail no build.
NOTE_CODES = frozenset({"latex_kept", "macro_redefined", "unknown_role"})

# Every Problem.code this module reports (Sphinx warning subtype kb.<code>).
PROBLEM_CODES: dict[str, str] = {
    "bib_syntax": "BibTeX the parser cannot read (the entry is skipped), stray fields, or a "
    "macro no @string in the bibliography defines",
    "duplicate_key": "a citation key used before, in this file or an earlier one",
    "duplicate_field": "a field given twice in one entry (the first is used)",
    "duplicate_tag": "a tenet, focus area or level listed twice",
    "missing_field": "a core field of the entry type is missing and there is no provenance "
    "(in a plain bibliography: a field BibTeX's plain style cannot do without)",
    "incomplete": "(note) core fields missing, with a provenance saying why",
    "missing_annotation": "no annotation, or a placeholder such as TODO",
    "missing_tenets": "no tenets",
    "unknown_tenet": "a tenet not in the vocabulary",
    "unknown_focus": "a focus area not in the vocabulary",
    "unknown_level": "a level not in the vocabulary",
    "bad_evidence": "an unknown kind of evidence, or more than one",
    "bad_year": "a year that is not four digits",
    "bad_date": "a BibLaTeX date (date, urldate, ...) that is not ISO 8601 / EDTF, or uses a "
    "form the site cannot show",
    "placeholder": "a field still holding a placeholder such as TODO (equity-kb import writes "
    "them for what an entry lacks)",
    "bad_crossref": "a crossref or xdata key that names no entry, or a loop of them",
    "not_a_work": "a BibLaTeX entry that is not a work to list (@set, @bibnote)",
    "bad_doi": "a DOI that does not start with 10. and contain a /",
    "bad_name": "an author or editor name BibTeX cannot split",
    "latex_kept": "(note) a LaTeX macro the site does not understand, shown as written",
    "macro_redefined": "(note) an @string macro that another file defines differently",
    "unknown_role": "(note) an editortype (or editoratype, ...) the site has no role for",
    "unknown_type": "an entry type we do not know (checked as @misc)",
    "unreadable": "the file cannot be read",
    "bad_encoding": "the file is not UTF-8 (another encoding, UTF-16, a NUL byte)",
    "empty_file": "the file is empty",
}
