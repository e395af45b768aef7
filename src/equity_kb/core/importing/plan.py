"""An import planned, one item for every block of the export (a new entry, a duplicate
with its evidence, a skipped block with its reason, or a block that is no entry), and then
written: the new entries appended to the target file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from equity_kb.core.bibtex import load_bibliography
from equity_kb.core.bibtex.rules import NOT_WORKS
from equity_kb.core.exports import to_bibtex
from equity_kb.core.model import Problem, Reference
from equity_kb.core.vocabulary import Vocabulary

from .blocks import Block
from .duplicates import OTHER_DOI, SHARED_DOI, Catalogue, Hint, Known, Match
from .fields import written_fields
from .reading import ReadExport, read_export

# What the loader says about what the import itself reports for each new entry (missing
# fields, annotation and tenets) or leaves out (a placeholder such as TODO).
HANDLED_CODES = frozenset(
    {"missing_annotation", "missing_tenets", "missing_field", "incomplete", "placeholder"}
)
GARBLED = (
    "it holds bytes that are not UTF-8 (shown as '\ufffd'): re-save the export as UTF-8 "
    "and import it again"
)
HEADER = (
    "% Entries added by `equity-kb import` from reference-manager exports. What an entry\n"
    "% still lacks is left out: `equity-kb check` lists it. Edit the entries here like any\n"
    "% others.\n"
)


@dataclasses.dataclass(frozen=True)
class Place:
    path: str
    line: int


@dataclasses.dataclass(frozen=True)
class Note:
    """Something about an entry worth a person's look, about the entry at ``place``:
    read as ``lead`` + " at " + place + ``tail``."""

    lead: str
    place: Place
    tail: str = ""


@dataclasses.dataclass(frozen=True)
class NewEntry:
    """An exported entry the bibliography does not have, as it will be written."""

    reference: Reference  # key, type and raw fields to write
    export_key: str  # its key in the export (``reference.key`` differs after a clash)
    line: int  # where it starts in the export
    missing: tuple[str, ...]  # core fields it lacks, left out ("year or date")
    needs: tuple[str, ...]  # what `equity-kb check` will ask for: missing, annotation, tenets
    left_out: tuple[str, ...]  # fields whose value was a placeholder such as TODO
    unmatched: tuple[str, ...]  # tags that name no vocabulary term, kept in keywords
    clash: Place | None  # a different entry that has its key (renamed: key + a, b, ...)
    notes: tuple[Note, ...] = ()

    @property
    def key(self) -> str:
        return self.reference.key


@dataclasses.dataclass(frozen=True)
class Duplicate:
    """An exported entry the bibliography (or this import) already has: not written."""

    key: str  # in the export
    line: int
    of: str  # the key of the entry it is the same work as
    place: Place  # where that entry is (in the export, for a new one)
    evidence: str  # "by DOI 10.5555/x and title", "by title, year 2021 and first author X"
    within_export: bool  # ``of`` is new in this import (the export lists the work twice)

    def __str__(self) -> str:
        whose = "new" if self.within_export else "existing"
        return f"{self.key} duplicates {whose} {self.of} ({self.evidence})"


@dataclasses.dataclass(frozen=True)
class Skipped:
    """An entry block that is not imported, and why."""

    line: int
    what: str  # "@article broken2020"
    reason: str


@dataclasses.dataclass(frozen=True)
class OtherBlock:
    """A block that is no entry: read (a @string's text goes into the entries that use
    it), not imported."""

    line: int
    kind: str  # "string", "preamble" or "comment"
    name: str  # a @string's name


Item = NewEntry | Duplicate | Skipped | OtherBlock


@dataclasses.dataclass(frozen=True)
class ImportPlan:
    export: Path
    target: Path
    items: tuple[Item, ...]  # one per block of the export, in its order
    problems: tuple[Problem, ...]  # in the export, each at its line
    # Problems of duplicates: not shown (those entries are not written), only counted, so
    # a re-import of a whole library is not a wall of noise.
    unshown: int = 0

    @property
    def new(self) -> list[NewEntry]:
        return [i for i in self.items if isinstance(i, NewEntry)]

    @property
    def duplicates(self) -> list[Duplicate]:
        return [i for i in self.items if isinstance(i, Duplicate)]

    @property
    def skipped(self) -> list[Skipped]:
        return [i for i in self.items if isinstance(i, Skipped)]

    @property
    def others(self) -> list[OtherBlock]:
        return [i for i in self.items if isinstance(i, OtherBlock)]

    @property
    def entries(self) -> int:
        """Entry blocks: every block but @string, @preamble and @comment."""
        return len(self.items) - len(self.others)

    @property
    def renamed(self) -> list[NewEntry]:
        return [i for i in self.new if i.clash is not None]

    @property
    def incomplete(self) -> list[NewEntry]:
        return [i for i in self.new if i.needs]

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
    existing = load_bibliography(bibliography, vocabulary).references
    read = read_export(export, bibliography, existing, vocabulary)
    catalogue = Catalogue(Known.existing(ref) for ref in existing.values())
    matches: dict[int, Match] = {}
    hints: dict[int, list[Hint]] = {}
    final: dict[str, str] = {}  # lower-case key in the export as read -> in the bibliography
    # Bytes that were not UTF-8 read as U+FFFD: such an entry is not written, or a
    # replacement character would be printed, and the export fixed later would not match it.
    garbled = {
        i
        for i, ref in read.references.items()
        if read.lossy and any("\ufffd" in value for value in ref.raw_fields.values())
    }
    for i, found in sorted(read.references.items()):
        if i in garbled:
            continue
        block = read.blocks[i]
        match = catalogue.match(found)
        if match is not None:
            matches[i] = match
            final[found.key.lower()] = match.known.reference.key
            continue
        final[found.key.lower()] = found.key
        hints[i] = catalogue.hints(found, block.key or found.key)
        catalogue.add(Known.added(found, str(export), block.line, block.key or found.key))

    provenance = (
        f"Imported from the export {export.name} with equity-kb import on "
        f"{(today or dt.date.today()).isoformat()}."
    )
    items: list[Item] = []
    for i, block in enumerate(read.blocks):
        ref = read.references.get(i)
        if block.kind in ("string", "preamble", "comment"):
            items.append(OtherBlock(block.line, block.kind, block.key))
        elif ref is None:
            items.append(Skipped(block.line, block.what, _reason(block, i, read)))
        elif i in garbled:
            items.append(Skipped(block.line, block.what, GARBLED))
        elif i in matches:
            known = matches[i].known
            items.append(
                Duplicate(
                    block.key or ref.key,
                    block.line,
                    known.reference.key,
                    Place(known.path, known.line),
                    matches[i].evidence,
                    known.new,
                )
            )
        else:
            written = written_fields(ref, final, vocabulary, provenance)
            items.append(
                NewEntry(
                    dataclasses.replace(ref, raw_fields=written.raw, source=str(export)),
                    block.key,
                    block.line,
                    written.missing,
                    written.needs,
                    written.left_out,
                    written.unmatched,
                    _clash(i, read, existing, export),
                    (*_hint_notes(hints[i]), *_parent_notes(i, read, export, final)),
                )
            )
    duplicates = set(matches)
    problems = [p for p in read.problems if p.code not in HANDLED_CODES]
    shown = tuple(p for p in problems if read.block_at(p.line) not in duplicates)
    return ImportPlan(export, target, tuple(items), shown, len(problems) - len(shown))


def _reason(block: Block, index: int, read: ReadExport) -> str:
    """Why an entry block has no reference: what the loader said about it."""
    if block.bibtype == "xdata":
        return "an @xdata entry holds fields for the entries that name it: written into them"
    if block.bibtype in NOT_WORKS:
        return f"this @{block.bibtype} entry {NOT_WORKS[block.bibtype]}"
    errors = [p for p in read.problems if p.severity == "error" and read.block_at(p.line) == index]
    at = f" (the problem at line {errors[0].line} says what to fix)" if errors else ""
    if block.kind == "unreadable":
        return f"not valid BibTeX{at}"
    if not block.key:
        return f"it has no citation key{at}"
    return f"the loader could not read it{at}"


def _clash(
    index: int, read: ReadExport, existing: dict[str, Reference], export: Path
) -> Place | None:
    holder = read.keys.clashes.get(index)
    if holder is None:
        return None
    if isinstance(holder, int):
        return Place(str(export), read.blocks[holder].line)
    ref = existing[holder]
    return Place(ref.source, ref.line)


def _hint_notes(hints: list[Hint]) -> list[Note]:
    notes = []
    for hint in hints:
        known = hint.known
        whose = f"{'new' if known.new else 'existing'} {known.reference.key}"
        place = Place(known.path, known.line)
        if hint.kind == SHARED_DOI:
            more = (
                f"; {hint.others} more {'entry has' if hint.others == 1 else 'entries have'} it"
                if hint.others
                else ""
            )
            notes.append(
                Note(
                    f"has the DOI {known.fingerprint.doi} of {whose}",
                    place,
                    " but not its title: imported as a different work (the papers of a "
                    f"proceedings volume often carry the volume's DOI){more}",
                )
            )
        elif hint.kind == OTHER_DOI:
            notes.append(
                Note(
                    f"has the title, year and first author of {whose}",
                    place,
                    " but another DOI: imported as a different work",
                )
            )
        else:
            notes.append(
                Note(
                    f"has the key of {whose}",
                    place,
                    " and nothing the two give differs, but they share neither DOI and title "
                    "nor title, year and first author: imported as a different work; if they "
                    "are one, delete this one",
                )
            )
    return notes


def _parent_notes(index: int, read: ReadExport, export: Path, final: dict[str, str]) -> list[Note]:
    notes = []
    for parent in read.keys.ambiguous.get(index, []):
        key = read.keys.keys.get(parent.block, parent.key)
        lines = ", ".join(str(read.blocks[j].line) for j in parent.among)
        which = "nearest before it" if parent.block < index else "first after it"
        notes.append(
            Note(
                f"{parent.link} '{parent.key}' names {len(parent.among)} entries of the export "
                f"(lines {lines}): it now names the {which}, {final.get(key.lower(), key)},",
                Place(str(export), read.blocks[parent.block].line),
            )
        )
    return notes


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
