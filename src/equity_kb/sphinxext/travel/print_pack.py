"""Printed cards that lead back, and meeting packs.

Each card's header carries a print-only stamp: a QR code of its permalink (segno, as
inline SVG made at build time) and the date it was printed (``static/print_pack.js``
fills it in on ``beforeprint``; without JS it says when the page was built).

A meeting pack is one generated page, ``print-pack.html?cards=PC-001,PC-003``: the build
writes each card's printable content once, as a fragment under ``kb-print/``, and the
page's script puts the chosen ones one per printed page (the set stays in the URL).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import segno
from markupsafe import Markup
from sphinx.application import Sphinx

from equity_kb.core.model import Entry, Practice

from ..bibliography.citing import card_permalink
from ..entries.domain import kb_domain
from ..rendering.generated import Page, only_changed
from ..rendering.outputs import connect_site, writes_site
from ..rendering.page_renderer import renderer_for
from ..rendering.render import Renderer

PACK_PAGE = "print-pack"
# In the site folder: one card's printable HTML per file, as JSON ({"id", "html"}): a part
# of a page for the pack's script, not a page a browser or the HTML checker should open.
FRAGMENTS = "kb-print"
STAMP_CLASS = "kb-print-stamp"
PACK_ID = "kb-print-pack"


def setup_print_pack(app: Sphinx) -> None:
    connect_site(app, "html-page-context", write_card_fragment)
    connect_site(app, "html-page-context", add_print_script)
    connect_site(
        app,
        "html-collect-pages",
        lambda app: only_changed(app, PACK_PAGE, pack_inputs(app), pack_pages(app)),
    )


def qr_svg(data: str) -> Markup:
    """``data`` as a QR code in inline SVG, sized by CSS (the four-module quiet zone
    that scanners need is part of the drawing)."""
    svg = segno.make(data, error="m").svg_inline(
        scale=1, border=4, omitsize=True, svgclass="kb-qr", lineclass="kb-qr-dark"
    )
    return Markup(svg)  # segno escapes nothing of ours: the data is drawn, not written


def print_stamp_html(app: Sphinx, r: Renderer, entry: Entry, docname: str) -> Markup | None:
    """The print-only stamp of a card's header; None for anything but a card."""
    if not isinstance(entry, Practice):
        return None
    permalink = card_permalink(app, docname)
    return r.render(
        "print_stamp.html",
        permalink=permalink,
        qr=qr_svg(permalink),
        built=build_date(),
    )


def build_date() -> dt.date:
    """Today, or the day of ``SOURCE_DATE_EPOCH`` for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def fragment_name(key: str) -> str:
    return f"{FRAGMENTS}/{key}.json"


def write_card_fragment(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A card page's body, kept as written for the meeting pack (links relative to the
    card's own page; the pack's script rebases them)."""
    if not writes_site(app.builder) or doctree is None:
        return
    entry = kb_domain(app.env).entry_for(pagename)
    if not isinstance(entry, Practice):
        return
    path = Path(app.outdir, fragment_name(entry.key))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Beside the final name, then renamed: a reader never sees half a fragment.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fragment = {"id": entry.key, "html": str(context.get("body") or "")}
    tmp.write_text(json.dumps(fragment, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def pack_cards(app: Sphinx) -> dict[str, dict[str, str]]:
    """Card ID -> its title, page and fragment, relative to the site root."""
    get_uri = app.builder.get_target_uri
    cards = [e for e in kb_domain(app.env).doc_entries() if isinstance(e, Practice)]
    return {
        e.key: {"title": e.title, "url": get_uri(e.docname or ""), "fragment": fragment_name(e.key)}
        for e in sorted(cards, key=lambda e: e.key)
    }


def pack_inputs(app: Sphinx) -> str:
    return hashlib.sha256(repr(sorted(pack_cards(app).items())).encode()).hexdigest()


def pack_pages(app: Sphinx) -> Iterator[Page]:
    """The pack page (a generator: only_changed skips it, unrendered, when unchanged)."""
    r = renderer_for(app, PACK_PAGE)
    root = r.url("index").removesuffix("index.html") or "./"
    body = r.render("print_pack.html", cards=pack_cards(app), root=root, pack_id=PACK_ID)
    yield PACK_PAGE, {"title": "Print practice cards", "body": body}, "page.html"


def add_print_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """The print script, on the cards (the printed date) and the pack page."""
    body = context.get("body") or ""
    if f'class="{STAMP_CLASS}"' in body or f'id="{PACK_ID}"' in body:
        app.add_js_file("print_pack.js", loading_method="defer")
