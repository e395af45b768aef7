"""Placeholders filled on ``doctree-resolved``: every directive that lists or counts
entries leaves a ``kb_placeholder``, and this module, the one that knows them all, asks the
module that owns each kind for its HTML. Data flows up to here; nothing imports it."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from equity_kb.search.documents import facet_labels
from equity_kb.search.schema import QUERY_STOP_WORDS

from .card_evidence import evidence_box_html
from .citing import entry_footer
from .domain import KBDomain, kb_domain
from .gapmap import gap_map_html
from .listings import first_page
from .nodes import kb_placeholder
from .page_renderer import renderer_for
from .print_pack import print_stamp_html
from .reading_list import reading_list_html
from .references import bibliography_index_html
from .render import Renderer
from .whats_new import living_facts, whats_new_html


def setup_placeholders(app: Sphinx) -> None:
    app.add_node(kb_placeholder)
    app.connect("doctree-resolved", fill_placeholders)


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
        return first_page(app, domain, r, docname, node)
    if kind in ("search", "explore"):
        root = r.url("index").removesuffix("index.html") or "./"
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
        return bibliography_index_html(app, domain, r)
    if kind == "reading-list":
        return reading_list_html(app, domain, r, docname, node)
    return None
