"""The annotated bibliography: ``bib/*.bib`` files to :class:`~equity_kb.core.model.Reference`.

Two stages, so that an unchanged file costs (almost) nothing on a rebuild:

1. *Parsing* (bibtexparser, LaTeX decoding, name splitting) depends only on the
   bytes of a file. Its result is cached by a hash of those bytes, in memory and,
   when ``cache_dir`` is given, as a pickle on disk.
2. *Validation* (required fields, vocabulary, years, DOIs) depends on the parsed
   file, its path (for messages) and the vocabulary. It is cheap and memoised too.

Every problem names the file and the 1-based line of the entry, or of the field at
fault, and says what to do. One bad entry never hides the others: an entry with bad
fields still becomes a Reference with what is valid; only an entry bibtexparser
cannot read at all is dropped (and reported).
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import functools
import hashlib
import logging
import os
import pickle
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, NamedTuple

import bibtexparser
from bibtexparser import model as bm
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)

from equity_kb.core import background
from equity_kb.core.gcpause import gc_paused
from equity_kb.core.model import Problem, Reference
from equity_kb.core.vocabulary import FACETS, KIND_NAMES, Vocabulary

# Bump when the cached parse format or the parsing rules change.
CACHE_VERSION = f"2-bibtexparser{getattr(bibtexparser, '__version__', '?')}"

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
_EDITED = frozenset(t for t, rules in CORE_FIELDS.items() if ("author", "editor") in rules)
PLACEHOLDERS = frozenset({"todo", "tbd", "fixme", "xxx", "..."})

_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^(\d{4})(?:-\d{2}(?:-\d{2})?)?$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_WS = re.compile(r"[ \t\r\n]+")  # not \s: a LaTeX ~ decodes to a no-break space we keep
_PARAGRAPH = re.compile(r"\n[ \t\r]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
_HEAD = re.compile(r"@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)")
_STRAY_FIELD = re.compile(r"(?m)^[\s,]*([A-Za-z][\w:.-]*)\s*=\s*[{\"\d]")


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


@dataclasses.dataclass(frozen=True)
class BibResult:
    """What ``load_bibliography`` found: references by key in file order, and problems."""

    references: dict[str, Reference]
    problems: list[Problem]


# ---------------------------------------------------------------- stage 1: parse


# Parse results are named tuples: they are pickled to the disk cache and back from
# worker processes, and as plain tuples that is ten times faster than as dataclasses.
class _Field(NamedTuple):
    name: str  # lower-case
    raw: str  # as written, without the enclosing braces or quotes
    text: str  # LaTeX decoded, whitespace normalised
    line: int  # 1-based
    bare: bool  # written without braces or quotes: a number, a month or an unknown @string


class _Parsed(NamedTuple):
    key: str
    bibtype: str
    line: int
    fields: tuple[_Field, ...]
    persons: tuple[tuple[str, str], ...]
    editors: tuple[tuple[str, str], ...]
    issues: tuple[tuple[int, str, str], ...]  # (line, message, code) found while parsing
    truncated: bool = False  # an extra '}' ended it early; its later fields were lost


class _ParsedFile(NamedTuple):
    entries: tuple[_Parsed, ...]
    issues: tuple[tuple[int, str, str], ...]


def _to_plain(chunk: _ParsedFile) -> tuple[Any, ...]:
    """``chunk`` as nested plain tuples, which pickle fast; ``_from_plain`` reverses it."""
    entries = tuple((*e[:3], tuple(map(tuple, e.fields)), *e[4:]) for e in chunk.entries)
    return (entries, chunk.issues)


def _from_plain(plain: tuple[Any, ...]) -> _ParsedFile:
    entries, issues = plain
    # tuple.__new__ straight away: NamedTuple's own constructors are Python functions.
    new = tuple.__new__
    field = functools.partial(new, _Field)
    return _ParsedFile(
        tuple(new(_Parsed, (*e[:3], tuple(map(field, e[3])), *e[4:])) for e in entries),
        issues,
    )


def _squash(text: str) -> str:
    """Collapse runs of whitespace (as BibTeX does) but keep blank-line paragraph breaks."""
    if "\n" not in text and "  " not in text and "\t" not in text and "\r" not in text:
        return text.strip()  # the common case, without two regular expressions
    paragraphs = _PARAGRAPH.split(text.strip())
    return "\n\n".join(_WS.sub(" ", p).strip() for p in paragraphs)


@functools.cache
def _latex_converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    # verbatim math: a stray '$5' should stay as written, not vanish into math mode
    return LatexNodes2Text(math_mode="verbatim")


_LATEX_HINT = re.compile(r"[\\{}~]|--|``|''|[!?]`")
_NEEDS_FULL_DECODER = re.compile(r"[\\$]|[!?]`")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
# pylatexenc's text ligatures, longest first; applied before braces go, as it does.
_LIGATURES = (
    ("---", "\u2014"),
    ("--", "\u2013"),
    ("``", "\u201c"),
    ("''", "\u201d"),
    ("~", "\xa0"),
)


def _pylatexenc(value: str) -> str:
    # BibTeX does not treat % as a comment inside a value; LaTeX would drop the rest.
    return _squash(_latex_converter().latex_to_text(_BARE_PERCENT.sub(r"\\%", value)))


@functools.lru_cache(maxsize=65536)
def decode_latex(value: str) -> str:
    """Plain Unicode text of a BibTeX value, decoding LaTeX only where there is some.

    pylatexenc costs ~0.5 ms a call; applied to every field it made parsing about 40
    times slower (DESIGN.md). So a value without LaTeX is only whitespace-normalised,
    and one whose only markup is braces and typographic ligatures (``{PRE}``,
    ``10--20``, ````quoted''``) gets exactly what pylatexenc would return for it
    (a test compares the two); anything with a macro goes through pylatexenc.
    """
    if not _LATEX_HINT.search(value):
        return _squash(value)
    if _NEEDS_FULL_DECODER.search(value):
        return _pylatexenc(value)
    for ligature, char in _LIGATURES:
        value = value.replace(ligature, char)
    return _squash(value.replace("{", "").replace("}", ""))


@functools.lru_cache(maxsize=65536)
def _person(name: str) -> tuple[str, str, bool]:
    """``(family, given, well_formed)`` of one BibTeX name, decoded.

    The von part stays with the family name ("van der Berg"); a Jr part is not kept
    (the model has no slot for it). An organisation in braces is one family name.
    """
    try:
        parts = parse_single_name_into_parts(name, strict=True)
        ok = True
    except InvalidNameError:
        parts = parse_single_name_into_parts(name, strict=False)
        ok = False
    family = decode_latex(" ".join([*parts.von, *parts.last]))
    given = decode_latex(" ".join(parts.first))
    return (family or given, given if family else "", ok)


def _split_persons(raw: str) -> tuple[tuple[tuple[str, str], ...], list[str], str]:
    """People in a BibTeX name list, the malformed names, and the list as decoded text.

    Splitting works on the raw value, so ``{Organisation and Partner}`` stays one name;
    each name is decoded on its own (names recur, whole lists rarely do).
    """
    people: list[tuple[str, str]] = []
    bad: list[str] = []
    names = split_multiple_persons_names(raw)
    for name in names:
        if name.strip().lower() == "others":  # BibTeX's "and others": a shortened list
            continue
        family, given, ok = _person(name)
        if not ok:
            bad.append(name)
        if family:
            people.append((family, given))
    return tuple(people), bad, " and ".join(decode_latex(n) for n in names)


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
    line = first_line
    last_field: int | None = None
    escaped = False
    for ch in raw:
        if ch == "\n":
            line += 1
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "=" and depth == 1:
            last_field = line
    return last_field if depth > 1 else None


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
            f"{what} (line {_line_ref(line)}) is not valid BibTeX and was skipped: the field "
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
# line there; ``_absolute`` rewrites it once the chunk's place in the file is known.
_LINE_REF = re.compile("\x00L(\\d+)\x00")


def _line_ref(line: int) -> str:
    return f"\x00L{line}\x00"


def _absolute(message: str, first: int) -> str:
    if "\x00" not in message:
        return message
    return _LINE_REF.sub(lambda m: str(int(m.group(1)) + first), message)


def _parse_entry(entry: bm.Entry, base: int = 0) -> _Parsed:
    """The entry, with lines counted from ``base`` (the 0-based line its chunk starts on)."""
    issues: list[tuple[int, str, str]] = []
    fields: dict[str, _Field] = {}
    roles: dict[str, tuple[tuple[str, str], ...]] = {}
    entry_line = _line_of(entry) - base
    for f in entry.fields:
        name = f.key.strip().lower()
        line = (f.start_line + 1 - base) if f.start_line is not None else entry_line
        if name in fields:
            issues.append(
                (
                    line,
                    f"field '{name}' is given twice in entry '{entry.key}' (first on line "
                    f"{_line_ref(fields[name].line)}); the first is used: delete one of them",
                    "duplicate_field",
                )
            )
            continue
        raw = f.value if isinstance(f.value, str) else str(f.value)
        if name in ("author", "editor"):
            people, bad, text = _split_persons(raw)
            roles[name] = people
            for person in bad:
                issues.append(
                    (
                        line,
                        f"the {name} name {person.strip()!r} is not a valid BibTeX name: "
                        "write 'Family, Given' or 'Given Family', separate people with "
                        "' and ', and put an organisation in double braces, like "
                        f"{name} = {{{{Puget Sound ESD}}}}",
                        "bad_name",
                    )
                )
        elif name in VERBATIM_FIELDS:
            text = _squash(raw)
        else:
            text = decode_latex(raw)
        fields[name] = _Field(name, raw, text, line, f.enclosing == "no-enclosing")
    return _Parsed(
        key=entry.key.strip(),
        bibtype=entry.entry_type.strip().lower(),
        line=entry_line,
        fields=tuple(fields.values()),
        persons=roles.get("author", ()),
        editors=roles.get("editor", ()),
        issues=tuple(issues),
    )


def _enclosed_in_braces(value: str) -> bool:
    """Whether the '{' opening ``value`` is the one its last '}' closes."""
    if not (value.startswith("{") and value.endswith("}")):
        return False
    depth = 0
    escaped = False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and i < len(value) - 1:
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


def _parse_text(text: str, bases: Sequence[int] = (0,)) -> list[_ParsedFile]:
    """Parse ``text`` (no validation): one result per chunk of it, chunk ``i`` starting
    on 0-based line ``bases[i]``, its lines counted from there. Depends on the text only.
    """
    with _quiet_bibtexparser():
        library = bibtexparser.parse_string(text)
    strings = {k.lower(): str(s.value) for k, s in library.strings_dict.items()}
    entries: list[list[_Parsed]] = [[] for _ in bases]
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
    return [_ParsedFile(tuple(e), tuple(i)) for e, i in zip(entries, issues, strict=True)]


# A chunk is the text from one '@' at the start of a line to the next: an entry (with
# any comment after it). Parsed chunks are cached by their text, so editing one entry
# of a 10,000-entry file re-parses that entry only.
_CHUNK_START = re.compile(r"\n[ \t]*@")  # (searching for "\n" first is fast)
_STRING_BLOCK = re.compile(r"^[ \t]*@\s*string\b", re.MULTILINE | re.IGNORECASE)


def _chunks(text: str) -> list[tuple[int, str]]:
    """``text`` cut into chunks, each with the 0-based line it starts on.

    A cut is made only where the braces before it balance, so an '@' at the start of a
    line inside a value, or an entry whose braces never close, keeps its text with what
    follows, as one parse of the whole file would. A file with ``@string`` macros is
    one chunk: its entries' values depend on them.
    """
    if _STRING_BLOCK.search(text):
        return [(0, text)]
    cuts = [m.start() + 1 for m in _CHUNK_START.finditer(text)]
    out: list[tuple[int, str]] = []
    start = 0
    line = 0
    for cut in [*cuts, len(text)]:
        piece = text[start:cut]
        if cut < len(text) and not _balanced(piece):
            continue
        out.append((line, piece))
        line += piece.count("\n")
        start = cut
    return out


def _balanced(piece: str) -> bool:
    escaped = piece.count("\\{") - piece.count("\\}")
    return piece.count("{") - piece.count("}") == escaped


def _chunk_key(piece: str) -> bytes:
    return hashlib.blake2b(piece.encode("utf-8", "surrogatepass"), digest_size=16).digest()


# ---------------------------------------------------------------- caching

# Bounded, process-wide caches of pure functions' results (keyed by content hash):
# they hold immutable values, so sharing them between callers is safe.
_Chunks = tuple[tuple[int, _ParsedFile], ...]  # (0-based first line, parsed chunk)
_PARSED: dict[str, _Chunks] = {}  # by the digest of a whole file's bytes
_CHUNK_CACHE: dict[bytes, _ParsedFile] = {}  # by _chunk_key
_VALIDATED: dict[tuple[str, str, str], tuple[tuple[Reference, ...], tuple[Problem, ...]]] = {}
_MAX_CACHED = 64
_MAX_CHUNKS = 200_000


def _remember(cache: dict[Any, Any], key: object, value: object) -> None:
    if len(cache) >= _MAX_CACHED:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _parsed(path: str, data: bytes, text: str, cache_dir: Path | None) -> tuple[str, _Chunks]:
    """The parsed chunks of a file. Only chunks whose text was not parsed before (in
    this process, or by an earlier build of this file, kept in ``cache_dir``) are
    parsed, together in one call."""
    digest = hashlib.sha256(data).hexdigest()
    hit = _PARSED.get(digest)
    if hit is not None:
        return digest, hit
    pieces = _chunks(text)
    keys = [_chunk_key(piece) for _, piece in pieces]
    known = _CHUNK_CACHE
    store = _store_path(cache_dir, path)
    stored: dict[bytes, _ParsedFile] = {}
    if store is not None and any(k not in known for k in keys):
        stored = _load_store(store)
    found = {k: known.get(k) or stored.get(k) for k in keys}
    missing = [i for i, k in enumerate(keys) if found[k] is None]
    if missing:
        batch: list[str] = []
        bases: list[int] = []
        line = 0
        for i in missing:
            piece = pieces[i][1]
            piece = piece if piece.endswith("\n") else piece + "\n"
            bases.append(line)
            batch.append(piece)
            line += piece.count("\n")
        for i, result in zip(missing, _parse_batches(batch, bases), strict=True):
            found[keys[i]] = result
    if len(known) + len(keys) > _MAX_CHUNKS:
        known.clear()
    current = {k: v for k, v in found.items() if v is not None}
    known.update(current)
    if store is not None and (missing or set(current) - set(stored)):
        # The store holds this file's chunks only: what an edit removed goes with it.
        plain = {k: _to_plain(v) for k, v in current.items()}
        _write_atomically(store, pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(store.parent)
    chunks = tuple((first, current[k]) for (first, _), k in zip(pieces, keys, strict=True))
    _remember(_PARSED, digest, chunks)
    return digest, chunks


# With this many chunks to parse, two or more processes parse them faster than one
# (a clean build's parse is when the build has nothing else to give the other cores).
PARALLEL_MIN_CHUNKS = 2000


def _parse_batches(pieces: list[str], bases: list[int]) -> list[_ParsedFile]:
    """``_parse_text`` of the pieces joined, shared out between forked processes when
    there are many; the same results either way."""
    workers = background.worker_count()
    if len(pieces) >= PARALLEL_MIN_CHUNKS and workers > 1:
        size = -(-len(pieces) // workers)
        jobs = [
            ("".join(pieces[i : i + size]), [b - bases[i] for b in bases[i : i + size]])
            for i in range(0, len(pieces), size)
        ]
        parts = background.fork_map(_parse_job, jobs, len(jobs))
        if parts is not None:
            return [_from_plain(r) for part in parts for r in part]
    return _parse_text("".join(pieces), bases)


def _parse_job(job: tuple[str, list[int]]) -> list[tuple[Any, ...]]:
    return [_to_plain(chunk) for chunk in _parse_text(*job)]


def _store_path(cache_dir: Path | None, path: str) -> Path | None:
    if cache_dir is None:
        return None
    name = hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()
    return cache_dir / f"bib-{CACHE_VERSION}-{name[:32]}.pickle"


def _load_store(store: Path) -> dict[bytes, _ParsedFile]:
    try:
        with store.open("rb") as fh:
            loaded = pickle.load(fh)
        os.utime(store)  # recently used: kept when the folder is pruned
        return {k: _from_plain(v) for k, v in loaded.items()}
    except Exception:  # missing, damaged or foreign: parse again
        return {}


def _prune(cache_dir: Path) -> None:
    """Keep the most recently used parsed files; every edit of a .bib adds one."""
    try:
        files = sorted(cache_dir.glob("bib-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in files[:-_MAX_CACHED]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file and rename, so parallel builds never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
    except OSError:
        return  # the cache is an optimisation; a read-only cache dir must not fail a build
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def clear_cache() -> None:
    """Forget everything parsed, decoded and validated in memory (the disk cache stays)."""
    _PARSED.clear()
    _CHUNK_CACHE.clear()
    _VALIDATED.clear()
    decode_latex.cache_clear()
    _person.cache_clear()


def _vocabulary_fingerprint(vocabulary: Vocabulary) -> str:
    return hashlib.sha256(repr(sorted(vocabulary.terms.items())).encode()).hexdigest()


# ---------------------------------------------------------------- stage 2: validate


def _split_tags(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _first_sentence(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    return _SENTENCE_END.split(first, 1)[0].strip()


def _closest(value: str, options: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return match[0] if match else None


def _tag_code(kind: str) -> str:
    return {"tenets": "unknown_tenet", "focus": "unknown_focus", "levels": "unknown_level"}[kind]


def _validate(
    parsed: _Chunks, path: str, vocabulary: Vocabulary
) -> tuple[tuple[Reference, ...], tuple[Problem, ...]]:
    problems: list[Problem] = []
    refs: list[Reference] = []
    for first, chunk in parsed:
        problems.extend(
            Problem(path, line + first, _absolute(msg, first), code)
            for line, msg, code in chunk.issues
        )
        for entry in chunk.entries:
            ref, entry_problems = _reference(entry, path, vocabulary, first)
            problems.extend(entry_problems)
            if ref is not None:
                refs.append(ref)
    problems.sort(key=lambda p: p.line)
    return tuple(refs), tuple(problems)


def _reference(
    entry: _Parsed, path: str, vocabulary: Vocabulary, first: int = 0
) -> tuple[Reference | None, list[Problem]]:
    """The Reference for a parsed entry whose lines count from line ``first`` + 1."""
    problems: list[Problem] = []

    def report(
        line: int, message: str, code: str, severity: Literal["error", "note"] = "error"
    ) -> None:
        problems.append(Problem(path, line + first, message, code, severity))

    for line, message, code in entry.issues:
        report(line, _absolute(message, first), code)
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

    def present(name: str) -> bool:
        f = fields.get(name)
        return f is not None and bool(f.text.strip())

    bibtype = entry.bibtype
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

    for f in entry.fields:
        if (
            f.bare
            and not f.raw.isdigit()
            and not (f.name == "month" and f.raw.strip().lower() in MONTH_MACROS)
        ):
            report(
                f.line,
                f"field '{f.name}' = {f.raw} is not in braces and no @string defines it: "
                f"write {f.name} = {{{f.raw}}}",
                "bib_syntax",
            )

    # Year: four digits (biblatex 'date' as YYYY, YYYY-MM or YYYY-MM-DD is accepted too).
    issued: int | None = None
    bad_year = False
    for name, pattern in (("year", _YEAR), ("date", _DATE)):
        year_field = fields.get(name)
        if year_field is None or issued is not None:
            continue
        m = pattern.match(year_field.text.strip())
        if m:
            issued = int(m.group(1) if m.groups() else m.group(0))
        else:
            bad_year = True
            report(
                year_field.line,
                f"{name} {year_field.text!r} in '{key}' is not a year: write four digits, like "
                f"{name} = {{2021}}; if the year is not known, leave the field out "
                "(the entry shows as n.d.)",
                "bad_year",
            )

    missing: list[str] = []
    for alternatives in rules:
        if any(present(a) for a in alternatives):
            continue
        if bad_year and set(alternatives) & {"year", "date"}:
            continue  # already reported as a bad year
        missing.append(alternatives[0])
    provenance = fields["provenance"].text if present("provenance") else None
    if missing and entry.truncated:
        missing = []  # reported once, as the stray '}' that cut the entry short
    if missing:
        listed = ", ".join(
            "'author' or 'editor'" if m == "author" and bibtype in _EDITED else f"'{m}'"
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

    annotation = fields["annotation"].text if present("annotation") else ""
    if not annotation and not entry.truncated:
        report(
            entry.line,
            f"'{key}' has no annotation: add annotation = {{...}}, a few sentences in your "
            "own words on what this work contributes to the knowledge base",
            "missing_annotation",
        )
    elif annotation.strip().strip(".!").lower() in PLACEHOLDERS:
        report(
            fields["annotation"].line,
            f"the annotation of '{key}' is still the placeholder {annotation!r}: replace it "
            "with a few sentences in your own words on what this work contributes",
            "missing_annotation",
        )
        annotation = ""

    tags: dict[str, tuple[str, ...]] = {}
    for kind in TAG_FIELDS:
        tag_field = fields.get(kind)
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
    if not present("tenets") and not entry.truncated:
        report(
            entry.line,
            f"'{key}' has no tenets: add tenets = {{...}} with one or more of "
            f"{', '.join(vocabulary.ids('tenets'))}, separated by commas",
            "missing_tenets",
        )

    evidence_kind: str | None = None
    if present("evidence"):
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

    decoded = {f.name: f.text for f in entry.fields}
    if "doi" in fields:
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
        raw_fields={f.name: f.raw for f in entry.fields},
        persons=entry.persons,
        editors=entry.editors,
        issued=issued,
        annotation=annotation,
        evidence_kind=evidence_kind,
        provenance=provenance,
        missing=tuple(missing),
    )
    return ref, problems


# ---------------------------------------------------------------- public entry point


def load_bibliography(
    paths: Iterable[str | os.PathLike[str]],
    vocabulary: Vocabulary,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> BibResult:
    """Load ``.bib`` files into References, in file order, with every problem found.

    A key used twice (in one file or across files) keeps its first entry; the second
    is reported, naming where the first is. A file whose bytes were parsed before
    (in this process, or in ``cache_dir`` when given) is not parsed again.
    ``cache_dir`` holds pickles: use a folder only the build writes to (for example
    under Sphinx's doctree directory).
    """
    with gc_paused():
        return _load(paths, vocabulary, None if cache_dir is None else Path(cache_dir))


def _load(
    paths: Iterable[str | os.PathLike[str]], vocabulary: Vocabulary, cache: Path | None
) -> BibResult:
    vocab_fp = _vocabulary_fingerprint(vocabulary)
    references: dict[str, Reference] = {}
    seen: dict[str, Reference] = {}  # by lower-case key: BibTeX keys are case-insensitive
    problems: list[Problem] = []
    for p in paths:
        path = os.fspath(p)
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            problems.append(
                Problem(path, 0, f"cannot read the bibliography file: {err.strerror}", "unreadable")
            )
            continue
        found: list[Problem] = []
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            found.append(
                Problem(
                    path,
                    line,
                    "this line is not valid UTF-8: save the file as UTF-8 (the character was "
                    "replaced by '\ufffd')",
                    "bad_encoding",
                )
            )
            text = data.decode("utf-8", errors="replace")
        digest, parsed = _parsed(path, data, text, cache)
        memo_key = (digest, path, vocab_fp)
        validated = _VALIDATED.get(memo_key)
        if validated is None:
            validated = _validate(parsed, path, vocabulary)
            _remember(_VALIDATED, memo_key, validated)
        refs, file_problems = validated
        found.extend(file_problems)
        for ref in refs:
            first = seen.setdefault(ref.key.lower(), ref)
            if first is ref:
                references[ref.key] = ref
                continue
            same = "the same key" if first.key == ref.key else f"the key {first.key!r}"
            found.append(
                Problem(
                    path,
                    ref.line,
                    f"duplicate citation key {ref.key!r}: {same} is already used at "
                    f"{first.source}:{first.line}, which is kept; give this entry another key "
                    "(add a, b on a clash, like bowman2021a) or delete it",
                    "duplicate_key",
                )
            )
        problems.extend(sorted(found, key=lambda problem: problem.line))
    return BibResult(references=references, problems=problems)


__all__ = [
    "BibResult",
    "CORE_FIELDS",
    "PROBLEM_CODES",
    "clear_cache",
    "decode_latex",
    "load_bibliography",
]
