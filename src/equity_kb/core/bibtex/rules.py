"""What a BibTeX entry must and may hold: the core fields of each entry type, our own
fields on top, and every problem code the loader reports."""

from __future__ import annotations

from equity_kb.core.vocabulary import FACETS

# Core fields each entry type needs; a tuple of alternatives means "one of these".
CORE_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "article": (("author",), ("title",), ("journal", "journaltitle"), ("year", "date")),
    "book": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "inbook": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "booklet": (("title",), ("year", "date")),
    "incollection": (
        ("author",),
        ("title",),
        ("booktitle",),
        ("publisher",),
        ("year", "date"),
    ),
    "inproceedings": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "conference": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "proceedings": (("title",), ("year", "date")),
    "techreport": (("author",), ("title",), ("institution",), ("year", "date")),
    "report": (("author",), ("title",), ("institution",), ("year", "date")),
    "phdthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "mastersthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "thesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "manual": (("title",), ("year", "date")),
    "misc": (("author", "editor"), ("title",), ("year", "date")),
    "online": (("author", "editor"), ("title",), ("year", "date")),
    "unpublished": (("author", "editor"), ("title",), ("year", "date")),
}
# Our own fields on top of BibTeX.
TAG_FIELDS = FACETS  # tenets, focus, levels: comma-separated vocabulary ids
# Fields whose text is an identifier, never LaTeX (a '%' or '~' in a URL is literal).
VERBATIM_FIELDS = frozenset(
    {"url", "doi", "eprint", "file", "isbn", "issn", "evidence", *TAG_FIELDS}
)
MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
EDITED = frozenset(t for t, rules in CORE_FIELDS.items() if ("author", "editor") in rules)
PLACEHOLDERS = frozenset({"todo", "tbd", "fixme", "xxx", "..."})


# Every Problem.code this module reports (Sphinx warning subtype kb.<code>).
PROBLEM_CODES: dict[str, str] = {
    "bib_syntax": "BibTeX the parser cannot read (the entry is skipped) or stray fields",
    "duplicate_key": "a citation key used before, in this file or an earlier one",
    "duplicate_field": "a field given twice in one entry (the first is used)",
    "duplicate_tag": "a tenet, focus area or level listed twice",
    "missing_field": "a core field of the entry type is missing and there is no provenance",
    "incomplete": "(note) core fields missing, with a provenance saying why",
    "missing_annotation": "no annotation, or a placeholder such as TODO",
    "missing_tenets": "no tenets",
    "unknown_tenet": "a tenet not in the vocabulary",
    "unknown_focus": "a focus area not in the vocabulary",
    "unknown_level": "a level not in the vocabulary",
    "bad_evidence": "an unknown kind of evidence, or more than one",
    "bad_year": "a year that is not four digits",
    "bad_doi": "a DOI that does not start with 10. and contain a /",
    "bad_name": "an author or editor name BibTeX cannot split",
    "unknown_type": "an entry type we do not know (checked as @misc)",
    "unreadable": "the file cannot be read",
    "bad_encoding": "the file is not UTF-8",
}
