"""@string macros across files: what the cached parse of one file could not expand (a
macro that file does not define) is expanded with the macros of every file of the
bibliography (strings.py), before inheritance and validation. A macro no file defines
is reported at its field, and its name is kept in the text, as written."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from equity_kb.core.model import Person, Problem

from .cache import FILE_MACROS, remember
from .parse import Chunks, Field, ParsedEntry, decode_field
from .rules import MONTH_MACROS
from .strings import Macros, split_value


def _file_macros(digest: str, parsed: Chunks) -> tuple[tuple[tuple[str, str, int], ...], bool]:
    """A file's @string definitions, and whether a field of it waits for other files'
    macros (or names an undefined one): read once per file content, most have neither."""
    found = FILE_MACROS.get(digest)
    if found is None:
        definitions = tuple(
            (name, expression, line + first)
            for first, chunk in parsed
            for name, expression, line in chunk.strings
        )
        pending = any(
            f.bare and not f.raw.isdigit()
            for _, chunk in parsed
            for entry in chunk.entries
            for f in entry.fields
        )
        found = (definitions, pending)
        remember(FILE_MACROS, digest, found)
    return found


def expand_macros(
    files: Sequence[tuple[str, str, Chunks]],
) -> list[tuple[Chunks, list[Problem], str]]:
    """For each (path, digest, parsed chunks) file: its chunks with every macro
    expanded, the problems of its definitions, and a fingerprint of what the other
    files' macros changed ("" for nothing), for the validation memo."""
    macros = Macros()
    problems: dict[str, list[Problem]] = {path: [] for path, _, _ in files}
    pending: list[bool] = []
    for path, digest, parsed in files:
        definitions, waits = _file_macros(digest, parsed)
        pending.append(waits)
        for name, expression, line in definitions:
            earlier = macros.define(path, name, expression, line)
            if earlier is not None:
                problems[path].append(
                    Problem(
                        path,
                        line,
                        f"@string {name} is also defined, differently, at "
                        f"{earlier[0]}:{earlier[1]}; this file's entries use this "
                        "definition, other files' the first: give one of them another name",
                        "macro_redefined",
                        "note",
                    )
                )
    out = []
    for (path, _, parsed), waits in zip(files, pending, strict=True):
        if not waits:
            out.append((parsed, problems[path], ""))
            continue
        fingerprint = hashlib.sha256()
        chunks = []
        for first, chunk in parsed:
            entries = tuple(_expanded(entry, macros, path) for entry in chunk.entries)
            for old, new in zip(chunk.entries, entries, strict=True):
                if new is not old:
                    fingerprint.update(repr(new).encode())
            chunks.append((first, chunk._replace(entries=entries)))
        out.append((tuple(chunks), problems[path], fingerprint.hexdigest()))
    return out


def _expanded(entry: ParsedEntry, macros: Macros, path: str) -> ParsedEntry:
    fields: list[Field] = []
    issues: list[tuple[int, str, str]] = []
    people: dict[str, tuple[Person, ...]] = {}
    for f in entry.fields:
        if not f.bare or f.raw.isdigit():
            fields.append(f)
            continue
        parts = split_value(f.raw)
        text, missing = macros.expand(parts, path) if parts else (f.raw, (f.raw,))
        if missing and f.name == "month" and f.raw.strip().lower() in MONTH_MACROS:
            fields.append(f)  # BibTeX's month macro (month = mar), read as a month
            continue
        field, persons, found = decode_field(f.name, text, f.line, bool(missing), entry.key)
        fields.append(field)
        issues.extend(found)
        if persons is not None:
            people[f.name] = persons
        if parts is None or (len(parts) == 1 and missing == (parts[0].text,)):
            issues.append(
                (
                    f.line,
                    f"field '{f.name}' = {f.raw} is not in braces and no @string defines it: "
                    f"write {f.name} = {{{f.raw}}}",
                    "bib_syntax",
                )
            )
            continue
        issues.extend(
            (
                f.line,
                f"field '{f.name}' of '{entry.key}' uses the macro '{name}', which no @string "
                "in the bibliography defines (it is shown as its name): define it, "
                f"@string{{{name} = {{...}}}}, in one of the .bib files, or write the text "
                "in braces",
                "bib_syntax",
            )
            for name in missing
        )
    if fields == list(entry.fields) and not issues:
        return entry
    names = dict(entry.names)
    names.update((role, p) for role, p in people.items() if role not in ("author", "editor"))
    return entry._replace(
        fields=tuple(fields),
        issues=entry.issues + tuple(issues),
        persons=people.get("author", entry.persons),
        editors=people.get("editor", entry.editors),
        names=tuple(names.items()),
    )
