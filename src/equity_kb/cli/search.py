"""``equity-kb search``: the query engine on the command line."""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import textwrap
from typing import Any, TextIO

from .errors import CommandError
from .options import DEFAULT_INDEX, add_command, page_size, positive, year

SEARCH_EXAMPLES = """\
examples:
  equity-kb search "equity pause"
  equity-kb search discipline --type practice --level school
  equity-kb search '"continuous improvement" AND NOT literacy' --year-from 2020
  equity-kb search --tenet data --tenet collective-learning     browse by facets only
  equity-kb search families --json | jq '.hits[].key'

Entries with every word come first; when fewer than three have them all, entries with
most of them follow (a note says so), and common words are left out. OR, NOT, AND and
"quoted phrases" work as written. Facet options repeat: values of one facet combine
with OR, different facets with AND.
"""


HELP = "search the knowledge base index from the terminal"
DESCRIPTION = "Search the built site's index: ranked results with facet counts."


def register(subparsers: Any) -> None:
    """Add the ``search`` subcommand."""
    search = add_command(subparsers, "search", HELP, DESCRIPTION, SEARCH_EXAMPLES)
    search.add_argument("query", nargs="?", default="", help="words, phrases, AND/OR/NOT")
    search.add_argument(
        "--type",
        action="append",
        default=[],
        metavar="TYPE",
        help="practice, brief or reference (repeatable)",
    )
    search.add_argument(
        "--tenet",
        action="append",
        default=[],
        metavar="TENET",
        help="for example data or collective-learning (repeatable)",
    )
    search.add_argument(
        "--focus",
        action="append",
        default=[],
        metavar="FOCUS",
        help="a focus area id such as family-engagement (repeatable)",
    )
    search.add_argument(
        "--level",
        action="append",
        default=[],
        metavar="LEVEL",
        help="classroom, school, district, region or partnership (repeatable)",
    )
    search.add_argument(
        "--evidence",
        action="append",
        default=[],
        metavar="KIND",
        help="a kind of evidence such as qualitative or mixed (repeatable)",
    )
    search.add_argument("--year-from", type=year, metavar="YEAR")
    search.add_argument("--year-to", type=year, metavar="YEAR")
    search.add_argument("--page", type=positive, default=1)
    search.add_argument(
        "--page-size",
        type=page_size,
        default=10,
        metavar="N",
        help="results per page (1-100, default 10)",
    )
    search.add_argument("--json", action="store_true", help="print the result as JSON")
    search.add_argument(
        "--index",
        default=DEFAULT_INDEX,
        metavar="PATH",
        help=f"the index (default: {DEFAULT_INDEX})",  # short: one line
    )
    search.set_defaults(run=run_search)


def run_search(args: argparse.Namespace) -> int:
    from equity_kb.search.engine import IndexNotFound, SearchEngine

    try:
        engine = SearchEngine(args.index)
    except IndexNotFound:
        raise CommandError(
            f"no search index at {args.index}. Build the site first (make html), or pass "
            "--index PATH to the index directory (the one holding a CURRENT file)."
        ) from None
    with engine:
        result = engine.search(
            args.query,
            types=args.type,
            tenets=args.tenet,
            focus=args.focus,
            levels=args.level,
            evidence=args.evidence,
            year_from=args.year_from,
            year_to=args.year_to,
            page=args.page,
            page_size=args.page_size,
        )
    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_result(result, sys.stdout)
    return 0


_MARK = re.compile(r"</?mark>")


def snippet_text(snippet: str, *, bold: bool = False) -> str:
    """A snippet's HTML as terminal text: entities decoded, marks bold or dropped."""
    if bold:
        parts = _MARK.split(snippet)
        tags = _MARK.findall(snippet)
        out = [_one_line(html.unescape(parts[0]))]
        for tag, part in zip(tags, parts[1:], strict=True):
            out.append("\033[1m" if tag == "<mark>" else "\033[0m")
            out.append(_one_line(html.unescape(part)))
        return "".join(out) + "\033[0m"
    return _one_line(html.unescape(_MARK.sub("", snippet)))


def print_result(result: Any, out: TextIO) -> None:
    """Readable results: title, type and key, tenets, snippet, URL; then facet counts."""
    tty = out.isatty() and os.environ.get("NO_COLOR") is None
    labels = result.labels
    what = f"for {result.query!r}" if result.query else "(browsing by facets)"
    if result.total:
        first = (result.page - 1) * result.page_size + 1
        last = first + len(result.hits) - 1
        print(
            f"{result.total} results {what}; showing {first}-{last}, "
            f"page {result.page} of {result.pages}",
            file=out,
        )
    else:
        print(f"No results {what}.", file=out)
    if result.note:
        print(f"Note: {result.note}", file=out)
    if result.suggestion:
        print(f"Did you mean: {result.suggestion}", file=out)
    for i, hit in enumerate(result.hits, (result.page - 1) * result.page_size + 1):
        _print_hit(f"{i}.", hit, labels, tty, out)
    if result.nearest:
        print("\nNearest entries:", file=out)
        for hit in result.nearest:
            _print_hit("-", hit, labels, tty, out)
    facets = []
    for name in ("type", "tenets", "focus", "levels", "evidence"):
        counts = result.facets.get(name, [])
        if counts:
            shown = ", ".join(f"{v} ({c})" for v, c in counts[:8])
            facets.append(f"  {name}: {shown}")
    if facets:
        print("\nRefine with --type/--tenet/--focus/--level/--evidence:", file=out)
        print("\n".join(facets), file=out)


def _print_hit(number: str, hit: Any, labels: Any, tty: bool, out: TextIO) -> None:
    kind = labels.get("type", {}).get(hit.type, hit.type)
    year = f" · {hit.year}" if hit.year else ""
    tenets = ", ".join(labels.get("tenets", {}).get(t, t) for t in hit.tenets)
    print(f"\n{number} {_one_line(hit.title)}", file=out)
    meta = f"{kind} · {hit.key}{year}" + (f" · tenets: {tenets}" if tenets else "")
    print(f"   {_one_line(meta)}", file=out)
    text = snippet_text(hit.snippet, bold=tty)
    for line in textwrap.wrap(text, 88) if not tty else [text]:
        print(f"   {line}", file=out)
    print(f"   {_one_line(hit.url)}", file=out)


def _one_line(text: str) -> str:
    # Text comes from content: keep control characters (escape sequences) out of the
    # terminal.
    return "".join(c if c.isprintable() else " " for c in text)
