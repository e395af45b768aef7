"""Links that preview: Open Graph tags (sphinxext-opengraph) so a card's link pasted into a
chat or an email shows its ID, title and summary, and a brief's its title and summary.

sphinxext-opengraph writes the tags of every page; for an entry, its title and description
come from the entry itself (its ID, title and front-matter summary) rather than from the
page's first paragraph. The extension escapes only quotes in a tag's content, so the text
is escaped here first: a title holding markup stays text in the preview.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import io
import sys
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from equity_kb.core.model import Practice

from ..entries.domain import kb_domain
from ..rendering.outputs import connect_site

_SOCIAL_CARDS = "sphinxext.opengraph._social_cards"


def setup_link_previews(app: Sphinx) -> None:
    _import_without_social_cards()
    app.setup_extension("sphinxext.opengraph")
    app.connect("config-inited", configure)
    # Before sphinxext-opengraph's own handler (500), which reads the page's metadata.
    connect_site(app, "html-page-context", entry_tags, priority=400)


def configure(app: Sphinx, config: Config) -> None:
    if not config.ogp_site_url:
        config.ogp_site_url = config.html_baseurl
    if config.ogp_social_cards is None:
        # Its generated card images need matplotlib and take a second a page; off unless
        # a project asks for them.
        config.ogp_social_cards = {"enable": False}
    elif config.ogp_social_cards.get("enable") is not False:
        _load_social_cards()
    config.ogp_type = "article"


def _import_without_social_cards() -> None:
    """Import sphinxext-opengraph without its social-card module. That module imports
    matplotlib whenever it is installed (0.27 s of every build's start-up, a third of
    it), though the cards are off unless a project turns them on; ``configure`` loads
    it then. Without it the extension behaves as it does without matplotlib."""
    if "sphinxext.opengraph" in sys.modules:
        return
    sys.modules[_SOCIAL_CARDS] = None  # type: ignore[assignment]  # its import raises ImportError
    try:
        # Its "matplotlib is not installed" line would be wrong: it may well be.
        with contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module("sphinxext.opengraph")
    finally:
        del sys.modules[_SOCIAL_CARDS]


def _load_social_cards() -> None:
    """Give sphinxext-opengraph its social cards, as its own import would have."""
    opengraph = sys.modules["sphinxext.opengraph"]
    if getattr(opengraph, "create_social_card", None) is not None:
        return
    try:
        cards = importlib.import_module(_SOCIAL_CARDS)
    except ImportError:  # no matplotlib: no cards, as the extension itself decides
        return
    opengraph.create_social_card = cards.create_social_card  # type: ignore[attr-defined]
    opengraph.DEFAULT_SOCIAL_CONFIG = cards.DEFAULT_SOCIAL_CONFIG  # type: ignore[attr-defined]


def entry_tags(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    entry = kb_domain(app.env).entry_for(pagename)
    if entry is None:
        return
    meta = context.get("meta")
    if meta is None:
        meta = context["meta"] = {}
    meta["og:title"] = html.escape(entry.full_title, quote=False)
    if isinstance(entry, Practice):
        # A card is a web page (Zotero's Embedded Metadata saves it as one, with the
        # site's name); a brief stays an article (a report, by its citation_* tags).
        meta["og:type"] = "website"
    if entry.summary:
        meta["og:description"] = html.escape(entry.summary, quote=False)
