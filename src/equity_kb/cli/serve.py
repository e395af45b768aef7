"""``equity-kb serve``: the built site and its search API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .errors import CommandError
from .options import DEFAULT_INDEX, DEFAULT_SITE, add_command, port, positive

SERVE_EXAMPLES = f"""\
examples:
  equity-kb serve                               http://127.0.0.1:8000/ from {DEFAULT_SITE}
  equity-kb serve --port 8080 --site public      its index: public-state/search-index
  equity-kb serve --host 0.0.0.0 --workers 4 --origins https://kb.example.org
                                                in public, behind a proxy or not

The build keeps the index beside the site (SITE-state/search-index), so --site alone
finds it. Without this service the search page uses the site's static index.

Each option can come from the environment instead (a flag wins): KB_HOST, KB_PORT,
KB_WORKERS, KB_ORIGINS (comma-separated), KB_CACHE_SIZE, KB_LOG_LEVEL. Every worker
follows the index's new generations without a restart. The log has one line per
request with its path but not the query text (--log-level debug adds it).
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
    env = os.environ
    serve.add_argument(
        "--host",
        default=env.get("KB_HOST", "127.0.0.1"),
        help="the address to listen on (default: $KB_HOST or 127.0.0.1; 0.0.0.0 for all)",
    )
    serve.add_argument(
        "--port",
        type=port_or_any,
        default=env.get("KB_PORT", "8000"),
        help="the port (default: $KB_PORT or 8000; 0: any free one, which the log names)",
    )
    serve.add_argument(
        "--workers",
        type=positive,
        default=env.get("KB_WORKERS", str(os.cpu_count() or 1)),
        help="worker processes (default: $KB_WORKERS or one per core)",
    )
    serve.add_argument(
        "--origins",
        default=env.get("KB_ORIGINS", ""),
        metavar="URLS",
        help="site origins allowed to call the API from a browser, comma-separated, "
        "e.g. https://kb.example.org (default: $KB_ORIGINS or none: same origin only)",
    )
    serve.add_argument(
        "--cache-size",
        type=int,
        default=env.get("KB_CACHE_SIZE", "1000"),
        metavar="N",
        help="recent answers each worker keeps per index generation (default: "
        "$KB_CACHE_SIZE or 1000; 0: none)",
    )
    serve.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default=env.get("KB_LOG_LEVEL", "info"),
        help="default: $KB_LOG_LEVEL or info",
    )
    serve.set_defaults(run=run_serve)


def port_or_any(text: str) -> int:
    """A port, or 0: the system picks a free one when the socket is bound, and uvicorn's
    "Uvicorn running on http://HOST:PORT" line names it (no race with another process,
    as picking a free port first and binding it later would have)."""
    if text.strip() == "0":
        return 0
    try:
        return port(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: 1 to 65535, or 0 for any free one"
        ) from None


def run_serve(args: argparse.Namespace) -> int:
    from equity_kb.search.generations import current_generation
    from equity_kb.search.layout import index_dir
    from equity_kb.search.server import ServiceSettings, parse_origins, serve

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
    origins = parse_origins(args.origins)
    bad = [o for o in origins if o != "*" and not o.startswith(("http://", "https://"))]
    if bad:
        raise CommandError(
            f"--origins: {', '.join(bad)} is not an origin such as https://kb.example.org"
        )
    settings = ServiceSettings(
        site=args.site, index=args.index, origins=origins, cache_size=args.cache_size
    )
    serve(settings, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level)
    return 0
