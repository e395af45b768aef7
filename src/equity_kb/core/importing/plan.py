"""An import planned (which exported entries are new, which duplicate the bibliography,
what each new one still lacks) and then written, appended to the target file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from equity_kb.core.bibtex import load_bibliography
from equity_kb.core.bibtex.cache import parsed_chunks
from equity_kb.core.bibtex.parse import ParsedEntry
from equity_kb.core.bibtex.rules import PLACEHOLDERS
from equity_kb.core.exports import to_bibtex
from equity_kb.core.model import Problem, Reference
from equity_kb.core.source_text import decode
from equity_kb.core.vocabulary import FACETS, Vocabulary

from .duplicates import Catalogue, fresh_key
from .tags import map_keywords, split_keywords
from .text import bibtex_value, html_to_text

TODO = "TODO"  # the loader's placeholder for an annotation; see the package docstring
NOTE_FIELDS = frozenset({"annote", "annotation"})  # Zotero's notes: the annotation
DROPPED_FIELDS = frozenset({"file"})  # paths into one person's Zotero storage
KEY_FIELDS = frozenset({"crossref", "xdata"})  # keys of other entries, renamed with them
# What the loader says about the fields the import fills in or marks TODO itself.
FILLED_CODES = frozenset({"missing_annotation", "missing_tenets", "missing_field", "incomplete"})
HEADER = (
    "% Entries added by `equity-kb import` from reference-manager exports. Complete every\n"
    "% TODO (`equity-kb check` lists them); edit the entries here like any others.\n"
)


class ExportError(Exception):
    """The export cannot be read at all (nothing was planned)."""


@dataclasses.dataclass(frozen=True)
class NewEntry:
    """An exported entry the bibliography does not have, as it will be written."""

    reference: Reference  # key, type and raw fields to write
    export_key: str  # its key in the export (``reference.key`` differs after a clash)
    line: int  # where it starts in the export
    todo: tuple[str, ...]  # fields written as TODO: what someone must still complete
    unmatched: tuple[str, ...]  # tags that name no vocabulary term, kept in keywords
    clash: Reference | None  # the different entry that already had its key

    @property
    def key(self) -> str:
        return self.reference.key


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """An exported entry the bibliography (or this import) already has: not written."""

    key: str
    line: int
    of: Reference  # the entry it duplicates, unchanged
    reason: str  # "by DOI", "by title, year and first author" or "by key"
    within_export: bool  # ``of`` is new in this import (the export lists the work twice)

    def __str__(self) -> str:
        whose = "new" if self.within_export else "existing"
        return f"{self.key} duplicates {whose} {self.of.key} ({self.reason})"


@dataclasses.dataclass(frozen=True)
class ImportPlan:
    export: Path
    target: Path
    items: tuple[NewEntry | Duplicate, ...]  # in the export's order
    problems: tuple[Problem, ...]  # in the export, each at its line
    # Problems of entries the bibliography already has: not shown (those entries are not
    # written), only counted, so a re-import of a whole library is not a wall of noise.
    unshown: int = 0

    @property
    def new(self) -> list[NewEntry]:
        return [i for i in self.items if isinstance(i, NewEntry)]

    @property
    def duplicates(self) -> list[Duplicate]:
        return [i for i in self.items if isinstance(i, Duplicate)]

    @property
    def incomplete(self) -> list[NewEntry]:
        return [i for i in self.new if i.todo]

    def text(self) -> str:
        """The BibTeX the import appends to the target (empty if nothing is new)."""
        return to_bibtex(n.reference for n in self.new) if self.new else ""


def plan_import(
    export: Path,
    *,
    bibliography: Sequence[Path],
    target: Path,
    vocabulary: Vocabulary,
    today: dt.date | None = None,
) -> ImportPlan:
    """What importing ``export`` into ``target`` would do; nothing is written."""
    pairs, problems = _read_export(export, vocabulary)
    existing = load_bibliography(bibliography, vocabulary).references.values()
    catalogue = Catalogue(existing)
    provenance = (
        f"Imported from the export {export.name} with equity-kb import on "
        f"{(today or dt.date.today()).isoformat()}."
    )
    keys: dict[str, str] = {}  # export key -> its key in the bibliography
    new_keys: set[str] = set()
    planned: list[tuple[ParsedEntry, Reference, Reference | None] | Duplicate] = []
    duplicate_lines: set[int] = set()  # where the duplicates and their fields start
    for entry, ref in pairs:
        match = catalogue.match(ref)
        if match is not None:
            keys[ref.key] = match.reference.key
            within = match.reference.key in new_keys
            planned.append(Duplicate(ref.key, ref.line, match.reference, match.reason, within))
            offset = ref.line - entry.line  # the parsed entry counts lines from its chunk
            duplicate_lines |= {ref.line, *(f.line + offset for f in entry.fields)}
            continue
        clash = catalogue.holder(ref.key)
        key = fresh_key(ref.key, lambda k: catalogue.holder(k) is not None) if clash else ref.key
        keys[ref.key] = key
        new_keys.add(key)
        catalogue.add(dataclasses.replace(ref, key=key))
        planned.append((entry, ref, clash))
    items: list[NewEntry | Duplicate] = []
    for item in planned:  # once every key is known: a crossref parent may come later
        if isinstance(item, Duplicate):
            items.append(item)
        else:
            items.append(_new_entry(*item, keys, vocabulary, provenance))
    shown = tuple(p for p in problems if p.line not in duplicate_lines)
    return ImportPlan(export, target, tuple(items), shown, len(problems) - len(shown))


def _read_export(
    export: Path, vocabulary: Vocabulary
) -> tuple[list[tuple[ParsedEntry, Reference]], list[Problem]]:
    """The export's entries, each as parsed (raw fields) and as the loader validates it
    (names, dates, crossref), and the export's problems but those the import fills in."""
    try:
        data = export.read_bytes()
    except OSError as err:
        raise ExportError(f"cannot read {export}: {err.strerror}") from err
    loaded = load_bibliography([export], vocabulary)  # reports a byte that is not UTF-8
    problems = [p for p in loaded.problems if p.code not in FILLED_CODES]
    by_place = {(r.key, r.line): r for r in loaded.references.values()}
    # The loader's own parse, from its memory cache: the same bytes are not parsed twice.
    # Its chunks count lines from where each starts; the references count from the top.
    _, chunks = parsed_chunks(str(export), data, decode(data).text, None)
    pairs = [
        (entry, by_place[(entry.key, entry.line + first)])
        for first, chunk in chunks
        for entry in chunk.entries
        if (entry.key, entry.line + first) in by_place  # not an unreadable or reused key
    ]
    return pairs, problems


def _new_entry(
    entry: ParsedEntry,
    ref: Reference,
    clash: Reference | None,
    keys: dict[str, str],
    vocabulary: Vocabulary,
    provenance: str,
) -> NewEntry:
    raw: dict[str, str] = {}
    notes: list[str] = []
    tags: dict[str, list[str]] = {kind: [] for kind in FACETS}
    unmatched: tuple[str, ...] = ()
    ours: dict[str, str] = {}  # our own fields the export already has (evidence, provenance)
    for f in entry.fields:
        if f.name in NOTE_FIELDS:
            note = html_to_text(f.text)
            if note and note.strip(".!").lower() not in PLACEHOLDERS:
                notes.append(note)
        elif f.name in FACETS:
            tags[f.name].extend(t for t in split_keywords(f.raw) if t.lower() not in PLACEHOLDERS)
        elif f.name == "keywords":
            mapped = map_keywords(f.raw, vocabulary)
            for kind, ids in mapped.ids.items():
                tags[kind].extend(i for i in ids if i not in tags[kind])
            unmatched = mapped.unmatched
            if unmatched:
                raw["keywords"] = ", ".join(unmatched)
        elif f.name in ("evidence", "provenance"):
            ours[f.name] = f.raw
        elif f.name in KEY_FIELDS:
            raw[f.name] = ", ".join(keys.get(k, k) for k in split_keywords(f.raw))
        elif f.name not in DROPPED_FIELDS:
            raw[f.name] = f.raw
    todo = [name for name in ref.missing if not raw.get(name, "").strip()]
    raw.update(dict.fromkeys(todo, TODO))
    raw["annotation"] = bibtex_value("\n\n".join(notes)) if notes else TODO
    if not notes:
        todo.append("annotation")
    for kind in FACETS:  # focus areas and levels are optional; every entry needs a tenet
        if tags[kind]:
            raw[kind] = ", ".join(dict.fromkeys(tags[kind]))
        elif kind == "tenets":
            raw[kind] = TODO
            todo.append(kind)
    if "evidence" in ours:
        raw["evidence"] = ours["evidence"]
    mine = bibtex_value(provenance)
    raw["provenance"] = f"{ours['provenance']} {mine}" if "provenance" in ours else mine
    written = dataclasses.replace(ref, key=keys[ref.key], raw_fields=raw)
    return NewEntry(written, ref.key, ref.line, tuple(todo), unmatched, clash)


def write_plan(plan: ImportPlan) -> None:
    """Append the plan's new entries to its target. The bytes already there are kept as
    they are (hand edits included); the file is replaced whole, so a reader or a crash
    never sees half an entry."""
    if not plan.new:
        return
    target = plan.target
    old = target.read_bytes() if target.exists() else HEADER.encode()
    gap = b"" if not old or old.endswith(b"\n\n") else b"\n" if old.endswith(b"\n") else b"\n\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("xb") as f:  # "x": never write over another run's file
            f.write(old + gap + plan.text().encode("utf-8"))
        if target.exists():
            shutil.copymode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
