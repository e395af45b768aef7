"""``equity-kb new brief|practice "Title"``: a new entry from a scaffold."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .errors import CommandError
from .options import add_command

EXAMPLES = """\
examples:
  equity-kb new brief "Restorative practices and discipline gaps"
  equity-kb new practice "Student panels on school climate"

A card gets the next free ID (never a used or retired one) and is written to
docs/practices/PC-NNN.md; a brief to docs/briefs/<title-as-slug>.md. Nothing is
overwritten, and a title that an entry already has names that entry (--force makes a
second one anyway).
"""


HELP = "start a new brief or practice card from a scaffold"
DESCRIPTION = "Write a new brief or practice card with every required field."


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "new", HELP, DESCRIPTION, EXAMPLES)
    p.add_argument("kind", choices=["brief", "practice"], help="what to make")
    p.add_argument("title", help="its title, in quotes")
    p.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    p.add_argument("--docs", default="docs", help="the content folder (default: docs)")
    p.add_argument(
        "--force",
        action="store_true",
        help="make the entry even if one already has this title",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from equity_kb.core.scaffold import ScaffoldError, new_entry

    try:
        path = new_entry(
            args.kind, args.title, root=args.root.resolve(), docs=args.docs, force=args.force
        )
    except ScaffoldError as err:
        raise CommandError(str(err)) from err
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    print(f"wrote {shown}")
    print(
        f"next: replace every TODO, then run `equity-kb check {shown}` and preview with "
        "`make livehtml`"
    )
    return 0
