"""Citing: the ``cite`` roles (sphinxcontrib-bibtex's and Jupyter Book's names and
pre-/post-text), their resolution, reference lists, and "cite this card"."""

from __future__ import annotations

import json
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.domains import Domain

from equity_kb.core.citable import entry_csl
from equity_kb.core.citations import FORMS, parse_cites
from equity_kb.core.model import Practice

from ..entries.domain import KBDomain, kb_domain
from ..entries.nodes import kb_cite, kb_reference
from ..rendering.render import Renderer
from .in_text import CitationRole, Cites, ResolveCitations, citation, plain_text
from .references import ref_uri, sources_html
from .result_export import card_download_links, entry_permalink


def setup_citing(app: Sphinx) -> None:
    app.add_node(kb_cite)
    app.add_node(kb_reference)
    app.add_domain(CiteDomain)
    # ``{cite}`` alone, as Jupyter Book and sphinxcontrib-bibtex write it: parenthetical.
    app.add_role("cite", CiteRole("p"))
    app.connect("env-updated", format_card_citations)
    app.add_post_transform(ResolveCitations)


class CiteDomain(Domain):
    """Holds the roles only: ``{cite:p}`` and ``{cite:t}`` are looked up as domain roles.
    Citation data lives in the ``kb`` domain."""

    name = "cite"
    label = "Citations"

    def merge_domaindata(self, docnames: Any, otherdata: dict[str, Any]) -> None:
        pass  # no data of its own

    def resolve_any_xref(
        self,
        env: Any,
        fromdocname: str,
        builder: Any,
        target: str,
        node: Any,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.Element]]:
        """``:any:`key``` (or ``key1,key2``) and MyST's ``[text](key)``: the citation, as
        ``{cite:p}`` gives it, or the text written, linked to the reference."""
        domain = kb_domain(env)
        try:
            cites = parse_cites(target)
        except ValueError:
            return []
        if not cites or any(domain.cited_reference(key) is None for _, key, _ in cites):
            return []

        def uri_for(key: str) -> str | None:
            return ref_uri(builder, domain, fromdocname, key)

        if node.get("refexplicit"):
            first = domain.cited_reference(cites[0][1])
            uri = uri_for(first.key) if first else None
            if uri is None:
                return [("cite:p", contnode)]
            link = nodes.reference("", "", contnode, refuri=uri, internal=True)
            return [("cite:p", link)]
        cite = kb_cite(
            target,
            keys=[key for _, key, _ in cites],
            notes=[[pre, post] for pre, _, post in cites],
            form="p",
            narrative=False,
        )
        # No preview: only the cite roles give a page its previews.
        group, _ = citation(domain, cite, uri_for, site=False, warn=False)
        return [("cite:p", group)]


class CiteRole(CitationRole):
    """``{cite:p}`key1,key2``` -> (Author, Year; Author, Year); ``cite:t`` -> Author (Year);
    the other FORMS as sphinxcontrib-bibtex has them. Each key may carry its own pre- and
    post-text, sphinxcontrib-bibtex's way: ``{cite:p}`{see}bowman2021{p. 12}```
    -> (see Bowman et al., 2021, p. 12)."""

    def cite(self, cites: Cites) -> list[nodes.Node]:
        node = kb_cite(
            self.rawtext,
            keys=[key for _, key, _ in cites],
            notes=[[pre, post] for pre, _, post in cites],
            form=self.form,
            narrative=self.form in ("t", "ts", "ct", "cts"),
        )
        self.set_source_info(node)
        node += nodes.Text(plain_text(kb_domain(self.env), node))
        return [node]


def card_csl(entry: Practice, permalink: str, publisher: str) -> dict[str, Any]:
    """The card's CSL item: the one its meta tags, downloads and exports also use."""
    return entry_csl(entry, permalink, publisher)


card_permalink = entry_permalink


def format_card_citations(app: Sphinx, env: Any) -> None:
    """APA lines for every card, formatted in one batch after reading; a card whose
    citation data did not change keeps its line (citeproc-py is slow per item)."""
    from equity_kb.core.apa import format_csl_items

    domain = kb_domain(env)
    old: dict[str, tuple[str, str]] = domain.data.get("card_citations", {})
    items = {
        e.key: card_csl(e, card_permalink(app, e.docname or ""), app.config.project)
        for e in domain.doc_entries()
        if isinstance(e, Practice)
    }
    digests = {k: json.dumps(item, sort_keys=True) for k, item in items.items()}
    todo = [k for k in items if old.get(k, ("", ""))[0] != digests[k]]
    fresh = dict(zip(todo, format_csl_items([items[k] for k in todo]), strict=True))
    # A new dict, never the pickled one mutated in place.
    domain.data["card_citations"] = {
        k: (digests[k], fresh[k] if k in fresh else old[k][1]) for k in items
    }


def entry_footer(app: Sphinx, domain: KBDomain, r: Renderer, docname: str) -> str | None:
    entry = domain.entry_for(docname)
    if entry is None:
        return None
    citation_html = permalink = downloads = None
    if isinstance(entry, Practice):
        permalink = card_permalink(app, docname)
        citation_html = Markup(domain.data["card_citations"].get(entry.key, ("", ""))[1])
        downloads = card_download_links(app, docname, entry.key)  # result_export writes them
    sources = sources_html(app, domain, r, docname)
    return r.render(
        "entry_footer.html",
        entry=entry,
        sources_html=sources,
        citation_html=citation_html,
        permalink=permalink,
        downloads=downloads,
    )


CiteDomain.roles = {form: CiteRole(form) for form in FORMS}
