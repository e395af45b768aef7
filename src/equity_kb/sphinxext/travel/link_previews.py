"""Links that preview: Open Graph tags (sphinxext-opengraph) so a card's link pasted into a
chat or an email shows its ID, title and summary, and a brief's its title and summary.

sphinxext-opengraph writes the tags of every page; for an entry, its title and description
come from the entry itself (its ID, title and front-matter summary) rather than from the
page's first paragraph. The extension escapes only quotes in a tag's content, so the text
is escaped here first: a title holding markup stays text in the preview.
"""

from __future__ import annotations

import html
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from equity_kb.core.model import Practice

from ..entries.domain import kb_domain
from ..rendering.outputs import connect_site


def setup_link_previews(app: Sphinx) -> None:
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
    config.ogp_type = "article"


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
