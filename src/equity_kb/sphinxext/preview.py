"""Live preview: sphinx-autobuild's rebuild-on-save and browser reload, served together
with ``/api/search``, so search works while previewing.

sphinx-autobuild's own command serves only static files; here its watcher, builder and
reload script are combined with our search routes in one Starlette app on one port.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sphinx_autobuild.build import Builder
from sphinx_autobuild.filter import IgnoreFilter
from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
from sphinx_autobuild.server import RebuildServer
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles

from equity_kb.search.layout import index_dir, state_dir
from equity_kb.search.server import create_app

IGNORED = [
    ".git",
    ".venv",
    "venv",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
]


def preview_app(
    *,
    root: Path,
    docs: Path,
    outdir: Path,
    watch: Sequence[Path],
    host: str,
    port: int,
    sphinx_args: Sequence[str] = (),
) -> tuple[Starlette, Builder]:
    """The preview app and its builder (call ``builder(changed_paths=())`` to build once)."""
    outdir.mkdir(parents=True, exist_ok=True)
    url_host = f"{host}:{port}"
    builder = Builder(
        ["-c", str(root), str(docs), str(outdir), *sphinx_args],
        url_host=url_host,
        pre_build_commands=[],
        post_build_commands=[],
    )
    ignored = [*(root / d for d in IGNORED), outdir, state_dir(outdir)]
    ignore = IgnoreFilter(ignored, [r".*\.(swp|tmp)$", r".*~$"])
    watcher = RebuildServer([docs, *watch], ignore, change_callback=builder)
    api = create_app(None, index_dir(outdir))
    app = Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", watcher, name="reload"),
            *api.routes,
            Mount("/", app=StaticFiles(directory=outdir, html=True), name="site"),
        ],
        middleware=[Middleware(JavascriptInjectorMiddleware, ws_url=url_host)],
        lifespan=watcher.lifespan,
    )
    return app, builder
