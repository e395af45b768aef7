"""``equity-kb preview``: rebuild on save, reload the browser, search included."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .errors import CommandError
from .options import add_command

EXAMPLES = """\
examples:
  equity-kb preview                     http://127.0.0.1:8000, rebuilt on every save
  equity-kb preview --port 8080

It watches docs/, bib/, templates/, src/equity_kb/ and conf.py; warnings are printed
in the terminal after each rebuild and the page in the browser reloads by itself.
`make livehtml` runs this.
"""


HELP = "live preview: rebuild on save, with search"
DESCRIPTION = "Build the site, serve it with search, and rebuild on every save."


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "preview", HELP, DESCRIPTION, EXAMPLES)
    p.add_argument("--root", type=Path, default=Path("."), help="the repository (default: .)")
    p.add_argument("--docs", default="docs", help="the content folder (default: docs)")
    p.add_argument("--out", default="_build/html", help="the output (default: _build/html)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from equity_kb.sphinxext.preview import preview_app

    root = args.root.resolve()
    if not (root / "conf.py").is_file() or not (root / args.docs).is_dir():
        raise CommandError(
            f"no conf.py and {args.docs}/ in {root}: run this from the "
            "repository's root, or give --root"
        )
    watch = [
        p
        for p in (root / "bib", root / "templates", root / "src" / "equity_kb", root / "conf.py")
        if p.exists()
    ]
    app, builder = preview_app(
        root=root,
        docs=root / args.docs,
        outdir=root / args.out,
        watch=watch,
        host=args.host,
        port=args.port,
    )
    builder(changed_paths=())
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
