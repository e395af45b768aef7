"""``{bibliography}``: a reading list on any page, as sphinxcontrib-bibtex's directive
writes one, chosen by keys or by tags.

- no option: the references this page cites (sphinxcontrib-bibtex's default);
- keys, in the content or ``:keys:`` (commas or lines): those references;
- ``:all:``: every reference; ``:tenet:``, ``:focus:``, ``:level:`` (commas: any of
  them) narrow whatever was chosen, or every reference if nothing was;
- ``:filter:`` for sphinxcontrib-bibtex's common cases: ``cited`` (cited on any page),
  ``docname in docnames`` (this page), ``all`` or ``True``.

The list is APA 7, each reference linked to its annotated entry. Filled when the page
is written, so it follows the bibliography; an unknown key or filter is a warning at
the directive's line.
"""

from __future__ import annotations

from typing import Any

from docutils.parsers.rst import directives
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from equity_kb.core.crosscheck import unknown_key
from equity_kb.core.ordering import sort_entries

from .domain import KBDomain
from .nodes import kb_placeholder
from .references import ref_uri
from .render import Renderer

logger = logging.getLogger(__name__)

FILTERS = {"cited": "cited", "docname in docnames": "page", "all": "all", "true": "all"}


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
        choose = "page"
        if "all" in self.options:
            choose = "all"
        if "filter" in self.options:
            wanted = " ".join(self.options["filter"].split()).lower()
            if wanted not in FILTERS:
                logger.warning(
                    f"bibliography :filter: {self.options['filter']!r} is not one this "
                    f"site reads; write one of {', '.join(repr(f) for f in FILTERS)}, or "
                    "give the keys or :tenet:/:focus:/:level:",
                    location=(self.env.docname, self.lineno),
                    type="kb",
                    subtype="bibliography_filter",
                )
            choose = FILTERS.get(wanted, "page")
        tags = {f: _words(self.options.get(f)) for f in ("tenet", "focus", "level")}
        if keys:
            choose = "keys"
        elif any(tags.values()) and choose == "page" and "filter" not in self.options:
            choose = "all"
        node = kb_placeholder(kind="reading-list", choose=choose, keys=keys, tags=tags)
        node.source, node.line = self.env.doc2path(self.env.docname), self.lineno
        return [node]


def reading_list_html(
    app: Sphinx, domain: KBDomain, r: Renderer, docname: str, node: kb_placeholder
) -> Markup:
    refs = domain.references
    choose = node["choose"]
    if choose == "keys":
        chosen = []
        for key in node["keys"]:
            if key in refs:
                chosen.append(refs[key])
            else:
                problem = unknown_key(key, refs, "", 0, "bibliography key")
                logger.warning(problem.message, location=node, type="kb", subtype=problem.code)
    elif choose == "all":
        chosen = list(refs.values())
    elif choose == "cited":
        chosen = [refs[k] for k in domain.citing_docs() if k in refs]
    else:
        chosen = [refs[k] for k in domain.cited_keys(docname) if k in refs]
    wanted = node["tags"]
    for facet, attr in (("tenet", "tenets"), ("focus", "focus"), ("level", "levels")):
        if wanted.get(facet):
            chosen = [ref for ref in chosen if set(getattr(ref, attr)) & set(wanted[facet])]
    if not chosen:
        return Markup('<p class="kb-reading-list-empty">No references match this list.</p>')
    return r.render(
        "reference_list.html",
        refs=sort_entries(list({ref.key: ref for ref in chosen}.values())),
        apa_html={ref.key: Markup(domain.data["apa_html"].get(ref.key, "")) for ref in chosen},
        ref_url=lambda ref: ref_uri(app.config, domain, docname, ref.key),
        id_prefix="reading-",
    )
