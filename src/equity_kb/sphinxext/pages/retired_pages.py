"""Old links never break: each retired card ID keeps a page at its permalink that says the
card was retired, and leads to the card that replaced it when ``retired.yml`` names one
(a warning at build time if that card does not exist)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.util import logging

from equity_kb.core.card_ids import RETIRED_FILE, read_retired_file

from ..entries.domain import kb_domain
from ..rendering.generated import only_changed
from ..rendering.outputs import connect_site
from ..rendering.page_renderer import renderer_for

logger = logging.getLogger("equity_kb")


def setup_retired_pages(app: Sphinx) -> None:
    connect_site(app, "html-collect-pages", retired_pages)


def retired_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    domain = kb_domain(app.env)
    cards = {e.key: e for e in domain.doc_entries() if e.type == "practice"}
    chosen = []
    for folder in (d for d, t in app.config.kb_entry_dirs.items() if t == "practice"):
        for retired in read_retired_file(Path(app.srcdir, folder)).values():
            pagename = f"{folder}/{retired.id}"
            if pagename in app.env.found_docs:
                continue  # a card is still there: reported as a retired ID in use
            if retired.successor and retired.successor not in cards:
                logger.warning(
                    f"retired card {retired.id} names {retired.successor} as its successor, "
                    "but there is no such card: correct it, or leave the successor out",
                    location=str(Path(app.srcdir, folder, RETIRED_FILE)),
                    type="kb",
                    subtype="unknown_successor",
                )
            chosen.append((pagename, retired, cards.get(retired.successor or "")))
    inputs = repr([(p, r, s.key if s else None, s.title if s else None) for p, r, s in chosen])
    yield from only_changed(app, "retired", inputs, _pages(app, chosen))


def _pages(app: Sphinx, chosen: list[Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    for pagename, retired, successor in chosen:
        r = renderer_for(app, pagename)
        body = r.render(
            "retired_card.html",
            retired=retired,
            successor=successor,
            successor_url=r.url(successor.docname) if successor else None,
            cards_url=r.url(pagename.rsplit("/", 1)[0] + "/index"),
            search_url=r.url(app.config.kb_search_page) if app.config.kb_search_page else None,
        )
        title = f"{retired.id} is retired"
        yield pagename, {"title": str(escape(title)), "body": body}, "page.html"
