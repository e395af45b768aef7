"""What a builder makes: the website, or a book.

The website (``html``, ``dirhtml`` and the help builders made from them) has a page per
document *and* the pages generated from data: the A-Z bibliography, tenet and topic
pages, listing pages, the print pack, the search page's indexes, the exports and feed.
Every other builder (``singlehtml``, ``epub``, ``latex``, ``text``, ``man``, ``gettext``,
``linkcheck``...) makes a book: the documents only, so generated content is given to it
as docutils nodes it can show, and links go to documents, never to generated pages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sphinx.builders import Builder
from sphinx.builders._epub_base import EpubBuilder
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.builders.singlehtml import SingleFileHTMLBuilder


def writes_site(builder: Builder) -> bool:
    """True for a builder that writes the website (one HTML file per page, and the
    generated pages through ``html-collect-pages``)."""
    return isinstance(builder, StandaloneHTMLBuilder) and not isinstance(
        builder, (SingleFileHTMLBuilder, EpubBuilder)
    )


def site_uri(app: Any, docname: str) -> str:
    """A document's address on the published website, relative to its root, whatever the
    builder: a book's "Cite this card", QR code and permalinks point at the website."""
    if writes_site(app.builder):
        return app.builder.get_target_uri(docname)
    return docname + (app.config.html_file_suffix or ".html")


def connect_site(app: Any, event: str, handler: Callable[..., Any], **kwargs: Any) -> None:
    """``app.connect`` for a handler that serves the website alone (its generated pages,
    page metadata, scripts and files beside the pages); for any other builder it does
    nothing (``html-collect-pages`` gets no pages)."""
    empty = () if event == "html-collect-pages" else None

    @functools.wraps(handler)
    def run(app: Any, *args: Any, **kw: Any) -> Any:
        return handler(app, *args, **kw) if writes_site(app.builder) else empty

    app.connect(event, run, **kwargs)
