"""Pages that aggregate entries.

One mechanism per kind of page: listings inside authored pages (home, section indexes)
are directives leaving a placeholder that is filled on ``doctree-resolved``; a page per
tenet, focus area and level is generated on ``html-collect-pages`` from the vocabulary,
so adding a focus area to the vocabulary adds its page with no new source file.
Long listings are paged (listings.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from equity_kb.core.model import ENTRY_TYPES, TYPE_LABELS, Entry
from equity_kb.core.ordering import DISPLAY_ORDER, sort_entries
from equity_kb.core.vocabulary import FACETS, KIND_NAMES

from .domain import KBDomain, kb_domain
from .gapmap import PARAM, GapMap, gap_map_html
from .generated import only_changed
from .nodes import kb_placeholder
from .render import TERM_DIRS, Renderer

logger = logging.getLogger("equity_kb")

TERM_PAGE_LIMIT = 100
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
    app.connect("doctree-resolved", fill_placeholders)
    app.connect(
        "html-collect-pages",
        lambda app: only_changed(app, "terms", listing_inputs(app), term_pages(app)),
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
    """The faceted search page: search box, facets, results (static/search.js)."""

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
        from .listings import first_page

        return first_page(app, domain, r, docname, node)
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
    entries = sort_entries(domain.all_entries())  # once: filtering keeps the order
    for kind in FACETS:
        for term in domain.vocabulary.terms[kind]:
            pagename = f"{TERM_DIRS[kind]}/{term.id}"
            r = renderer_for(app, pagename)
            tagged = [e for e in entries if term.id in getattr(e, kind)]
            sections = []
            for etype in DISPLAY_ORDER:
                of_type = [e for e in tagged if e.type == etype]
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
            yield pagename, {"title": str(escape(term.label)), "body": body}, "page.html"
