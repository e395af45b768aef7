"""Citing: the ``cite:p`` / ``cite:t`` roles, their resolution, reference lists, and
"cite this card"."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.domains import Domain
from sphinx.util.docutils import SphinxRole

from markupsafe import Markup

from .domain import KBDomain
from .model import Practice
from .nodes import kb_cite
from .render import Renderer


def setup_citing(app: Sphinx) -> None:
    app.add_node(kb_cite)
    app.add_domain(CiteDomain)


class CiteDomain(Domain):
    """Holds the roles only: ``{cite:p}`` and ``{cite:t}`` are looked up as domain roles.
    Citation data lives in the ``kb`` domain."""

    name = "cite"
    label = "Citations"

    def merge_domaindata(self, docnames: Any, otherdata: dict[str, Any]) -> None:
        pass  # no data of its own


class CiteRole(SphinxRole):
    """``{cite:p}`key1,key2``` -> (Author, Year; Author, Year); ``cite:t`` -> Author (Year)."""

    def __init__(self, narrative: bool):
        self.narrative = narrative

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        keys = [k.strip() for k in self.text.split(",") if k.strip()]
        node = kb_cite(self.rawtext, keys=keys, narrative=self.narrative)
        self.set_source_info(node)
        return [node], []


def card_csl(entry: Practice, permalink: str, publisher: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.key,
        "type": "webpage",
        "title": f"{entry.title} [Practice card {entry.key}]",
        "author": [{"literal": publisher}],
        "container-title": publisher,
        "URL": permalink,
    }
    if entry.date:
        item["issued"] = {"date-parts": [[entry.date.year, entry.date.month, entry.date.day]]}
    return item


def entry_footer(app: Sphinx, domain: KBDomain, r: Renderer, docname: str) -> str | None:
    entry = domain.entry_for(docname)
    if entry is None:
        return None
    citation_html = permalink = None
    if isinstance(entry, Practice):
        from .apa import format_csl_item

        permalink = app.config.html_baseurl.rstrip("/") + "/" + app.builder.get_target_uri(docname)
        citation_html = Markup(format_csl_item(card_csl(entry, permalink, app.config.project)))
    from .references import sources_html

    sources = sources_html(app, domain, r, docname)
    return r.render("entry_footer.html", entry=entry, sources_html=sources,
                    citation_html=citation_html, permalink=permalink)


CiteDomain.roles = {"p": CiteRole(narrative=False), "t": CiteRole(narrative=True)}
