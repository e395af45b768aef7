"""``equity-kb import EXPORT.bib``: a Zotero export merged into the bibliography
(the rules are in ``core/importing``)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CommandError
from .options import add_command

if TYPE_CHECKING:
    from equity_kb.core.importing import ImportPlan, NewEntry, Place

EXAMPLES = """\
examples:
  equity-kb import ~/Downloads/My-Library.bib --dry-run     what would change
  equity-kb import ~/Downloads/My-Library.bib               append the new entries
  equity-kb import export.bib --into bib/zotero.bib         to another bibliography file

Every block of the export is accounted for, one line each: a new entry, a duplicate
with its evidence (the same DOI and title; the same title, year and first author; or
the same type and fields), or skipped with its reason; the summary adds them up.
Existing entries are never changed. A key that another entry has gets a fresh one as
Better BibTeX makes them (key, keya, keyb, ...); crossref and xdata follow. Zotero tags
naming a tenet, focus area or level (by id, label or alias in the vocabulary) become
tags; notes become the annotation. What an entry still lacks is left out, and
`equity-kb check` reports it.

exit status: 0 imported, 1 imported but the export has problems (listed; the entries
that could be read were imported), 2 the command itself could not run.
"""

HELP = "merge a Zotero (Better BibTeX or BibTeX) export into the bibliography"
DESCRIPTION = (
    "Add the entries of a Zotero export that the bibliography does not have yet, "
    "with tags and annotations taken from Zotero's tags and notes."
)


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "import", HELP, DESCRIPTION, EXAMPLES)
    p.add_argument("export", type=Path, help="the exported .bib file")
    p.add_argument(
        "--into",
        type=Path,
        metavar="FILE",
        help="the bibliography file to append to (default: imported.bib beside the "
        "first bibliography file, e.g. bib/imported.bib)",
    )
    p.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    p.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from equity_kb.core import importing
    from equity_kb.core.checking import Settings
    from equity_kb.core.vocabulary import VocabularyError, load_vocabulary

    root = args.root.resolve()
    settings = Settings.from_conf(root)
    files = settings.bib_files()
    target = (
        args.into.resolve()
        if args.into
        else importing.default_target(root, settings.bibliography, files)
    )
    if not importing.in_bibliography(target, root, settings.bibliography):
        raise CommandError(
            f"{shown(target, root)} is not a bibliography file: the build reads "
            f"{', '.join(settings.bibliography)} (kb_bibliography in conf.py); give --into "
            "a file those match"
        )
    if not args.export.is_file():
        raise CommandError(f"no such file: {args.export}")
    if args.export.resolve() in {f.resolve() for f in files}:
        raise CommandError(
            f"{args.export} is itself a bibliography file, so every entry in it would count "
            "as a duplicate: move the export out of the bibliography's folder first"
        )
    try:
        vocabulary = load_vocabulary(settings.vocabulary)
    except VocabularyError as err:
        raise CommandError(str(err)) from err
    try:
        plan = importing.plan_import(
            args.export, bibliography=files, target=target, vocabulary=vocabulary
        )
    except importing.ExportError as err:
        raise CommandError(str(err)) from err

    for problem in plan.problems:
        note = " (note)" if problem.severity == "note" else ""
        print(f"{problem}{note}", file=sys.stderr)
    if plan.unshown:
        print(
            f"({_count(plan.unshown, 'problem')} in duplicates not shown: those entries are "
            "not imported; `equity-kb check` reports the bibliography's own)",
            file=sys.stderr,
        )
    for line in plan_lines(plan, root):
        print(line)
    where = shown(target, root)
    if args.dry_run and plan.new:
        print(f"\nwould append to {where}:\n")
        sys.stdout.write(plan.text())
    for line in summary(plan):
        print(line)
    entries = _count(len(plan.new), "entry", "entries")
    if args.dry_run:
        print(f"dry run: nothing written ({entries} would go to {where})")
    else:
        importing.write_plan(plan)
        print(f"wrote {entries} to {where}")
        if plan.incomplete:
            print("next: complete what `equity-kb check` lists for them, then commit")
    return 1 if any(p.severity == "error" for p in plan.problems) else 0


def plan_lines(plan: ImportPlan, root: Path) -> list[str]:
    """One line per block of the export, then one per note on it, each starting with
    the block's place in the export."""
    from equity_kb.core.importing import Duplicate, NewEntry, OtherBlock, Skipped

    lines = []
    for item in plan.items:
        at = f"{plan.export}:{item.line}"
        if isinstance(item, Duplicate):
            lines.append(f"{at}: {item} at {place(item.place, root)}")
        elif isinstance(item, Skipped):
            lines.append(f"{at}: skipped {item.what}: {item.reason}")
        elif isinstance(item, OtherBlock):
            lines.append(f"{at}: {OTHER_BLOCKS[item.kind].format(name=item.name)}")
        elif isinstance(item, NewEntry):
            lines.extend(f"{at}: {line}" for line in new_entry_lines(item, root))
    return lines


OTHER_BLOCKS = {
    "string": "@string {name}: not an entry; its text is written into the entries that use it",
    "preamble": "@preamble: not an entry; LaTeX for a printed bibliography, not imported",
    "comment": "@comment: not an entry, not imported",
}


def new_entry_lines(item: NewEntry, root: Path) -> list[str]:
    line = f"new {item.key} (@{item.reference.bibtype})"
    if not item.export_key:
        line += ", a key made from its first author and year: the export gives it none"
    if item.clash is not None:
        line += (
            f", renamed from {item.export_key}: a different entry has that key at "
            f"{place(item.clash, root)}"
        )
    if item.needs:
        line += f"; still needs {', '.join(item.needs)}"
    if item.left_out:
        line += f"; placeholders left out: {', '.join(item.left_out)}"
    lines = [line]
    if item.unmatched:
        tags = ", ".join(repr(t) for t in item.unmatched)
        lines.append(
            f"{item.key}: tags naming no tenet, focus area or level, kept in keywords: {tags}"
        )
    lines.extend(
        f"{item.key}: {note.lead} at {place(note.place, root)}{note.tail}" for note in item.notes
    )
    return lines


def summary(plan: ImportPlan) -> list[str]:
    """The account: every block is an entry or another block; every entry is new, a
    duplicate or skipped."""
    kinds = Counter(o.kind for o in plan.others)
    listed = f" ({', '.join(f'{n} @{kind}' for kind, n in kinds.items())})" if kinds else ""
    entries = _count(plan.entries, "entry", "entries")
    lines = [
        f"{_count(len(plan.items), 'block')} in {plan.export.name}: {entries} + "
        f"{_count(len(plan.others), 'other block')}{listed}",
        f"{entries}: {len(plan.new)} new + {_count(len(plan.duplicates), 'duplicate')} + "
        f"{len(plan.skipped)} skipped (of the new: {len(plan.renamed)} renamed, "
        f"{len(plan.incomplete)} incomplete)",
    ]
    errors = sum(p.severity == "error" for p in plan.problems)
    if errors:
        lines.append(f"{_count(errors, 'problem')} in the export, listed above")
    return lines


def _count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def place(where: Place, root: Path) -> str:
    return f"{shown(Path(where.path), root)}:{where.line}"


def shown(path: Path, root: Path) -> str:
    """A path as the author sees it in the repository: refs/imported.bib."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
