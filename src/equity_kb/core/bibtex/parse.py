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

from .names import MAX_NESTING, decode_latex, nesting, split_persons, squash
from .rules import JOINED_FIELDS, NAME_FIELDS, VERBATIM_FIELDS

_HEAD = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)")
_STRAY_FIELD = re.compile(r"(?m)^[\s,]*([A-Za-z][\w:.-]*)\s*=\s*[{\"\d]")


# Parse results are named tuples: they are pickled to the disk cache and back from
# worker processes, and as plain tuples that is ten times faster than as dataclasses.
class Field(NamedTuple):
    name: str  # lower-case
    raw: str  # as written, without the enclosing braces or quotes
    text: str  # LaTeX decoded, whitespace normalised
    line: int  # 1-based
    bare: bool  # written without braces or quotes: a number, a month or an unknown @string


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
    return (entries, chunk.issues)


def from_plain(plain: tuple[Any, ...]) -> ParsedFile:
    entries, issues = plain
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
    )


@contextmanager
def _quiet_bibtexparser() -> Iterator[None]:
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


def _parse_entry(entry: bm.Entry, base: int = 0) -> ParsedEntry:
    """The entry, with lines counted from ``base`` (the 0-based line its chunk starts on)."""
    issues: list[tuple[int, str, str]] = []
    fields: dict[str, Field] = {}
    roles: dict[str, tuple[Person, ...]] = {}
    entry_line = _line_of(entry) - base
    for f in entry.fields:
        name = f.key.strip().lower()
        line = (f.start_line + 1 - base) if f.start_line is not None else entry_line
        raw = f.value if isinstance(f.value, str) else str(f.value)
        if name in fields and name in JOINED_FIELDS:
            # Zotero writes each note as its own annote field: keep them all, in order.
            first = fields[name]
            joined = f"{first.raw}\n\n{raw}"
            fields[name] = first._replace(raw=joined, text=decode_latex(joined))
            continue
        if name in fields:
            issues.append(
                (
                    line,
                    f"field '{name}' is given twice in entry '{entry.key}' (first on line "
                    f"{line_ref(fields[name].line)}); the first is used: delete one of them",
                    "duplicate_field",
                )
            )
            continue
        if nesting(raw) > MAX_NESTING:
            issues.append(
                (
                    line,
                    f"field '{name}' of '{entry.key}' nests braces or macros {nesting(raw)} "
                    f"deep (more than {MAX_NESTING}); its LaTeX is not decoded and it is "
                    "shown as written: simplify it",
                    "bib_syntax",
                )
            )
        if name in NAME_FIELDS:
            people, bad, text = split_persons(raw)
            roles[name] = people
            issues.extend((line, bad_name_message(name, person), "bad_name") for person in bad)
        elif name in VERBATIM_FIELDS:
            text = squash(raw)
        else:
            text = decode_latex(raw)
        fields[name] = Field(name, raw, text, line, f.enclosing == "no-enclosing")
    return ParsedEntry(
        key=entry.key.strip(),
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


def _enclosed_in_braces(value: str) -> bool:
    """Whether the '{' opening ``value`` is the one its last '}' closes."""
    if not (value.startswith("{") and value.endswith("}")):
        return False
    depth = 0
    for i, ch, depth in _depths(value):
        if ch == "}" and depth == 0 and i < len(value) - 1:
            return False
    return depth == 0


def _finish_unprocessed(entry: bm.Entry, strings: dict[str, str]) -> bm.Entry:
    """Strip enclosing braces and resolve @strings of an entry bibtexparser set aside.

    bibtexparser wraps an entry with a duplicate key or a duplicate field in a failed
    block before its parse stack runs, so its values still carry their braces.
    """
    for f in entry.fields:
        if not isinstance(f.value, str):
            continue
        value = f.value.strip()
        if _enclosed_in_braces(value) or (
            len(value) >= 2 and value.startswith('"') and value.endswith('"')
        ):
            f.value = value[1:-1]
        elif value.lower() in strings:
            f.value = strings[value.lower()]
        else:
            f.value = value
            f.enclosing = "no-enclosing"
    return entry


def parse_text(text: str, bases: Sequence[int] = (0,)) -> list[ParsedFile]:
    """Parse ``text`` (no validation): one result per chunk of it, chunk ``i`` starting
    on 0-based line ``bases[i]``, its lines counted from there. Depends on the text only.
    """
    with _quiet_bibtexparser():
        library = bibtexparser.parse_string(text)
    strings = {k.lower(): str(s.value) for k, s in library.strings_dict.items()}
    entries: list[list[ParsedEntry]] = [[] for _ in bases]
    issues: list[list[tuple[int, str, str]]] = [[] for _ in bases]
    last_key: str | None = None
    for block in library.blocks:
        chunk = max(bisect.bisect_right(bases, block.start_line or 0) - 1, 0)
        base = bases[chunk]
        if isinstance(block, bm.DuplicateFieldKeyBlock | bm.DuplicateBlockKeyBlock):
            # Load these as ordinary entries: duplicate fields are reported per entry,
            # duplicate keys by the merge step, within and across files alike.
            inner = block.ignore_error_block
            if isinstance(inner, bm.Entry):
                entries[chunk].append(_parse_entry(_finish_unprocessed(inner, strings), base))
                last_key = inner.key
        elif isinstance(block, bm.ParsingFailedBlock):
            issues[chunk].append(_failed_block_issue(block, base))
        elif isinstance(block, bm.Entry):
            entries[chunk].append(_parse_entry(block, base))
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
    return [ParsedFile(tuple(e), tuple(i)) for e, i in zip(entries, issues, strict=True)]
