"""Pages that aggregate entries.

One mechanism per kind of page: listings inside authored pages (home, section indexes)
are directives leaving a placeholder that is filled on ``doctree-resolved``; a page per
tenet, focus area and level is generated on ``html-collect-pages`` from the vocabulary,
so adding a focus area to the vocabulary adds its page with no new source file.

A ``kb-listing`` longer than ``LISTING_PAGE_SIZE`` is paged: the authored page shows the
first page and a pager, and the further pages (``practices/index-2`` ...) are generated
on ``html-collect-pages`` from the listings recorded per document in the domain.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from docutils import nodes
from docutils.parsers.rst import directives
from markupsafe import Markup, escape
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from .domain import KBDomain, kb_domain
from .gapmap import PARAM, GapMap, gap_map_html
from .generated import only_changed
from .model import ENTRY_TYPES, TYPE_LABELS, Entry
from .nodes import kb_placeholder
from .render import DISPLAY_ORDER, TERM_DIRS, Renderer, sort_entries
from .vocabulary import FACETS, KIND_NAMES

logger = logging.getLogger("equity_kb")

TERM_PAGE_LIMIT = 100
# Entries per page of a kb-listing: the hundred a term page shows of each type. A page of
# 100 cards is about 170 KB with the theme (benchmarks' 100x site), far below the 1 MB
# rule even with long summaries, and 100 is a list a reader still scans.
LISTING_PAGE_SIZE = 100
SECTION_TITLES = {
    "practice": "Practice cards",
    "brief": "Research briefs",
    "reference": "References",
}


def setup_pages(app: Sphinx) -> None:
    app.add_node(kb_placeholder)
    app.add_directive("kb-tenet-overview", TenetOverview)
    app.add_directive("kb-listing", Listing)
    app.add_directive("kb-terms", Terms)
    app.add_directive("kb-search", SearchBox)
    app.add_directive("kb-explore", Explore)
    app.add_directive("kb-gap-map", GapMap)
    app.connect("html-page-context", add_page_scripts)
    app.connect("doctree-read", record_listings)
    app.connect("doctree-resolved", fill_placeholders)
    app.connect(
        "html-collect-pages",
        lambda app: only_changed(app, "terms", listing_inputs(app), term_pages(app)),
    )
    app.connect(
        "html-collect-pages",
        lambda app: only_changed(app, "listings", listing_pages_inputs(app), listing_pages(app)),
    )


class TenetOverview(SphinxDirective):
    """The four tenets with live counts of what is tagged with each."""

    def run(self) -> list[nodes.Node]:
        return [kb_placeholder(kind="tenet-overview")]


class Listing(SphinxDirective):
    """Every entry of a type (optionally with a tag), e.g. ``:type: practice``; paged
    when longer than ``LISTING_PAGE_SIZE``."""

    option_spec = {
        "type": lambda a: directives.choice(a, ENTRY_TYPES),
        "tenet": directives.unchanged,
        "focus": directives.unchanged,
        "level": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        return [kb_placeholder(kind="listing", **self.options)]


class Terms(SphinxDirective):
    """The terms of one vocabulary kind (tenets, focus, levels) with their counts."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind not in FACETS:
            raise self.error(f"kb-terms takes one of {', '.join(FACETS)}, not {kind!r}")
        return [kb_placeholder(kind="terms", vocabulary_kind=kind)]


class SearchBox(SphinxDirective):
    """The faceted search page: search box, facets, results (equity_kb/static/search.js)."""

    def run(self) -> list[nodes.Node]:
        return [kb_placeholder(kind="search")]


class Explore(SphinxDirective):
    """Every entry in one list, narrowed by facets and sorted; works on static hosting
    (the search page's script in catalog mode: one implementation of the filtering)."""

    def run(self) -> list[nodes.Node]:
        return [kb_placeholder(kind="explore")]


# Scripts that only the pages using them load.
PAGE_SCRIPTS = {
    'id="kb-search"': (("search.js",), ("search.css",)),
    "data-kb-gapmap": (("gapmap.js",), ()),
}


def add_page_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body") or ""
    for marker, (scripts, styles) in PAGE_SCRIPTS.items():
        if marker in body:
            for script in scripts:
                app.add_js_file(script, loading_method="defer")
            for style in styles:
                app.add_css_file(style)


def renderer_for(app: Sphinx, pagename: str) -> Renderer:
    builder = app.builder
    domain = kb_domain(app.env)

    @functools.cache  # a bibliography page links the same term pages thousands of times
    def url(target: str) -> str:
        # Sphinx gives '' for a link to the page itself; a link must still go somewhere.
        return (
            builder.get_relative_uri(pagename, target)
            or builder.get_target_uri(target).rsplit("/", 1)[-1]
        )

    def entry_url(entry: Entry) -> str:
        if entry.docname:
            return url(entry.docname)
        page = domain.data.get("ref_pages", {}).get(entry.key, "bibliography")
        return url(page) + f"#ref-{entry.key}"

    return Renderer(domain.vocabulary, url, entry_url)


def fill_placeholders(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    placeholders = list(doctree.findall(kb_placeholder))
    if not placeholders:
        return
    domain = kb_domain(app.env)
    html_builder = app.builder.format == "html"
    r = renderer_for(app, docname) if html_builder else None
    for node in placeholders:
        html = render_placeholder(app, domain, r, node, docname) if r else None
        if html is None:
            node.parent.remove(node)
        else:
            node.replace_self(nodes.raw("", html, format="html"))


def render_placeholder(
    app: Sphinx, domain: KBDomain, r: Renderer, node: kb_placeholder, docname: str
) -> str | None:
    kind = node["kind"]
    vocab = domain.vocabulary
    if kind == "tenet-overview":
        tenets = [
            {"term": t, "counts": domain.count_by_type(("tenets", t.id))}
            for t in vocab.terms["tenets"]
        ]
        return r.render("tenet_overview.html", tenets=tenets)
    if kind == "terms":
        vkind = node["vocabulary_kind"]
        terms = [
            {"term": t, "total": sum(domain.count_by_type((vkind, t.id)).values())}
            for t in vocab.terms[vkind]
        ]
        return r.render("terms.html", terms=terms, kind=vkind)
    if kind == "listing":
        spec = ListingSpec(docname, node.get("pages", docname), listing_filters(node))
        return listing_html(app, domain, r, spec, listing_entries(domain, spec.filters), 1)
    if kind in ("search", "explore"):
        catalog = r.url("_static/kb-catalog.json").removesuffix(".html")
        return r.render("search_box.html", catalog=catalog, explore=kind == "explore")
    if kind == "gap-map":
        return gap_map_html(domain, r)
    if kind == "entry-header":
        entry = domain.entry_for(docname)
        return r.render("entry_header.html", entry=entry) if entry else None
    if kind == "entry-footer":
        from .citing import entry_footer

        return entry_footer(app, domain, r, docname)
    if kind == "bibliography-index":
        from .references import bibliography_index_html

        return bibliography_index_html(app, domain, r)
    return None


def listing_inputs(app: Sphinx) -> str:
    """What the term pages show depends on: every entry's listing fields (see
    reading.listing_digest, computed once per build after reading)."""
    return str(kb_domain(app.env).data.get("listing_digest", ""))


def term_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """One page per tenet, focus area and level, listing everything tagged with it."""
    domain = kb_domain(app.env)
    entries = domain.all_entries()
    for kind in FACETS:
        for term in domain.vocabulary.terms[kind]:
            pagename = f"{TERM_DIRS[kind]}/{term.id}"
            r = renderer_for(app, pagename)
            tagged = [e for e in entries if term.id in getattr(e, kind)]
            sections = []
            for etype in DISPLAY_ORDER:
                of_type = sort_entries(e for e in tagged if e.type == etype)
                # A page lists the first TERM_PAGE_LIMIT of each type; the Explore page,
                # filtered to this term and type, has them all (and stays fast to load).
                more = (
                    r.url("explore") + f"?{PARAM[kind]}={term.id}&type={etype}"
                    if len(of_type) > TERM_PAGE_LIMIT
                    else None
                )
                sections.append(
                    {
                        "id": f"{etype}s",
                        "title": SECTION_TITLES[etype],
                        "count": len(of_type),
                        "more": more,
                        "html": r.entry_list(
                            of_type[:TERM_PAGE_LIMIT],
                            empty=f"No {TYPE_LABELS[etype].lower()}s yet.",
                        ),
                    }
                )
            body = r.render(
                "term_page.html", term=term, kind_name=KIND_NAMES[kind], sections=sections
            )
            yield pagename, {"title": term.label, "body": body}, "page.html"


# -- paged listings ---------------------------------------------------------------------
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
    listings = kb_domain(env).listings()
    titles = [(d, env.titles[d].astext()) for d, _ in listings if d in env.titles]
    inputs = (listing_inputs(app), listings, titles, LISTING_PAGE_SIZE, "explore" in env.found_docs)
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
