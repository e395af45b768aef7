"""Pages that aggregate entries.

One mechanism per kind of page: listings inside authored pages (home, section indexes)
are directives leaving a placeholder that is filled on ``doctree-resolved``; a page per
tenet, focus area and level is generated on ``html-collect-pages`` from the vocabulary,
so adding a focus area to the vocabulary adds its page with no new source file.
Long listings are paged (listings.py); placeholders are filled by placeholders.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from equity_kb.core.model import ENTRY_TYPES, TYPE_LABELS
from equity_kb.core.ordering import DISPLAY_ORDER, sort_entries
from equity_kb.core.vocabulary import FACETS, KIND_NAMES

from ..entries.domain import kb_domain
from ..entries.nodes import kb_placeholder
from ..rendering.generated import only_changed
from ..rendering.outputs import connect_site
from ..rendering.page_renderer import renderer_for
from ..rendering.render import SECTION_TITLES, TERM_DIRS
from .gapmap import PARAM, GapMap

logger = logging.getLogger("equity_kb")

TERM_PAGE_LIMIT = 100


def setup_pages(app: Sphinx) -> None:
    for name, directive in DIRECTIVES.items():
        app.add_directive(name, directive)
    connect_site(
        app,
        "html-collect-pages",
        lambda app: only_changed(
            app, "terms", kb_domain(app.env).listing_inputs(), term_pages(app)
        ),
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
    (the search page's script on the site's static index, which it always uses)."""

    def run(self) -> list[nodes.Node]:
        return [kb_placeholder(kind="explore")]


DIRECTIVES: dict[str, type[SphinxDirective]] = {
    "kb-tenet-overview": TenetOverview,
    "kb-listing": Listing,
    "kb-terms": Terms,
    "kb-search": SearchBox,
    "kb-explore": Explore,
    "kb-gap-map": GapMap,
}


def term_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    """One page per tenet, focus area and level, listing everything tagged with it."""
    domain = kb_domain(app.env)
    entries = sort_entries(domain.all_entries())  # once: filtering keeps the order
    for kind in FACETS:
        for term in domain.vocabulary.terms.get(kind, ()):
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
