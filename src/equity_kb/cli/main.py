"""The ``equity-kb`` command line.

Each subcommand lives in its own module, listed in ``COMMANDS``. A command module has
``register(subparsers)``, which adds its parser(s) and sets ``run=`` (a function
``run(args) -> int``) with ``set_defaults``. Import heavy dependencies inside ``run``,
so that ``equity-kb --help`` stays fast. To add a subcommand, write its module and
add one line here.

A mistake of the user's (a missing index, a bad option) is a message and exit status
2, never a traceback: raise :class:`~equity_kb.cli.errors.CommandError` from ``run``.
This package is the only place that prints for the user and chooses exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .errors import CommandError

COMMANDS: tuple[str, ...] = (
    "equity_kb.cli.search",
    "equity_kb.cli.serve",
    "equity_kb.cli.check",
    "equity_kb.cli.new",
    "equity_kb.cli.export",
    "equity_kb.cli.importing",
    "equity_kb.cli.preview",
)

EPILOG = """\
examples:
  equity-kb search "equity pause"                 search the built site's index
  equity-kb search discipline --type practice --level school
  equity-kb serve                                 the built site and its search API
  equity-kb new practice "Student panels"         a new card with the next free ID
  equity-kb check                                 every content problem as file:line
  equity-kb export --format ris                   the bibliography for a reference manager
  equity-kb import My-Library.bib --dry-run       what a Zotero export would add

Run `equity-kb COMMAND --help` for a command's options and examples.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="equity-kb",
        description="Tools for the Equity KB knowledge base.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(run(args) or 0)
    except CommandError as err:
        print(f"equity-kb: error: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
