"""BibLaTeX inheritance: ``crossref`` and ``xdata`` fields filled in from the entries they
name, across every ``.bib`` file, before validation.

A chapter with ``crossref = {book}`` takes the book's fields it does not give itself, the
book's title as its ``booktitle`` (biblatex manual, appendix B, for the type pairs below);
``xdata = {a, b}`` copies the fields of @xdata entries as they are. Our own fields
(annotation, tenets, ...) are never inherited: they describe one work. Inherited fields
are marked on the entry, so an export writes the child as it was written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from .names import split_persons
from .parse import Chunks, Field, ParsedEntry
from .rules import NAME_FIELDS, NOT_INHERITED

_BOOKS = ("inbook", "bookinbook", "suppbook")
_PARTS_OF_COLLECTIONS = ("incollection", "inreference", "suppcollection")
_TITLE_AS = {
    "booktitle": {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"},
    "maintitle": {"title": "maintitle", "subtitle": "mainsubtitle", "titleaddon": "maintitleaddon"},
    "journal": {"title": "journaltitle", "subtitle": "journalsubtitle"},
}
_NO_TITLE = {"shorttitle": None, "sorttitle": None, "indextitle": None, "indexsorttitle": None}
# (parent type, child type) -> how the parent's title fields are renamed for the child.
_PAIRS: dict[tuple[str, str], dict[str, str | None]] = {}
for _parents, _children, _as in (
    (("mvbook",), ("book", *_BOOKS), "maintitle"),
    (
        ("mvcollection", "mvreference"),
        ("collection", "reference", *_PARTS_OF_COLLECTIONS),
        "maintitle",
    ),
    (("mvproceedings",), ("proceedings", "inproceedings"), "maintitle"),
    (("book",), _BOOKS, "booktitle"),
    # BibTeX's own habit, a chapter of an edited @book, read as biblatex reads @collection.
    (("collection", "reference", "book"), _PARTS_OF_COLLECTIONS, "booktitle"),
    (("proceedings",), ("inproceedings", "conference"), "booktitle"),
    (("periodical",), ("article", "suppperiodical"), "journal"),
):
    for _p in _parents:
        for _c in _children:
            _PAIRS[_p, _c] = {**_TITLE_AS[_as], **_NO_TITLE}


def needs_inheritance(parsed: Iterable[Chunks]) -> bool:
    """Whether any entry names a crossref or xdata parent (most bibliographies: none)."""
    return any(
        f.name in ("crossref", "xdata")
        for chunks in parsed
        for _, chunk in chunks
        for entry in chunk.entries
        for f in entry.fields
    )


def index(parsed: Iterable[Chunks]) -> dict[str, ParsedEntry]:
    """Every entry by lower-case key (the first of a duplicated key, as the loader keeps)."""
    out: dict[str, ParsedEntry] = {}
    for chunks in parsed:
        for _, chunk in chunks:
            for entry in chunk.entries:
                if entry.key:
                    out.setdefault(entry.key.lower(), entry)
    return out


class Resolver:
    """Resolves entries against ``entries`` (from :func:`index`), each parent once."""

    def __init__(self, entries: Mapping[str, ParsedEntry]):
        self.entries = entries
        self.done: dict[str, ParsedEntry] = {}

    def chunks(self, parsed: Chunks) -> tuple[Chunks, list[tuple[int, str]], str]:
        """``parsed`` with inherited fields filled in, the problems (0-based chunk base
        applied: absolute lines, message) and a fingerprint of what was inherited."""
        problems: list[tuple[int, str]] = []
        digest = hashlib.sha256()
        out = []
        for first, chunk in parsed:
            entries = []
            for entry in chunk.entries:
                resolved = self.resolve(entry, problems, first, ())
                if resolved is not entry:
                    digest.update(repr(resolved).encode())
                entries.append(resolved)
            out.append((first, chunk._replace(entries=tuple(entries))))
        return tuple(out), problems, digest.hexdigest()

    def resolve(
        self,
        entry: ParsedEntry,
        problems: list[tuple[int, str]] | None,
        first: int,
        chain: tuple[str, ...],
    ) -> ParsedEntry:
        fields = {f.name: f for f in entry.fields}
        if "crossref" not in fields and "xdata" not in fields:
            return entry
        key = entry.key.lower()
        if key in self.done and problems is None:
            return self.done[key]

        def report(line: int, message: str) -> None:
            if problems is not None:
                problems.append((line + first, message))

        added: dict[str, Field] = {}
        from_xdata: set[str] = set()
        unresolved = False
        for name in ("xdata", "crossref"):  # biblatex: xdata first, then the crossref
            f = fields.get(name)
            if f is None:
                continue
            parents = (
                [k.strip() for k in f.text.split(",") if k.strip()]
                if name == "xdata"
                else [f.text.strip()]
            )
            for parent_key in parents:
                parent = self.entries.get(parent_key.lower())
                if parent is None:
                    unresolved = True
                    report(
                        f.line,
                        f"{name} {parent_key!r} of '{entry.key}' names no entry in the "
                        "bibliography: add that entry, or correct the key",
                    )
                    continue
                if parent.key.lower() in chain or self._reaches(parent, key):
                    unresolved = True
                    loop = " -> ".join([*chain, key, parent.key.lower()])
                    report(f.line, f"{name} of '{entry.key}' makes a loop ({loop}): break it")
                    continue
                if name == "xdata" and parent.bibtype != "xdata":
                    unresolved = True
                    report(
                        f.line,
                        f"xdata {parent_key!r} of '{entry.key}' is an @{parent.bibtype}, not an "
                        "@xdata entry: biblatex takes xdata fields only from @xdata entries",
                    )
                    continue
                parent = self.resolve(parent, None, 0, (*chain, key))
                renames = (
                    _PAIRS.get((parent.bibtype, entry.bibtype), {}) if name == "crossref" else {}
                )
                for pf in parent.fields:
                    if pf.name in NOT_INHERITED:
                        continue
                    targets = [renames[pf.name]] if pf.name in renames else [pf.name]
                    if name == "crossref" and pf.name == "author" and entry.bibtype in _BOOKS:
                        targets.append("bookauthor")
                    for target in targets:
                        if target and target not in fields and target not in added:
                            added[target] = pf._replace(name=target, line=f.line)
                            if name == "xdata":
                                from_xdata.add(target)
        if not added and ("xdata" not in fields or unresolved):
            return entry
        # A crossref parent is a work of its own, exported beside the child, so what came
        # from it is marked; xdata is data only, so its fields count as the entry's own
        # (and the xdata field itself is what an export leaves out).
        marked = tuple(n for n in added if n not in from_xdata)
        own = entry.fields
        if "xdata" in fields and not unresolved:  # resolved: the field has done its work
            own = tuple(f for f in own if f.name != "xdata")
        resolved = entry._replace(
            fields=own + tuple(added.values()), inherited=entry.inherited + marked
        )
        people = {role: split_persons(added[role].raw)[0] for role in added if role in NAME_FIELDS}
        if people:
            names = dict(entry.names)
            names.update((r, p) for r, p in people.items() if r not in ("author", "editor"))
            resolved = resolved._replace(
                persons=people.get("author", entry.persons),
                editors=people.get("editor", entry.editors),
                names=tuple(names.items()),
            )
        self.done[key] = resolved
        return resolved

    def _reaches(self, start: ParsedEntry, target: str) -> bool:
        """Whether following crossref and xdata links from ``start`` leads to ``target``."""
        todo, seen = [start], set()
        while todo:
            entry = todo.pop()
            if entry.key.lower() == target:
                return True
            if entry.key.lower() in seen:
                continue
            seen.add(entry.key.lower())
            for f in entry.fields:
                if f.name in ("crossref", "xdata"):
                    for k in f.text.split(","):
                        nxt = self.entries.get(k.strip().lower())
                        if nxt is not None:
                            todo.append(nxt)
        return False
