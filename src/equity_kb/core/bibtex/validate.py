"""Stage 2, validation: a parsed entry to a :class:`~equity_kb.core.model.Reference` and
its problems (required fields, vocabulary, years, DOIs), each at its line with what to do.
An entry with bad fields still becomes a Reference with what is valid."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Literal

from equity_kb.core.dates import DateError, parse_date
from equity_kb.core.model import Problem, Reference
from equity_kb.core.vocabulary import KIND_NAMES, Vocabulary

from .parse import Chunks, Field, ParsedEntry, absolute
from .rules import (
    CORE_FIELDS,
    DATE_FIELDS,
    EDITED,
    EDITOR_ROLES,
    NAME_FIELDS,
    NOT_WORKS,
    NOTE_CODES,
    PLACEHOLDERS,
    PLAIN_FIELDS,
    ROLE_TYPES,
    TAG_FIELDS,
)

_YEAR = re.compile(r"^\d{4}$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")


def _split_tags(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _is_placeholder(text: str) -> bool:
    return text.strip().strip(".!:").lower() in PLACEHOLDERS


def _first_sentence(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    return _SENTENCE_END.split(first, 1)[0].strip()


def _closest(value: str, options: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return match[0] if match else None


def _tag_code(kind: str) -> str:
    return {"tenets": "unknown_tenet", "focus": "unknown_focus", "levels": "unknown_level"}[kind]


def _own(name: str, fields: dict[str, Field], entry: ParsedEntry) -> bool:
    """Whether pybtex finds field ``name`` in the entry as written: a name list (author,
    editor) that holds a name, any other field that is there, even empty."""
    f = fields.get(name)
    if f is None or name in entry.inherited:
        return False
    return bool(f.text.strip()) or name not in NAME_FIELDS


def _plain_missing(
    entry: ParsedEntry,
    fields: dict[str, Field],
    own_missing: list[tuple[str, ...]],
    missing: list[str],
) -> str:
    """The warning for a plain bibliography's entry that BibTeX's plain style cannot
    format (sphinxcontrib-bibtex's "missing year in key"), naming the fields."""
    key, bibtype = entry.key, entry.bibtype
    names = ["'author' or 'editor'" if "editor" in a else f"'{a[0]}'" for a in own_missing]
    listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    it = "it" if len(own_missing) == 1 else "them"
    message = (
        f"@{bibtype} '{key}' is missing {listed}, which BibTeX's plain style needs for "
        f"@{bibtype} (sphinxcontrib-bibtex warns too)"
    )
    parents = [f"{n} '{fields[n].text}'" for n in ("crossref", "xdata") if n in fields]
    if len(missing) < len(own_missing) and parents:
        message += f"; that style reads no field from the {' or '.join(parents)}"
        if not missing:
            return (
                f"{message}. APA takes {it} from there: copy {it} into '{key}' to build "
                "without this warning"
            )
    shown = []
    if "year" in missing:
        shown.append("(n.d.) for the year")
    if "author" in missing:
        shown.append("the title in the author's place")
    known = f", with {' and '.join(shown)}" if shown else ""
    return f"{message}. APA prints what is known{known}: add {it} if the source gives {it}"


def validate(
    parsed: Chunks, path: str, vocabulary: Vocabulary
) -> tuple[tuple[Reference, ...], tuple[Problem, ...]]:
    problems: list[Problem] = []
    refs: list[Reference] = []
    for first, chunk in parsed:
        problems.extend(
            Problem(path, line + first, absolute(msg, first), code)
            for line, msg, code in chunk.issues
        )
        for entry in chunk.entries:
            ref, entry_problems = reference(entry, path, vocabulary, first)
            problems.extend(entry_problems)
            if ref is not None:
                refs.append(ref)
    problems.sort(key=lambda p: p.line)
    return tuple(refs), tuple(problems)


def reference(
    entry: ParsedEntry, path: str, vocabulary: Vocabulary, first: int = 0
) -> tuple[Reference | None, list[Problem]]:
    """The Reference for a parsed entry whose lines count from line ``first`` + 1."""
    problems: list[Problem] = []

    def report(
        line: int, message: str, code: str, severity: Literal["error", "note"] = "error"
    ) -> None:
        problems.append(Problem(path, line + first, message, code, severity))

    for line, message, code in entry.issues:
        report(line, absolute(message, first), code, "note" if code in NOTE_CODES else "error")
    if not entry.key:
        report(
            entry.line,
            f"this @{entry.bibtype} entry has no citation key and was skipped: write one "
            "after the '{', like @article{bowman2021getting, ...}",
            "bib_syntax",
        )
        return None, problems

    fields = {f.name: f for f in entry.fields}
    key = entry.key
    # A placeholder (TODO, as equity-kb import writes for what an entry lacks) is reported
    # once, here, and its field then counts as given but holds no value.
    placeholders = {
        name
        for name, f in fields.items()
        if name not in ("annotation", "annote") and _is_placeholder(f.text)
    }
    for name in sorted(placeholders, key=lambda n: fields[n].line):
        what = (
            f"choose one or more of {', '.join(vocabulary.ids(name))}"
            if name in TAG_FIELDS
            else "fill it in from the source, or delete the line and say in provenance why "
            "the source does not give it"
        )
        report(
            fields[name].line,
            f"{name} of '{key}' is still the placeholder {fields[name].text!r}: {what}",
            "placeholder",
        )

    def present(name: str) -> bool:
        f = fields.get(name)
        return f is not None and bool(f.text.strip())

    bibtype = entry.bibtype
    if bibtype in NOT_WORKS:
        if bibtype != "xdata":  # an @xdata entry is read by the entries that name it
            report(
                entry.line,
                f"@{bibtype} '{key}' {NOT_WORKS[bibtype]}; it is not listed",
                "not_a_work",
                "note",
            )
        return None, problems
    rules = CORE_FIELDS.get(bibtype)
    if rules is None:
        hint = _closest(bibtype, CORE_FIELDS)
        extra = f": did you mean @{hint}?" if hint else ""
        report(
            entry.line,
            f"unknown entry type @{bibtype} for '{key}'{extra} (known types: "
            f"{', '.join(sorted(CORE_FIELDS))}); it is checked as @misc",
            "unknown_type",
        )
        rules = CORE_FIELDS["misc"]

    for role, type_field in ROLE_TYPES.items():
        role_type = fields.get(type_field)
        if role_type is None or role_type.text.strip().lower() in EDITOR_ROLES:
            continue
        if type_field in placeholders or not role_type.text.strip():
            continue
        hint = _closest(role_type.text.strip().lower(), EDITOR_ROLES)
        report(
            role_type.line,
            f"{type_field} {role_type.text!r} of '{key}' is not a role the site knows"
            + (f" (did you mean {hint}?)" if hint else "")
            + f"; the {role} is listed as a contributor. Roles: "
            + ", ".join(sorted(EDITOR_ROLES)),
            "unknown_role",
            "note",
        )

    # The year: BibLaTeX's date (ISO 8601 / EDTF, core/dates.py) first, as biblatex reads
    # it, else BibTeX's four-digit year. Other dates are checked the same way.
    issued: int | None = None
    bad_year = False
    for name in DATE_FIELDS:
        date_field = fields.get(name)
        if date_field is None or not date_field.text.strip() or name in placeholders:
            continue
        try:
            date = parse_date(date_field.text)
        except DateError as err:
            bad_year = bad_year or name == "date"
            report(date_field.line, f"{name} of '{key}': {err}", "bad_date")
            continue
        if name == "date":
            issued = date.year
    year_field = fields.get("year")
    if year_field is not None and issued is None and "year" not in placeholders:
        if _YEAR.match(year_field.text.strip()):
            issued = int(year_field.text.strip())
        else:
            bad_year = True
            report(
                year_field.line,
                f"year {year_field.text!r} in '{key}' is not a year: write four digits, like "
                "year = {2021} (or a BibLaTeX date = {2021-10-11}); if the year is not known, "
                "leave the field out (the entry shows as n.d.)",
                "bad_year",
            )

    # A vocabulary without tenets is a plain bibliography: no tags or annotation asked for,
    # and of the fields only what BibTeX's plain style cannot do without (PLAIN_FIELDS).
    tagging = bool(vocabulary.ids("tenets"))
    # In a plain bibliography only the entry's own fields count, as pybtex reads them: one
    # that a crossref or xdata parent gives is warned of (as sphinxcontrib-bibtex does) but
    # is not missing from the Reference.
    own_missing: list[tuple[str, ...]] = []
    for alternatives in rules if tagging else PLAIN_FIELDS.get(bibtype, ()):
        if any(present(a) if tagging else _own(a, fields, entry) for a in alternatives):
            continue
        if bad_year and set(alternatives) & {"year", "date"}:
            continue  # already reported as a bad year
        own_missing.append(alternatives)
    provenance = fields["provenance"].text if present("provenance") else None
    if own_missing and entry.truncated:
        own_missing = []  # reported once, as the stray '}' that cut the entry short
    missing = [a[0] for a in own_missing if not any(present(name) for name in a)]
    if own_missing and not tagging and not provenance:
        report(entry.line, _plain_missing(entry, fields, own_missing, missing), "missing_field")
    elif missing:
        listed = ", ".join(
            "'author' or 'editor'" if m == "author" and bibtype in EDITED else f"'{m}'"
            for m in missing
        )
        it = "it" if len(missing) == 1 else "them"
        if provenance:
            report(
                entry.line,
                f"'{key}' is incomplete (no {listed}); it is listed as incomplete, and its "
                "provenance says where its details came from",
                "incomplete",
                "note",
            )
        else:
            report(
                entry.line,
                f"@{bibtype} '{key}' is missing {listed}: add {it}, or, if the source does "
                f"not give {it}, add a provenance field saying where the entry's details came "
                "from (a field that is not known is left out, never guessed)",
                "missing_field",
            )

    # BibLaTeX's alias: annote (Zotero's notes) is the annotation when there is no other.
    note_field = "annotation" if present("annotation") or not present("annote") else "annote"
    annotation = fields[note_field].text if present(note_field) else ""
    if not annotation and not entry.truncated and tagging:
        report(
            entry.line,
            f"'{key}' has no annotation: add annotation = {{...}}, a few sentences in your "
            "own words on what this work contributes to the knowledge base",
            "missing_annotation",
        )
    elif _is_placeholder(annotation):
        report(
            fields[note_field].line,
            f"the annotation of '{key}' is still the placeholder {annotation!r}: replace it "
            "with a few sentences in your own words on what this work contributes",
            "missing_annotation",
        )
        annotation = ""
        placeholders.add(note_field)

    tags: dict[str, tuple[str, ...]] = {}
    for kind in TAG_FIELDS:
        tag_field = fields.get(kind) if kind not in placeholders else None
        valid = set(vocabulary.ids(kind))
        out: list[str] = []
        for value in _split_tags(tag_field.text) if tag_field else []:
            line = tag_field.line if tag_field else entry.line
            if value not in valid:
                report(line, vocabulary.unknown_message(kind, value), _tag_code(kind))
            elif value in out:
                report(line, f"{KIND_NAMES[kind]} {value!r} is listed twice", "duplicate_tag")
            else:
                out.append(value)
        tags[kind] = tuple(out)
    if not present("tenets") and not entry.truncated and tagging:
        report(
            entry.line,
            f"'{key}' has no tenets: add tenets = {{...}} with one or more of "
            f"{', '.join(vocabulary.ids('tenets'))}, separated by commas",
            "missing_tenets",
        )

    evidence_kind: str | None = None
    if present("evidence") and "evidence" not in placeholders:
        f = fields["evidence"]
        values = _split_tags(f.text)
        valid_kinds = vocabulary.ids("evidence")
        if len(values) > 1:
            report(
                f.line,
                f"evidence of '{key}' lists {len(values)} kinds; give one (use 'mixed' for "
                "qualitative and quantitative together)",
                "bad_evidence",
            )
        for value in values:
            if value in valid_kinds:
                evidence_kind = evidence_kind or value
            else:
                report(f.line, vocabulary.unknown_message("evidence", value), "bad_evidence")

    # A placeholder is never shown or exported as if it were the value (an author TODO
    # printed as "TODO. (n.d.)"): its field is left out; the problem above stays.
    decoded = {f.name: f.text for f in entry.fields if f.name not in placeholders}
    if "doi" in fields and "doi" not in placeholders:
        f = fields["doi"]
        doi = _DOI_PREFIX.sub("", f.text.strip())
        if doi.startswith("10.") and "/" in doi:
            decoded["doi"] = doi
        else:
            del decoded["doi"]
            report(
                f.line,
                f"DOI {f.text!r} of '{key}' is not a DOI: a DOI starts with '10.' and has a "
                "'/', like doi = {10.3102/0013189X21994523}; leave the field out if there is "
                "none (put a web address in url)",
                "bad_doi",
            )

    ref = Reference(
        key=key,
        title=decoded.get("title", ""),
        tenets=tags["tenets"],
        focus=tags["focus"],
        levels=tags["levels"],
        summary=_first_sentence(annotation) if annotation else "",
        source=path,
        line=entry.line + first,
        bibtype=bibtype,
        fields=decoded,
        # As written: an export with the crossref keeps the parent's fields in the parent.
        raw_fields={
            f.name: f.raw
            for f in entry.fields
            if f.name not in entry.inherited and f.name not in placeholders
        },
        rich_fields={f.name: f.rich for f in entry.fields if f.rich and f.name not in placeholders},
        persons=() if "author" in placeholders else entry.persons,
        editors=() if "editor" in placeholders else entry.editors,
        names={role: p for role, p in entry.names if role not in placeholders},
        issued=issued,
        annotation=annotation,
        evidence_kind=evidence_kind,
        provenance=provenance,
        missing=tuple(missing),
    )
    return ref, problems
