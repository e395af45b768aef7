"""``equity-kb preview``: rebuild on save, reload the browser, search included."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import Any

from .errors import CommandError
from .options import add_command
from .serve import port_or_any

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
    p.add_argument(
        "--port", type=port_or_any, default=8000, help="the port (0: any free one, printed)"
    )
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
    # Bound first, so the port is ours from now on (0: the system picks a free one) and
    # the reload script, written into every page, names the port really served.
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as err:
        sock.close()
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {err.strerror}") from err
    port = sock.getsockname()[1]
    app, builder = preview_app(
        root=root,
        docs=root / args.docs,
        outdir=root / args.out,
        watch=watch,
        host=args.host,
        port=port,
    )
    builder(changed_paths=())
    print(f"previewing on http://{args.host}:{port}/ (rebuilds on save; Ctrl-C stops)", flush=True)
    config = uvicorn.Config(app, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
    return 0
