"""The bibliography in a book (``rendering/outputs``): the website's A-Z pages are not
written there, so the ``kb-bibliography`` page lists every reference itself, in APA with
its annotation, tags and where it is cited, each with the anchor ``ref-<key>`` that the
citations link to; reading lists, a page's sources and "Cite this card" as nodes.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from equity_kb.core.model import Practice, Reference
from equity_kb.core.ordering import sort_entries

from ..entries.domain import KBDomain
from ..entries.nodes import kb_placeholder
from ..rendering.book_nodes import doc_uri, html_inline, link, para, rubric, tags_para
from .citing import card_permalink
from .reading_list import EMPTY, reading_list_refs
from .references import initial, ref_uri


def apa_para(domain: KBDomain, ref: Reference, ids: list[str] | None = None) -> nodes.paragraph:
    p = para(*html_inline(domain.data["apa_html"].get(ref.key, "")), classes=["kb-apa"])
    if ids:
        p["ids"] = ids
    return p


def bibliography_book(app: Sphinx, domain: KBDomain, docname: str) -> list[nodes.Node]:
    """Every reference, grouped by the letter of its first author (as the A-Z pages)."""
    refs = sort_entries(domain.references.values())
    incomplete = sum(1 for ref in refs if ref.incomplete)
    out: list[nodes.Node] = [
        para(
            f"{len(refs):,} references"
            + (
                f", of which {incomplete} are incomplete (only some details are known; "
                "each says where its details came from)."
                if incomplete
                else "."
            )
        )
    ]
    citing = domain.citing_docs()
    letter = None
    for ref in refs:
        if initial(ref) != letter:
            letter = initial(ref)
            out.append(rubric(letter.upper()))
        out.append(nodes.target("", "", ids=[f"ref-{ref.key}"]))
        out.append(apa_para(domain, ref))
        if ref.annotation:
            out.append(para(ref.annotation, classes=["kb-annotation"]))
        meta: list[nodes.Node | str] = ["Key ", nodes.literal(ref.key, ref.key), "."]
        if ref.evidence_kind:
            meta.append(f" Evidence: {domain.vocabulary.label('evidence', ref.evidence_kind)}.")
        if ref.incomplete:
            meta.append(f" Incomplete: no {', '.join(ref.missing)} known.")
        if ref.provenance:
            meta.append(f" Details from: {ref.provenance}")
        out.append(para(*meta))
        tags = tags_para(ref, domain.vocabulary)
        if tags is not None:
            out.append(tags)
        docs = citing.get(ref.key, [])
        if docs:
            cited: list[nodes.Node | str] = ["Cited in: "]
            for i, doc in enumerate(docs):
                entry = domain.entry_for(doc)
                title = entry.full_title if entry else doc
                cited += ["; " if i else "", link(title, doc_uri(app.builder, docname, doc))]
            out.append(para(*cited))
    return out


def reading_list_book(
    app: Sphinx, domain: KBDomain, docname: str, node: kb_placeholder
) -> list[nodes.Node]:
    chosen = reading_list_refs(domain, docname, node)
    if not chosen:
        return [para(EMPTY)]
    return [reference_items(app, domain, docname, chosen)]


def reference_items(
    app: Sphinx, domain: KBDomain, docname: str, refs: list[Reference]
) -> nodes.bullet_list:
    """A list of references in APA, each linked to its entry in the bibliography."""
    out = nodes.bullet_list(classes=["kb-reference-list"])
    for ref in refs:
        item = nodes.list_item()
        line = apa_para(domain, ref)
        uri = ref_uri(app.builder, domain, docname, ref.key)
        if uri:
            label = "Annotation" if ref.annotation else "Entry"
            line += [nodes.Text(" "), link(label, uri)]
        item += line
        out += item
    return out


def entry_footer_book(app: Sphinx, domain: KBDomain, docname: str) -> list[nodes.Node]:
    """A card's or brief's sources, and a card's "Cite this card" line and permalink."""
    entry = domain.entry_for(docname)
    if entry is None:
        return []
    out: list[nodes.Node] = []
    keys = [k for k in domain.cited_keys(docname) if k in domain.references]
    if keys:
        out.append(rubric("Sources" if isinstance(entry, Practice) else "References"))
        refs = sort_entries([domain.references[k] for k in keys])
        out.append(reference_items(app, domain, docname, refs))
    if isinstance(entry, Practice):
        line = domain.data["card_citations"].get(entry.key, ("", ""))[1]
        permalink = card_permalink(app, docname)
        out += [
            rubric("Cite this card"),
            para(*html_inline(line), classes=["kb-citation"]),
            para("Permalink: ", link(permalink, permalink)),
        ]
    return out
