"""Argument types and defaults shared by the subcommands."""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_SITE = "_build/html"
# The build keeps the Whoosh index beside the site (search.layout.index_dir).
DEFAULT_INDEX = "_build/html-state/search-index"


def add_command(
    subparsers: Any, name: str, help: str, description: str, examples: str
) -> argparse.ArgumentParser:
    """A subcommand's parser, its examples shown as written."""
    return subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def year(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2020") from None
    if not 1 <= value <= 9999:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2020")
    return value


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def page_size(text: str) -> int:
    value = positive(text)
    if value > 100:
        raise argparse.ArgumentTypeError("at most 100")
    return value


def port(text: str) -> int:
    value = positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("a port is at most 65535")
    return value
