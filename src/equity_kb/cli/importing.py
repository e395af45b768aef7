"""``equity-kb import EXPORT.bib``: a Zotero export merged into the bibliography
(the rules are in ``core/importing``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CommandError
from .options import add_command

if TYPE_CHECKING:
    from equity_kb.core.importing import ImportPlan

EXAMPLES = """\
examples:
  equity-kb import ~/Downloads/My-Library.bib --dry-run     what would change
  equity-kb import ~/Downloads/My-Library.bib               append the new entries
  equity-kb import export.bib --into bib/zotero.bib         to another bibliography file

Duplicates (by DOI, then title, year and first author, then key) are reported and not
written; existing entries are never changed. Zotero tags naming a tenet, focus area or
level (by id, label or alias in the vocabulary) become tags; notes become the
annotation. What is still missing is written as TODO, which `equity-kb check` reports.

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
            f"({_count(plan.unshown, 'problem')} in entries the bibliography already has "
            "not shown: those entries are not imported; `equity-kb check` reports the "
            "bibliography's own)",
            file=sys.stderr,
        )
    for line in plan_lines(plan, root):
        print(line)
    where = shown(target, root)
    if args.dry_run and plan.new:
        print(f"\nwould append to {where}:\n")
        sys.stdout.write(plan.text())
    print(summary(plan))
    if args.dry_run:
        print(f"dry run: nothing written ({len(plan.new)} entries would go to {where})")
    else:
        importing.write_plan(plan)
        print(f"wrote {len(plan.new)} entries to {where}")
        if plan.incomplete:
            print("next: complete every TODO (`equity-kb check` lists them), then commit")
    return 1 if any(p.severity == "error" for p in plan.problems) else 0


def plan_lines(plan: ImportPlan, root: Path) -> list[str]:
    """One line per exported entry (and one per entry with tags that name nothing), each
    starting with its place in the export."""
    from equity_kb.core.importing import Duplicate

    lines = []
    for item in plan.items:
        at = f"{plan.export}:{item.line}"
        if isinstance(item, Duplicate):
            lines.append(f"{at}: {item} at {shown(Path(item.of.source), root)}:{item.of.line}")
            continue
        ref = item.reference
        line = f"{at}: new {item.key} (@{ref.bibtype})"
        if item.clash is not None:
            line += (
                f", renamed from {item.export_key}: a different entry has that key at "
                f"{shown(Path(item.clash.source), root)}:{item.clash.line}"
            )
        if item.todo:
            line += f"; incomplete, TODO in {', '.join(item.todo)}"
        lines.append(line)
        if item.unmatched:
            tags = ", ".join(repr(t) for t in item.unmatched)
            lines.append(
                f"{at}: {item.key}: tags naming no tenet, focus area or level, kept in "
                f"keywords: {tags}"
            )
    return lines


def summary(plan: ImportPlan) -> str:
    errors = sum(p.severity == "error" for p in plan.problems)
    text = (
        f"{len(plan.new)} new ({len(plan.incomplete)} incomplete), "
        f"{_count(len(plan.duplicates), 'duplicate')}"
    )
    return text + (f", {_count(errors, 'problem')} in the export" if errors else "")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def shown(path: Path, root: Path) -> str:
    """A path as the author sees it in the repository: refs/imported.bib."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
