"""The extension's own CSS and JS, shipped inside the package."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from .bibliography.cite_previews import PREVIEWS_CLASS
from .rendering.outputs import connect_site

STATIC = Path(__file__).parent / "static"


def setup_theme(app: Sphinx) -> None:
    # What the pages are written with (templates, scripts, styles, the code that fills
    # them), as an "html" config value: a new release of the extension writes every page
    # again on the next build, instead of keeping pages written by the old one.
    app.add_config_value("kb_page_code", "", "html", types=[str])
    app.connect("config-inited", note_page_code)
    connect_site(app, "builder-inited", add_static_files)
    connect_site(app, "build-finished", write_site_files)
    connect_site(app, "html-page-context", add_page_files)


def note_page_code(app: Sphinx, config: Any) -> None:
    config.kb_page_code = page_code_digest()


@functools.cache
def page_code_digest() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".js", ".css", ".svg"):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def add_static_files(app: Sphinx) -> None:
    """The website's styles and scripts; a book (EPUB, singlehtml) is read without them,
    in the theme's own styles (its readers support only older CSS)."""
    if str(STATIC) not in app.config.html_static_path:
        app.config.html_static_path.append(str(STATIC))
    app.add_css_file("equity_kb.css")
    app.add_css_file("equity_kb_print.css", media="print")
    if not app.config.html_favicon:  # a project's own icon wins
        app.config.html_favicon = str(STATIC / "favicon.svg")


def write_site_files(app: Sphinx, exception: BaseException | None) -> None:
    """``.nojekyll``: GitHub Pages publishing from a branch runs Jekyll, which drops
    every folder starting with "_" (``_static``: no styles, no search) unless it is there."""
    if exception is None:
        Path(app.outdir, ".nojekyll").touch()


# Marker in a page's body -> the scripts and styles only such pages load, in order (all
# progressive: the page works, and its text stays selectable, without them).
PAGE_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # The search page, in both modes, and "Download these results".
    'id="kb-search"': (
        ("search_static.js", "search.js", "result_export.js"),
        ("search.css", "result_export.css"),
    ),
    "data-kb-gapmap": (("gapmap.js",), ()),
    f'class="{PREVIEWS_CLASS}"': (("cite_preview.js",), ("cite_preview.css",)),
    'class="kb-cite-this"': (("cite_copy.js",), ("cite_copy.css",)),  # "Cite this card"
}


# sphinx-design's files, which it adds to every page: kept only where the page uses one of
# its directives (its classes start "sd-"); the tag badges are styled by equity_kb.css.
DESIGN_FILES = ("sphinx-design", "design-tabs")


def add_page_files(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body") or ""
    if 'class="sd-' not in body and " sd-" not in body:
        for key in ("css_files", "script_files"):
            # In place: the list is the builder's own, which add_js_file and add_css_file
            # append to for this page (and which Sphinx restores after it).
            if isinstance(context.get(key), list):
                context[key][:] = [f for f in context[key] if not _named(f, DESIGN_FILES)]
    for marker, (scripts, styles) in PAGE_FILES.items():
        if marker in body:
            for script in scripts:
                app.add_js_file(script, loading_method="defer")
            for style in styles:
                app.add_css_file(style)


def _named(asset: Any, stems: tuple[str, ...]) -> bool:
    name = str(getattr(asset, "filename", asset)).rsplit("/", 1)[-1]
    return name.startswith(stems)
