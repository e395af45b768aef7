"""Stage 1, parsing: BibTeX text to parsed entries (bibtexparser, LaTeX decoding, name
splitting), with every problem bibtexparser meets at its line. Depends on the text only."""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import bibtexparser
from bibtexparser import model as bm
from bibtexparser.exceptions import BlockAbortedException

from equity_kb.core.model import Person

from .latex import MAX_NESTING, decode, nesting, squash, unknown_macros, url_text
from .names import split_persons
from .rules import (
    JOINED_FIELDS,
    NAME_FIELDS,
    RICH_FIELDS,
    TITLE_FIELDS,
    URL_FIELDS,
    VERBATIM_FIELDS,
)
from .strings import Macros, split_value

_HEAD = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)")
_STRAY_FIELD = re.compile(r"(?m)^[\s,]*([A-Za-z][\w:.-]*)\s*=\s*[{\"\d]")


# Parse results are named tuples: they are pickled to the disk cache and back from
# worker processes, and as plain tuples that is ten times faster than as dataclasses.
class Field(NamedTuple):
    name: str  # lower-case
    raw: str  # as written, without the enclosing braces or quotes; @string macros expanded
    text: str  # LaTeX decoded, whitespace normalised
    line: int  # 1-based
    # A number, or an expression with a macro its file does not define: ``raw`` is then
    # the expression as written, for the macros of the other files (macros.py).
    bare: bool
    rich: str = ""  # CSL rich text (latex.py), when it differs from ``text``


class ParsedEntry(NamedTuple):
    key: str
    bibtype: str
    line: int
    fields: tuple[Field, ...]
    persons: tuple[Person, ...]
    editors: tuple[Person, ...]
    issues: tuple[tuple[int, str, str], ...]  # (line, message, code) found while parsing
    truncated: bool = False  # an extra '}' ended it early; its later fields were lost
    names: tuple[tuple[str, tuple[Person, ...]], ...] = ()  # other name lists, by field
    inherited: tuple[str, ...] = ()  # fields taken from a crossref or xdata parent


class ParsedFile(NamedTuple):
    entries: tuple[ParsedEntry, ...]
    issues: tuple[tuple[int, str, str], ...]
    strings: tuple[tuple[str, str, int], ...] = ()  # @string (name, expression, line)


# A file's parsed chunks, each with the 0-based line it starts on.
Chunks = tuple[tuple[int, ParsedFile], ...]


def _plain_people(people: tuple[Person, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(map(tuple, people))


def to_plain(chunk: ParsedFile) -> tuple[Any, ...]:
    """``chunk`` as nested plain tuples, which pickle fast; ``from_plain`` reverses it."""
    entries = tuple(
        (
            *e[:3],
            tuple(map(tuple, e.fields)),
            _plain_people(e.persons),
            _plain_people(e.editors),
            e.issues,
            e.truncated,
            tuple((role, _plain_people(people)) for role, people in e.names),
            e.inherited,
        )
        for e in chunk.entries
    )
    return (entries, chunk.issues, chunk.strings)


def from_plain(plain: tuple[Any, ...]) -> ParsedFile:
    entries, issues, strings = plain
    # tuple.__new__ straight away: NamedTuple's own constructors are Python functions.
    new = tuple.__new__
    field = functools.partial(new, Field)
    person = functools.partial(new, Person)

    def people(plain: tuple[tuple[str, ...], ...]) -> tuple[Person, ...]:
        return tuple(map(person, plain)) if plain else ()

    return ParsedFile(
        tuple(
            new(
                ParsedEntry,
                (
                    *e[:3],
                    tuple(map(field, e[3])),
                    people(e[4]),
                    people(e[5]),
                    e[6],
                    e[7],
                    tuple((role, people(p)) for role, p in e[8]),
                    e[9],
                ),
            )
            for e in entries
        ),
        issues,
        strings,
    )


@contextmanager
def quiet_bibtexparser() -> Iterator[None]:
    """Silence bibtexparser's own log lines while we parse: we report the same
    problems with 1-based lines and advice; its messages use 0-based lines."""
    loggers = [logging.getLogger(f"bibtexparser.{n}") for n in ("splitter", "entrypoint")]
    drop = logging.Filter("\0never")  # a filter matching no logger name drops every record
    for lg in loggers:
        lg.addFilter(drop)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(drop)


def _line_of(block: bm.Block) -> int:
    return (block.start_line or 0) + 1


def _unclosed_field_line(raw: str, first_line: int) -> int | None:
    """The line of the field whose braces never close, in a block bibtexparser gave up on.

    After the ``@type{`` the depth is 1; a field starts at an ``=`` at depth 1. If the
    block ends deeper than that, the last field that started is the one left open.
    """
    depth = 0
    last: int | None = None
    for i, ch, depth in _depths(raw):
        if ch == "=" and depth == 1:
            last = i
    if depth <= 1 or last is None:
        return None
    return first_line + raw.count("\n", 0, last)


def _depths(text: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, brace depth after it) for each character no backslash escapes."""
    depth = 0
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        yield i, ch, depth


def _failed_block_issue(block: bm.ParsingFailedBlock, base: int = 0) -> tuple[int, str, str]:
    raw = block.raw or ""
    line = _line_of(block) - base
    head = _HEAD.match(raw.lstrip())
    what = f"the @{head.group(1).lower()} entry {head.group(2)!r}" if head else "this entry"
    error = block.error
    reason = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
    reason = reason.strip().rstrip(".")
    open_line = _unclosed_field_line(raw, line)
    if open_line is not None:
        return (
            open_line,
            f"{what} (line {line_ref(line)}) is not valid BibTeX and was skipped: the field "
            "on this line opens a brace '{' that is never closed; add the missing '}' "
            f"(bibtexparser: {reason})",
            "bib_syntax",
        )
    return (
        line,
        f"{what} is not valid BibTeX and was skipped: {reason}. Check that it reads "
        "@type{key, field = {value}, ...} with a comma after the key and after each field",
        "bib_syntax",
    )


# A line number inside a parse-time message, counted from its chunk like every other
# line there; ``absolute`` rewrites it once the chunk's place in the file is known.
_LINE_REF = re.compile("\x00L(\\d+)\x00")


def line_ref(line: int) -> str:
    return f"\x00L{line}\x00"


def absolute(message: str, first: int) -> str:
    if "\x00" not in message:
        return message
    return _LINE_REF.sub(lambda m: str(int(m.group(1)) + first), message)


def decode_field(
    name: str, raw: str, line: int, bare: bool, key: str
) -> tuple[Field, tuple[Person, ...] | None, list[tuple[int, str, str]]]:
    """A field from its raw value: its text (and CSL rich text), the people of a name
    list (None for other fields), and what is worth saying about it, at ``line``."""
    issues: list[tuple[int, str, str]] = []
    people: tuple[Person, ...] | None = None
    rich = ""
    kept: tuple[str, ...] = ()
    if raw.count("{") > MAX_NESTING and nesting(raw) > MAX_NESTING:  # count: fast
        issues.append(
            (
                line,
                f"field '{name}' of '{key}' nests braces or macros {nesting(raw)} deep "
                f"(more than {MAX_NESTING}); its LaTeX is not decoded and it is shown as "
                "written: simplify it",
                "bib_syntax",
            )
        )
    if name in NAME_FIELDS:
        people, bad, text = split_persons(raw)
        issues.extend((line, bad_name_message(name, person), "bad_name") for person in bad)
        kept = unknown_macros(raw)
    elif name in URL_FIELDS:
        text = url_text(raw)
    elif name in VERBATIM_FIELDS:
        text = squash(raw)
    else:
        text, rich, kept = decode(raw, name in RICH_FIELDS, name in TITLE_FIELDS)
    if kept:
        issues.append((line, kept_message(name, key, kept), "latex_kept"))
    return Field(name, raw, text, line, bare, rich), people, issues


def kept_message(name: str, key: str, kept: tuple[str, ...]) -> str:
    which = ", ".join(kept)
    return (
        f"field '{name}' of '{key}' uses LaTeX the site does not understand ({which}); it "
        "is shown as written: write the text it stands for, or leave it if that is right"
    )


def field_value(value: str, macros: Macros | None) -> tuple[str, str, bool]:
    """A value as bibtexparser gives it (enclosing kept) as (raw, text source, bare):
    braces or quotes removed, macros expanded, parts joined. An expression with a macro
    not defined here stays as written in ``raw``, bare, for the macros of the other
    files (macros.py); its text source shows the macro's name meanwhile."""
    parts = split_value(value)
    if parts is None:
        return value.strip(), value.strip(), True
    if len(parts) == 1 and not parts[0].macro:
        bare = value.lstrip()[:1] not in ("{", '"')  # a number
        return parts[0].text, parts[0].text, bare
    text, missing = (macros or Macros()).expand(parts, "")
    return (value.strip() if missing else text), text, bool(missing)


def _parse_entry(entry: bm.Entry, base: int = 0, macros: Macros | None = None) -> ParsedEntry:
    """The entry, with lines counted from ``base`` (the 0-based line its chunk starts on)."""
    issues: list[tuple[int, str, str]] = []
    fields: dict[str, Field] = {}
    roles: dict[str, tuple[Person, ...]] = {}
    key = entry.key.strip()
    entry_line = _line_of(entry) - base
    for f in entry.fields:
        name = f.key.strip().lower()
        line = (f.start_line + 1 - base) if f.start_line is not None else entry_line
        raw, source, bare = field_value(
            f.value if isinstance(f.value, str) else str(f.value), macros
        )
        if name in fields and name in JOINED_FIELDS:
            # Zotero writes each note as its own annote field: keep them all, in order.
            first = fields[name]
            joined = f"{first.raw}\n\n{raw}"
            fields[name] = decode_field(name, joined, first.line, False, key)[0]
            issues.extend(decode_field(name, source, line, bare, key)[2])  # its own notes
            continue
        if name in fields:
            issues.append(
                (
                    line,
                    f"field '{name}' is given twice in entry '{key}' (first on line "
                    f"{line_ref(fields[name].line)}); the first is used: delete one of them",
                    "duplicate_field",
                )
            )
            continue
        field, people, found = decode_field(name, source, line, bare, key)
        if bare and not raw.isdigit():  # waits for other files' macros (macros.py)
            field, found = field._replace(raw=raw), []
        fields[name] = field
        issues.extend(found)
        if people is not None:
            roles[name] = people
    return ParsedEntry(
        key=key,
        bibtype=entry.entry_type.strip().lower(),
        line=entry_line,
        fields=tuple(fields.values()),
        persons=roles.pop("author", ()),
        editors=roles.pop("editor", ()),
        issues=tuple(issues),
        names=tuple(roles.items()),
    )


def bad_name_message(name: str, person: str) -> str:
    return (
        f"the {name} name {person.strip()!r} is not a valid BibTeX name: write 'Family, Given' "
        "or 'Given Family' (or BibLaTeX's 'family=..., given=...'), separate people with "
        f"' and ', and put an organisation in double braces, like {name} = {{{{Puget Sound ESD}}}}"
    )


def parse_text(text: str, bases: Sequence[int] = (0,)) -> list[ParsedFile]:
    """Parse ``text`` (no validation): one result per chunk of it, chunk ``i`` starting
    on 0-based line ``bases[i]``, its lines counted from there. Depends on the text only.
    """
    with quiet_bibtexparser():
        # No middleware: values come as written, braces and all, and are read here
        # (strings.py), so a macro joined to text with '#' is expanded too.
        library = bibtexparser.parse_string(text, parse_stack=[])
    entries: list[list[ParsedEntry]] = [[] for _ in bases]
    issues: list[list[tuple[int, str, str]]] = [[] for _ in bases]
    strings: list[list[tuple[str, str, int]]] = [[] for _ in bases]
    macros = None
    if library.strings:
        macros = Macros()
        for s in library.strings:
            chunk = max(bisect.bisect_right(bases, s.start_line or 0) - 1, 0)
            definition = (s.key.lower(), str(s.value), _line_of(s) - bases[chunk])
            strings[chunk].append(definition)
            macros.define("", *definition)
    last_key: str | None = None
    for block in library.blocks:
        chunk = max(bisect.bisect_right(bases, block.start_line or 0) - 1, 0)
        base = bases[chunk]
        if isinstance(block, bm.DuplicateFieldKeyBlock | bm.DuplicateBlockKeyBlock):
            # Load these as ordinary entries: duplicate fields are reported per entry,
            # duplicate keys by the merge step, within and across files alike.
            inner = block.ignore_error_block
            if isinstance(inner, bm.Entry):
                entries[chunk].append(_parse_entry(inner, base, macros))
                last_key = inner.key
        elif isinstance(block, bm.ParsingFailedBlock):
            issues[chunk].append(_failed_block_issue(block, base))
        elif isinstance(block, bm.Entry):
            entries[chunk].append(_parse_entry(block, base, macros))
            last_key = block.key
        elif isinstance(block, bm.ImplicitComment) and last_key is not None:
            # An extra '}' ends an entry early; bibtexparser then reads the rest of the
            # entry as a comment and the fields after it silently vanish.
            stray = _STRAY_FIELD.search(block.comment)
            mine = entries[chunk]
            if stray and mine and mine[-1].key == last_key:
                # Its later fields are lost: report the cause, not each missing field.
                mine[-1] = mine[-1]._replace(truncated=True)
            if stray:
                line = _line_of(block) - base + block.comment.count("\n", 0, stray.start(1))
                issues[chunk].append(
                    (
                        line,
                        f"field '{stray.group(1)}' is outside any entry and was ignored: an "
                        f"extra '}}' probably ended entry '{last_key}' early; remove it",
                        "bib_syntax",
                    )
                )
    return [
        ParsedFile(tuple(e), tuple(i), tuple(s))
        for e, i, s in zip(entries, issues, strings, strict=True)
    ]
