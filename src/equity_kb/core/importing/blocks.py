"""Every block of an export, as bibtexparser (the loader's parser) cuts the text: entries,
``@string``, ``@preamble`` and ``@comment`` blocks, and blocks it cannot read. Each has
its line and its place in the text, so that keys can be rewritten where they stand."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

import bibtexparser
from bibtexparser import model as bm

from ..bibtex.parse import quiet_bibtexparser

Kind = Literal["entry", "string", "preamble", "comment", "unreadable"]

_HEAD = re.compile(r"@\s*([^\s{(]+)\s*[{(]\s*")
_NOT_KEY = re.compile(r"[,\s}]")
# A crossref or xdata field in braces or quotes; the keys never nest braces.
_LINK = re.compile(r"(?<![\w:.-])(crossref|xdata)\s*=\s*(?:\{([^{}]*)\}|\"([^\"]*)\")", re.I)
LINK_FIELDS = ("crossref", "xdata")


@dataclass(frozen=True)
class Link:
    """A ``crossref`` or ``xdata`` field: the keys it names and where its value is."""

    name: str
    keys: tuple[str, ...]
    start: int  # offset of the value (inside its braces or quotes) in the text
    end: int


@dataclass(frozen=True)
class Block:
    kind: Kind
    line: int  # 1-based, of its '@'
    bibtype: str  # lower-case: "article", "string", ...; empty where the parser found none
    key: str  # an entry's key, a @string's name, as written; else empty
    key_at: int  # offset of the key in the text (-1: none)
    links: tuple[Link, ...] = ()
    who: str = ""  # an entry's author (else editor) and year (else date), as written:
    when: str = ""  # what a key is made from when the export gives none

    @property
    def what(self) -> str:
        """The block as a reader names it: "@article okafor2022"."""
        return f"@{self.bibtype or '?'} {self.key}".rstrip()


def read_blocks(text: str) -> list[Block]:
    """The blocks of ``text`` in order (text between blocks, a comment, is no block)."""
    with quiet_bibtexparser():
        library = bibtexparser.parse_string(text, parse_stack=[])
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    blocks: list[Block] = []
    at = 0
    for block in library.blocks:
        if isinstance(block, bm.ImplicitComment):
            continue
        raw = block.raw or ""
        # Found by its text, not by bibtexparser's start_line, which drifts after a
        # value holding a backslash at the end of a line.
        found = text.find(raw, at) if raw else -1
        start = found if found >= 0 else at
        at = start + len(raw)
        line = bisect.bisect_left(newlines, start) + 1
        blocks.append(_block(block, raw, start, line))
    return blocks


def _block(block: bm.Block, raw: str, start: int, line: int) -> Block:
    head = _HEAD.match(raw)
    key_at = start + head.end() if head else -1
    if isinstance(block, bm.DuplicateBlockKeyBlock | bm.DuplicateFieldKeyBlock):
        inner = block.ignore_error_block  # set aside only for what it repeats
        if isinstance(inner, bm.Entry | bm.String):
            block = inner
    if isinstance(block, bm.Entry):
        values = {f.key.strip().lower(): str(f.value) for f in block.fields}
        return Block(
            "entry",
            line,
            block.entry_type.strip().lower(),
            block.key.strip(),
            key_at,
            _links(block, raw, start),
            values.get("author") or values.get("editor", ""),
            values.get("year") or values.get("date", ""),
        )
    if isinstance(block, bm.String):
        return Block("string", line, "string", block.key.strip(), key_at)
    if isinstance(block, bm.Preamble):
        return Block("preamble", line, "preamble", "", -1)
    if isinstance(block, bm.ExplicitComment):
        return Block("comment", line, "comment", "", -1)
    # Unreadable: named from its head, as far as it goes.
    bibtype = head.group(1).lower() if head else ""
    key = _NOT_KEY.split(raw[head.end() :], 1)[0] if head else ""
    return Block("unreadable", line, bibtype, key, -1)


def _links(entry: bm.Entry, raw: str, start: int) -> tuple[Link, ...]:
    wanted = {f.key.strip().lower() for f in entry.fields} & set(LINK_FIELDS)
    links = []
    for match in _LINK.finditer(raw):
        name = match.group(1).lower()
        if name not in wanted:
            continue
        wanted.discard(name)  # the first of each: the loader uses the first too
        group = 2 if match.group(2) is not None else 3
        value = match.group(group)
        keys = tuple(k.strip() for k in value.split(",") if k.strip())
        links.append(Link(name, keys, start + match.start(group), start + match.end(group)))
    return tuple(links)
