"""``equity-kb serve``: the built site and its search API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .errors import CommandError
from .options import DEFAULT_INDEX, DEFAULT_SITE, add_command, port

SERVE_EXAMPLES = f"""\
examples:
  equity-kb serve                               http://127.0.0.1:8000/ from {DEFAULT_SITE}
  equity-kb serve --port 8080 --site public      its index: public-state/search-index

The build keeps the index beside the site (SITE-state/search-index), so --site alone
finds it. Without this service the search page uses the site's static index.
"""


HELP = "serve the built site with its search API"
DESCRIPTION = "Serve the built site and /api/search with uvicorn."


def register(subparsers: Any) -> None:
    """Add the ``serve`` subcommand."""
    serve = add_command(subparsers, "serve", HELP, DESCRIPTION, SERVE_EXAMPLES)
    serve.add_argument(
        "--site",
        default=DEFAULT_SITE,
        metavar="PATH",
        help=f"the built HTML site (default: {DEFAULT_SITE})",
    )
    serve.add_argument(
        "--index",
        default=None,
        metavar="PATH",
        help=f"the index directory (default: SITE-state/search-index, so {DEFAULT_INDEX})",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port, default=8000)
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from equity_kb.search.generations import current_generation
    from equity_kb.search.layout import index_dir
    from equity_kb.search.server import serve

    if not Path(args.site).is_dir():
        raise CommandError(
            f"no built site at {args.site}. Build it first (make html), or pass --site PATH."
        )
    if args.index is None:
        args.index = str(index_dir(args.site))
    if current_generation(args.index) is None:
        print(
            f"equity-kb: warning: no search index at {args.index} yet; /api/search answers "
            "503 until one is written",
            file=sys.stderr,
        )
    serve(args.site, args.index, host=args.host, port=args.port)
    return 0
