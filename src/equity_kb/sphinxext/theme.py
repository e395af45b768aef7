"""The extension's own CSS and JS, shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

STATIC = Path(__file__).parent / "static"


def setup_theme(app: Sphinx) -> None:
    app.connect("builder-inited", add_static_path)
    app.add_css_file("equity_kb.css")
    app.add_css_file("equity_kb_print.css", media="print")


def add_static_path(app: Sphinx) -> None:
    if str(STATIC) not in app.config.html_static_path:
        app.config.html_static_path.append(str(STATIC))
