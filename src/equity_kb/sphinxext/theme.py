"""The extension's own CSS and JS, shipped inside the package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from .cite_previews import PREVIEWS_CLASS

STATIC = Path(__file__).parent / "static"


def setup_theme(app: Sphinx) -> None:
    app.connect("builder-inited", add_static_path)
    app.add_css_file("equity_kb.css")
    app.add_css_file("equity_kb_print.css", media="print")
    app.connect("html-page-context", add_cite_preview_files)


def add_static_path(app: Sphinx) -> None:
    if str(STATIC) not in app.config.html_static_path:
        app.config.html_static_path.append(str(STATIC))


def add_cite_preview_files(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """The citation previews' script and styles, on the pages that cite (and only there)."""
    if f'class="{PREVIEWS_CLASS}"' in (context.get("body") or ""):
        app.add_js_file("cite_preview.js", loading_method="defer")
        app.add_css_file("cite_preview.css")
