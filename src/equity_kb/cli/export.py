"""``equity-kb export``: the whole bibliography as BibTeX, RIS or CSL-JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .errors import CommandError
from .options import add_command

EXAMPLES = """\
examples:
  equity-kb export --format bibtex > equity-kb.bib
  equity-kb export --format ris --output equity-kb.ris
  equity-kb export --format csl-json --output equity-kb.json   (imports into Zotero)
"""


HELP = "export the bibliography (bibtex, ris, csl-json)"
DESCRIPTION = "Export every reference in bib/*.bib."


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "export", HELP, DESCRIPTION, EXAMPLES)
    p.add_argument("--format", required=True, choices=["bibtex", "ris", "csl-json"])
    p.add_argument("--output", type=Path, help="a file (default: standard output)")
    p.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from equity_kb.core import exports
    from equity_kb.core.bibtex import load_bibliography
    from equity_kb.core.checking import Settings
    from equity_kb.core.ordering import sort_entries
    from equity_kb.core.vocabulary import VocabularyError, load_vocabulary

    settings = Settings.from_conf(args.root.resolve())
    files = settings.bib_files()
    if not files:
        raise CommandError(
            f"no bibliography files match {settings.bibliography} under {settings.root}"
        )
    try:
        vocabulary = load_vocabulary(settings.vocabulary)
    except VocabularyError as err:
        raise CommandError(str(err)) from err
    result = load_bibliography(files, vocabulary)
    for p in result.problems:
        if p.severity == "error":
            print(f"warning: {p}", file=sys.stderr)
    refs = sort_entries(result.references.values())
    text = exports.WRITERS[args.format](refs)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {len(refs)} references to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
