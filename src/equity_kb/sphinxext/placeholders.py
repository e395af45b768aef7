"""Placeholders filled on ``doctree-resolved``: every directive that lists or counts
entries leaves a ``kb_placeholder``, and this module, the one that knows them all, asks the
module that owns each kind for its HTML. Data flows up to here; nothing imports it."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from equity_kb.search.documents import facet_labels

from .bibliography.book import bibliography_book, entry_footer_book, reading_list_book
from .bibliography.citing import entry_footer
from .bibliography.reading_list import reading_list_html
from .bibliography.references import bibliography_index_html
from .entries.domain import KBDomain, kb_domain
from .entries.nodes import kb_placeholder
from .pages.book import (
    entry_header_book,
    gap_map_book,
    listing_book,
    search_book,
    tenet_overview_book,
    terms_book,
    whats_new_book,
)
from .pages.card_evidence import evidence_box_html
from .pages.gapmap import gap_map_html
from .pages.listings import first_page
from .pages.whats_new import living_facts, whats_new_html
from .rendering.outputs import writes_site
from .rendering.page_renderer import renderer_for
from .rendering.render import Renderer
from .travel.print_pack import print_stamp_html


def setup_placeholders(app: Sphinx) -> None:
    app.add_node(kb_placeholder)
    app.connect("doctree-read", note_docname)
    app.connect("doctree-resolved", fill_placeholders)


def note_docname(app: Sphinx, doctree: nodes.document) -> None:
    """Each placeholder names its document: LaTeX and singlehtml resolve one tree made of
    every document, where the document a node came from is otherwise lost."""
    for node in doctree.findall(kb_placeholder):
        node["docname"] = app.env.docname


def fill_placeholders(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    placeholders = list(doctree.findall(kb_placeholder))
    if not placeholders:
        return
    domain = kb_domain(app.env)
    if not writes_site(app.builder):
        for node in placeholders:
            doc = node.get("docname", docname)
            node.replace_self(book_placeholder(app, domain, node, doc) or [])
        return
    r = renderer_for(app, docname)
    for node in placeholders:
        html = render_placeholder(app, domain, r, node, docname)
        if html is None:
            node.parent.remove(node)
        else:
            node.replace_self(nodes.raw("", html, format="html"))


def book_placeholder(
    app: Sphinx, domain: KBDomain, node: kb_placeholder, docname: str
) -> list[nodes.Node]:
    """A placeholder's content in a book: nodes any builder writes (see ARCHITECTURE.md
    for what a book leaves out, and why)."""
    kind = node["kind"]
    if kind == "tenet-overview":
        return tenet_overview_book(domain)
    if kind == "terms":
        return terms_book(domain, node["vocabulary_kind"])
    if kind == "listing":
        return listing_book(app, domain, docname, node)
    if kind in ("search", "explore"):
        return search_book(app, explore=kind == "explore")
    if kind == "gap-map":
        return gap_map_book(domain)
    if kind == "entry-header":
        return entry_header_book(app, domain, docname)
    if kind == "whats-new":
        return whats_new_book(app, domain, docname)
    if kind == "entry-footer":
        return entry_footer_book(app, domain, docname)
    if kind == "bibliography-index":
        return bibliography_book(app, domain, docname)
    if kind == "reading-list":
        return reading_list_book(app, domain, docname, node)
    return []


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
        return first_page(app, domain, r, docname, node)
    if kind in ("search", "explore"):
        root = r.url("index").removesuffix("index.html") or "./"
        # Whoosh (the service's stop words) is loaded for the search pages only: 11 ms
        # of every incremental build's start-up otherwise.
        from equity_kb.search.schema import QUERY_STOP_WORDS

        labels = facet_labels(vocab)
        stop = sorted(QUERY_STOP_WORDS)  # the static search drops the service's words
        return r.render(
            "search_box.html",
            root=root,
            labels=labels,
            stopwords=stop,
            explore=kind == "explore",
            api=app.config.kb_search_api,
        )
    if kind == "gap-map":
        return gap_map_html(domain, r)
    if kind == "entry-header":
        entry = domain.entry_for(docname)
        if entry is None:
            return None
        return r.render(
            "entry_header.html",
            entry=entry,
            evidence_box=evidence_box_html(domain, r, entry),
            print_stamp=print_stamp_html(app, r, entry, docname),
            living=living_facts(app, entry),
        )
    if kind == "whats-new":
        return whats_new_html(app, domain, r, docname)
    if kind == "entry-footer":
        return entry_footer(app, domain, r, docname)
    if kind == "bibliography-index":
        return bibliography_index_html(app, domain, r, docname)
    if kind == "reading-list":
        return reading_list_html(app, domain, r, docname, node)
    return None
