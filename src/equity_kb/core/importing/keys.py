"""A key for every entry of an export, unique in the export and the bibliography (keys
ignore case, as in BibTeX), made as Better BibTeX makes them: the first entry keeps its
key, later ones get ``key`` + a, b, ... z, aa, ab, ...; ``crossref`` and ``xdata`` follow
the entry they name; and the export's text with those keys, for the loader to read."""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field

from equity_kb.core.bibtex import decode_latex

from .blocks import Block

_KEY_TOKEN = re.compile(r"[^,\s]+")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_FAMILY = re.compile(r"family=\s*([^,]+)")  # BibLaTeX's extended name format
_YEAR = re.compile(r"\d{4}")


def suffixes() -> Iterator[str]:
    """a, b, ... z, aa, ab, ... az, ba, ...: Better BibTeX's default postfix, ``%(a)s``."""
    for width in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=width):
            yield "".join(letters)


def fresh_key(key: str, taken: Callable[[str], bool]) -> str:
    """``key`` with the first suffix that makes a key not ``taken``."""
    return next(key + s for s in suffixes() if not taken(key + s))


@dataclass(frozen=True)
class Parent:
    """Which block a ``crossref`` or ``xdata`` key of a child names, when the export has
    more than one entry with that key."""

    link: str  # crossref or xdata
    key: str  # as the child writes it
    block: int  # the block chosen: the nearest before the child, else the first after
    among: tuple[int, ...]  # every block with that key


@dataclass
class ExportKeys:
    """Each entry block's key in the bibliography, by block index, and why it changed."""

    keys: dict[int, str] = field(default_factory=dict)
    # A renamed block: the index of the earlier export block that kept the key, or the
    # key of the bibliography's entry that has it.
    clashes: dict[int, int | str] = field(default_factory=dict)
    # Entries the export gives no key (Mendeley writes some): a key made for them.
    made: set[int] = field(default_factory=set)
    # A child's links that had to choose between entries of one key, by child index.
    ambiguous: dict[int, list[Parent]] = field(default_factory=dict)
    # For each child: its link keys (lower-case) to the block each names.
    parents: dict[int, dict[str, int]] = field(default_factory=dict)


def assign_keys(blocks: Sequence[Block], existing: Collection[str]) -> ExportKeys:
    """Keys for the entry blocks of an export, given the bibliography's keys.

    A key is taken when the bibliography has it, an earlier block kept it, or any block
    of the export is written with it (so ``smith2020a`` written in the export stays its
    own entry's); the comparison ignores case."""
    out = ExportKeys()
    bibliography = {k.lower(): k for k in existing}
    written = {b.key.lower() for b in blocks if b.kind == "entry"}
    kept: dict[str, int] = {}  # lower-case key -> the block that has it

    def taken(key: str) -> bool:
        key = key.lower()
        return key in bibliography or key in kept or key in written

    for i, block in enumerate(blocks):
        if block.kind != "entry" or (not block.key and block.key_at < 0):
            continue
        if block.key:
            lower = block.key.lower()
            holder = kept.get(lower, bibliography.get(lower))
            key = block.key if holder is None else fresh_key(block.key, taken)
            if holder is not None:
                out.clashes[i] = holder
        else:
            made = made_key(block)
            key = fresh_key(made, taken) if taken(made) else made
            out.made.add(i)
        kept[key.lower()] = i
        out.keys[i] = key
    _choose_parents(blocks, out)
    return out


def made_key(block: Block) -> str:
    """A key for an entry the export gives none: its first author's (or editor's) family
    name and its year, as plain lower-case letters (Better BibTeX's ``auth.lower + year``):
    okafor2022; "anon" without a name."""
    first = _AND.split(decode_latex(block.who.strip().strip('{}"')), 1)[0]
    family = _FAMILY.search(first)
    if family:
        name = family.group(1)
    else:
        name = first.split(",")[0] if "," in first else (first.split() or [""])[-1]
    letters = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in letters.lower() if c.isascii() and c.isalnum())
    year = _YEAR.search(block.when)
    return (plain or "anon") + (year.group() if year else "")


def _taken(key: str, *holders: Collection[str]) -> bool:
    return any(key in holder for holder in holders)


def _choose_parents(blocks: Sequence[Block], out: ExportKeys) -> None:
    """Which block each crossref or xdata key names. With one entry of that key, that
    one; with several (a hand-kept file that reuses a key), the nearest before the child
    (parents are usually written first), else the first after it (BibTeX's own order)."""
    by_key: dict[str, list[int]] = {}
    for i, block in enumerate(blocks):
        if block.kind == "entry" and block.key:
            by_key.setdefault(block.key.lower(), []).append(i)
    for i, block in enumerate(blocks):
        for link in block.links:
            for key in link.keys:
                others = [j for j in by_key.get(key.lower(), []) if j != i]
                if not others:
                    continue  # a parent in the bibliography, or none: the loader says which
                before = [j for j in others if j < i]
                chosen = before[-1] if before else others[0]
                out.parents.setdefault(i, {})[key.lower()] = chosen
                if len(others) > 1:
                    out.ambiguous.setdefault(i, []).append(
                        Parent(link.name, key, chosen, tuple(others))
                    )


def rewrite(text: str, blocks: Sequence[Block], keys: ExportKeys) -> str:
    """``text`` with every entry's key, and every crossref and xdata key, as assigned.
    Only keys change and no line breaks do, so every line keeps its number."""
    edits: list[tuple[int, int, str]] = []
    for i, block in enumerate(blocks):
        new = keys.keys.get(i)
        if new is not None and new != block.key and text.startswith(block.key, block.key_at):
            edits.append((block.key_at, block.key_at + len(block.key), new))
        renames = {k: keys.keys[j] for k, j in keys.parents.get(i, {}).items() if j in keys.keys}
        for link in block.links:
            value = text[link.start : link.end]
            renamed = _rename(value, renames)
            if renamed != value:
                edits.append((link.start, link.end, renamed))
    pieces: list[str] = []
    at = 0
    for start, end, new in sorted(edits):
        pieces += [text[at:start], new]
        at = end
    return "".join(pieces) + text[at:]


def _rename(value: str, renames: dict[str, str]) -> str:
    """The keys in a crossref or xdata value renamed; the commas and spaces kept."""
    return _KEY_TOKEN.sub(lambda m: renames.get(m.group().lower(), m.group()), value)
