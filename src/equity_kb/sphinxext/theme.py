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
    app.connect("html-page-context", add_citation_files)


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


# Marker in a page's body -> the scripts and styles it needs (all progressive: the
# page works and its text stays selectable without them).
CITATION_FILES = {
    'class="kb-cite-this"': (
        ("cite_copy.js",),
        ("cite_copy.css",),
    ),  # the copy button of "Cite this card"
    'id="kb-search"': (("result_export.js",), ("result_export.css",)),  # "Download these results"
}


def add_citation_files(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body") or ""
    for marker, (scripts, styles) in CITATION_FILES.items():
        if marker in body:
            for script in scripts:
                app.add_js_file(script, loading_method="defer")
            for style in styles:
                app.add_css_file(style)
