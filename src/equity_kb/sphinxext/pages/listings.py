"""Paged listings: a ``kb-listing`` longer than ``LISTING_PAGE_SIZE`` entries.

The authored page shows the first page and a pager; the further pages
(``practices/index-2`` ...) are generated on ``html-collect-pages`` from the listings
recorded per document in the domain, and rewritten only when what they show changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from docutils import nodes
from markupsafe import Markup, escape
from sphinx.application import Sphinx
from sphinx.util import logging

from equity_kb.core.model import Entry
from equity_kb.core.ordering import sort_entries

from ..entries.domain import KBDomain, kb_domain
from ..entries.nodes import kb_placeholder
from ..rendering.generated import only_changed
from ..rendering.outputs import connect_site
from ..rendering.page_renderer import renderer_for
from ..rendering.render import SECTION_TITLES, Renderer

logger = logging.getLogger("equity_kb")

# Entries per page of a kb-listing: the hundred a term page shows of each type. A page of
# 100 cards is about 170 KB with the theme (benchmarks' 100x site), far below the 1 MB
# rule even with long summaries, and 100 is a list a reader still scans.
LISTING_PAGE_SIZE = 100


def setup_listings(app: Sphinx) -> None:
    app.connect("doctree-read", record_listings)
    connect_site(
        app,
        "html-collect-pages",
        lambda app: only_changed(app, "listings", listing_pages_inputs(app), listing_pages(app)),
    )


def first_page(
    app: Sphinx, domain: KBDomain, r: Renderer, docname: str, node: kb_placeholder
) -> Markup:
    """What a ``kb-listing`` placeholder shows on its own page."""
    spec = ListingSpec(docname, node.get("pages", docname), listing_filters(node))
    return listing_html(app, domain, r, spec, listing_entries(domain, spec.filters), 1)


LISTING_FILTERS = ("type", "tenet", "focus", "level")
FILTER_KINDS = {"tenet": "tenets", "focus": "focus", "level": "levels"}
Filters = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ListingSpec:
    """One ``kb-listing`` of a document: what it lists and where its further pages go.

    Page 1 is the document itself; page ``n`` is ``f"{stem}-{n}"``."""

    docname: str
    stem: str
    filters: Filters  # (option, value) for each option given, in LISTING_FILTERS order

    def page(self, n: int) -> str:
        return self.docname if n == 1 else f"{self.stem}-{n}"


def listing_filters(node: kb_placeholder) -> Filters:
    return tuple((option, node[option]) for option in LISTING_FILTERS if node.get(option))


def record_listings(app: Sphinx, doctree: nodes.document) -> None:
    """Name the further pages of each ``kb-listing`` in the document and record the
    listings in the domain, where ``html-collect-pages`` (which sees no doctrees) finds
    them. Listings with the same filters list the same entries, so they share pages."""
    docname = app.env.docname
    specs: dict[Filters, ListingSpec] = {}
    for node in doctree.findall(kb_placeholder):
        if node["kind"] != "listing":
            continue
        filters = listing_filters(node)
        spec = specs.get(filters)
        if spec is None:
            # The first listing's pages are named for the page (practices/index-2), so
            # the common case reads naturally; any other's for its filters as well.
            stem = docname if not specs else f"{docname}-{slug(filters)}"
            taken = {s.stem for s in specs.values()}
            n = len(specs) + 1
            while stem in taken:
                stem, n = f"{docname}-listing-{n}", n + 1
            spec = specs[filters] = ListingSpec(docname, stem, filters)
        node["pages"] = spec.stem
    if specs:
        kb_domain(app.env).set_doc("listings", docname, tuple(specs.values()))


def slug(filters: Filters) -> str:
    words = "-".join(value for _, value in filters).lower()
    return "".join(c if c.isascii() and c.isalnum() else "-" for c in words).strip("-") or "all"


def listing_entries(domain: KBDomain, filters: Filters) -> list[Entry]:
    """The entries a listing shows, in the order it shows them."""
    entries = domain.all_entries()
    for option, value in filters:
        if option == "type":
            entries = [e for e in entries if e.type == value]
        else:
            entries = [e for e in entries if value in getattr(e, FILTER_KINDS[option])]
    return sort_entries(entries)


def page_count(total: int) -> int:
    return max(1, -(-total // LISTING_PAGE_SIZE))


def listing_noun(domain: KBDomain, filters: Filters) -> str:
    """What a listing holds, in words: 'practice cards tagged Race-conscious data use'."""
    options = dict(filters)
    noun = SECTION_TITLES[options["type"]].lower() if "type" in options else "entries"
    tags = [
        domain.vocabulary.label(FILTER_KINDS[option], value)
        for option, value in filters
        if option != "type"
    ]
    return f"{noun} tagged {' and '.join(tags)}" if tags else noun


def pager_numbers(current: int, count: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and those near the current one; None
    where numbers are left out (a single left-out number is shown instead)."""
    shown = sorted({1, count, *range(max(1, current - radius), min(count, current + radius) + 1)})
    numbers: list[int | None] = []
    previous = 0
    for n in shown:
        if n - previous == 2:
            numbers.append(previous + 1)
        elif n - previous > 2:
            numbers.append(None)
        numbers.append(n)
        previous = n
    return numbers


def listing_html(
    app: Sphinx,
    domain: KBDomain,
    r: Renderer,
    spec: ListingSpec,
    entries: Sequence[Entry],
    page: int,
) -> Markup:
    """One page of a listing; a listing that fits on one page is just the list."""
    if len(entries) <= LISTING_PAGE_SIZE:
        return r.entry_list(entries)
    count = page_count(len(entries))
    start = (page - 1) * LISTING_PAGE_SIZE
    shown = entries[start : start + LISTING_PAGE_SIZE]
    noun = listing_noun(domain, spec.filters)
    explore = (
        r.url("explore") + "?" + urlencode(spec.filters)
        if "explore" in app.env.found_docs
        else None
    )
    links = [
        None if n is None else {"number": n, "url": r.url(spec.page(n)), "current": n == page}
        for n in pager_numbers(page, count)
    ]
    return r.render(
        "listing.html",
        entries_html=r.entry_list(shown),
        first=start + 1,
        last=start + len(shown),
        total=len(entries),
        noun=noun,
        explore=explore,
        pager={
            "label": f"Pages of {noun}",
            "links": links,
            "previous": r.url(spec.page(page - 1)) if page > 1 else None,
            "next": r.url(spec.page(page + 1)) if page < count else None,
        },
    )


def listing_pages_inputs(app: Sphinx) -> str:
    """The further listing pages show the listed entries (the listing digest), which
    listings each page holds, the titles of those pages, and the page size."""
    env = app.env
    domain = kb_domain(env)
    listings = domain.listings()
    titles = [(d, env.titles[d].astext()) for d, _ in listings if d in env.titles]
    inputs = (
        domain.listing_inputs(),
        listings,
        titles,
        LISTING_PAGE_SIZE,
        "explore" in env.found_docs,
    )
    return hashlib.sha256(repr(inputs).encode()).hexdigest()


def listing_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Page 2 onwards of every listing longer than a page."""
    env = app.env
    domain = kb_domain(env)
    for docname, specs in domain.listings():
        title = env.titles[docname].astext() if docname in env.titles else docname
        for spec in specs:
            entries = listing_entries(domain, spec.filters)
            count = page_count(len(entries))
            for n in range(2, count + 1):
                pagename = spec.page(n)
                if pagename in env.found_docs:
                    logger.warning(
                        f"page {n} of a kb-listing would be written over the document "
                        f"{pagename!r}; rename that document",
                        location=docname,
                        type="kb",
                        subtype="listing_page_clash",
                    )
                    continue
                r = renderer_for(app, pagename)
                of = "" if spec.stem == docname else f": {listing_noun(domain, spec.filters)}"
                heading = f"{title}{of}, page {n} of {count}"
                body = r.render(
                    "listing_page.html",
                    heading=heading,
                    listing=listing_html(app, domain, r, spec, entries, n),
                )
                # Sphinx gives templates a page's title as HTML.
                yield pagename, {"title": str(escape(heading)), "body": body}, "page.html"
