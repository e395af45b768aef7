"""``{bibliography}``: a reading list on any page, as sphinxcontrib-bibtex's directive
writes one, chosen by keys, by tags or by its ``:filter:`` expressions.

- no option: every reference cited on some page (sphinxcontrib-bibtex's default,
  ``:filter: cited``); ``:notcited:`` the others; ``:all:`` every reference;
- keys, in the content or ``:keys:`` (commas or lines): those references;
- ``:filter:``: sphinxcontrib-bibtex's expressions (``docname in docnames`` for this
  page's citations, ``type == "article" and year >= "2020"``, ``author % "Bowman"``...),
  read by :mod:`equity_kb.core.reading_filter`, which evaluates nothing else;
- ``:tenet:``, ``:focus:``, ``:level:`` (commas: any of them) narrow whatever was chosen,
  or every reference if nothing else was asked.

The list is APA 7, each reference linked to its annotated entry. Filled when the page
is written, so it follows the bibliography; an unknown key or a filter that cannot be
read is a warning at the directive's line.
"""

from __future__ import annotations

from typing import Any

from docutils.parsers.rst import directives
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from equity_kb.core.crosscheck import unknown_key
from equity_kb.core.model import Reference
from equity_kb.core.ordering import sort_entries
from equity_kb.core.reading_filter import Context, FilterError, matches, parse_filter

from ..entries.domain import KBDomain
from ..entries.nodes import kb_placeholder
from ..rendering.render import Renderer
from .references import ref_uri

logger = logging.getLogger(__name__)


def setup_reading_list(app: Sphinx) -> None:
    # sphinxcontrib-bibtex's own directive wins if a project still loads it.
    if "bibliography" not in directives._directives:  # noqa: SLF001 - docutils' registry
        app.add_directive("bibliography", ReadingList)


def _words(text: str | None) -> list[str]:
    return [w.strip() for w in (text or "").replace("\n", ",").split(",") if w.strip()]


class ReadingList(SphinxDirective):
    has_content = True
    option_spec = {
        "keys": directives.unchanged,
        "all": directives.flag,
        "filter": directives.unchanged,
        "notcited": directives.flag,
        "cited": directives.flag,
        "tenet": directives.unchanged,
        "focus": directives.unchanged,
        "level": directives.unchanged,
        # sphinxcontrib-bibtex's options that change nothing here (one style, one list).
        "style": directives.unchanged,
        "labelprefix": directives.unchanged,
        "keyprefix": directives.unchanged,
        "list": directives.unchanged,
        "enumtype": directives.unchanged,
        "start": directives.unchanged,
    }

    def run(self) -> list[Any]:
        keys = _words(self.options.get("keys")) + _words("\n".join(self.content))
        tags = {f: _words(self.options.get(f)) for f in ("tenet", "focus", "level")}
        if "filter" in self.options:
            expression = self.options["filter"] or "True"
        elif "all" in self.options or (any(tags.values()) and "notcited" not in self.options):
            expression = "True"
        elif "notcited" in self.options:
            expression = "not cited"
        else:
            expression = "cited"
        try:
            parse_filter(expression)
        except FilterError as err:
            logger.warning(
                f"bibliography :filter: {err}; the list is left empty",
                location=(self.env.docname, self.lineno),
                type="kb",
                subtype="bibliography_filter",
            )
            expression = "False"
        node = kb_placeholder(kind="reading-list", keys=keys, tags=tags, filter=expression)
        node.source, node.line = self.env.doc2path(self.env.docname), self.lineno
        return [node]


def reading_list_refs(domain: KBDomain, docname: str, node: kb_placeholder) -> list[Reference]:
    """The references a reading list shows, in APA order (warning of unknown keys)."""
    refs = domain.references
    if node["keys"]:
        chosen = []
        for key in node["keys"]:
            if key in refs:
                chosen.append(refs[key])
            else:
                problem = unknown_key(key, refs, "", 0, "bibliography key")
                logger.warning(problem.message, location=node, type="kb", subtype=problem.code)
    else:
        expr = parse_filter(node["filter"])  # checked when the page was read
        citing = domain.citing_docs()
        try:
            chosen = [
                ref
                for key, ref in refs.items()
                if matches(expr, Context(ref, docname, citing.get(key, ())))
            ]
        except FilterError as err:
            logger.warning(f"bibliography :filter: {err}", location=node, type="kb")
            chosen = []
    wanted = node["tags"]
    for facet, attr in (("tenet", "tenets"), ("focus", "focus"), ("level", "levels")):
        if wanted.get(facet):
            chosen = [ref for ref in chosen if set(getattr(ref, attr)) & set(wanted[facet])]
    return sort_entries(list({ref.key: ref for ref in chosen}.values()))


EMPTY = "No references match this list."


def reading_list_html(
    app: Sphinx, domain: KBDomain, r: Renderer, docname: str, node: kb_placeholder
) -> Markup:
    chosen = reading_list_refs(domain, docname, node)
    if not chosen:
        return Markup(f'<p class="kb-reading-list-empty">{EMPTY}</p>')
    return r.render(
        "reference_list.html",
        refs=chosen,
        apa_html={ref.key: Markup(domain.data["apa_html"].get(ref.key, "")) for ref in chosen},
        ref_url=lambda ref: ref_uri(app.builder, domain, docname, ref.key),
        id_prefix="reading-",
    )
