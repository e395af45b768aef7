"""Footnote citations, as sphinxcontrib-bibtex writes them: ``footcite`` (and its forms
``p``, ``ps``, ``t``, ``ts``, ``ct``, ``cts``) marks a footnote whose text is the work's
APA reference; ``footbibliography`` puts the footnotes cited since the last one there.

Made when the page is read, as docutils footnotes, so every builder numbers and links
them itself (HTML, LaTeX's ``\\footnote``, EPUB, text). A work cited twice before the
same ``footbibliography`` has one footnote. The narrative forms name the authors in
running text before the mark: "Bowman et al.¹"; pre- and post-text stand around it.
"""

from __future__ import annotations

from typing import Any, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.domains import Domain
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_id

from equity_kb.core.crosscheck import unknown_key

from ..entries.domain import kb_domain
from ..rendering.book_nodes import html_inline
from .in_text import FORMS, CitationRole, Cites, capitalize_first

logger = logging.getLogger(__name__)

FOOT_FORMS = ("p", "ps", "t", "ts", "ct", "cts")
PENDING = "kb_footcite_pending"  # env.temp_data: footnotes not yet placed on this page
PLACED = "kb_footcite_placed"  # keys whose footnote is placed or pending
NAMES = "kb_footcite_names"  # key -> the footnote's name


def setup_footcite(app: Sphinx) -> None:
    app.add_domain(FootCiteDomain)
    app.add_role("footcite", FootCiteRole("p"))
    # sphinxcontrib-bibtex's own directive wins if a project still loads it.
    if "footbibliography" not in directives._directives:  # noqa: SLF001 - docutils' registry
        app.add_directive("footbibliography", FootBibliography)


class FootCiteDomain(Domain):
    """Holds the roles only: ``{footcite:t}`` is looked up as a domain role."""

    name = "footcite"
    label = "Footnote citations"

    def merge_domaindata(self, docnames: Any, otherdata: dict[str, Any]) -> None:
        pass  # no data of its own

    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []  # a key is resolved by the cite domain (citing.CiteDomain)


class FootCiteRole(CitationRole):
    """``{footcite:t}`key``` and its forms: a footnote mark (with the authors first in the
    narrative forms), its footnote added to what the next ``footbibliography`` places."""

    def cite(self, cites: Cites) -> list[nodes.Node]:
        from equity_kb.core import apa

        domain = kb_domain(self.env)
        refs = domain.references
        form = FORMS[self.form]
        temp = self.env.temp_data
        pending = cast(nodes.container, temp.setdefault(PENDING, nodes.container()))
        placed = cast(set[str], temp.setdefault(PLACED, set()))
        names = cast(dict[str, str], temp.setdefault(NAMES, {}))
        document = self.inliner.document
        out: list[nodes.Node] = []
        for i, (pre, key, post) in enumerate(cites):
            if i:
                out.append(nodes.Text(", "))
            ref = refs.get(key)
            if ref is None:
                problem = unknown_key(key, refs, "", 0, "citation key")
                logger.warning(
                    problem.message,
                    location=(self.env.docname, self.lineno),
                    type="kb",
                    subtype=problem.code,
                )
                out.append(nodes.inline(key, key, classes=["kb-cite-unknown"]))
                continue
            if key not in placed:
                note = nodes.footnote(auto=1)
                name = make_id(self.env, document, "footcite", key)
                note["names"].append(name)
                names[key] = name
                note += nodes.paragraph("", "", *html_inline(domain.data["apa_html"].get(key, "")))
                document.note_autofootnote(note)
                document.note_explicit_target(note, note)
                pending += note
                placed.add(key)
            mark = nodes.footnote_reference(auto=1, refname=names[key], kb_key=key)
            document.note_autofootnote_ref(mark)
            document.note_footnote_ref(mark)
            if pre:
                out.append(nodes.Text(pre + " "))
            if form.show == "narrative":
                who = apa.cited(ref, narrative=True, every_author=form.every_author)[0]
                named = nodes.inline("", who)
                if form.capital:
                    capitalize_first(named)
                out.append(named)
            out.append(mark)
            if post:
                out.append(nodes.Text(", " + post))
        group = nodes.inline("", "", *out, classes=["kb-footcite"])
        self.set_source_info(group)
        return [group]


class FootBibliography(SphinxDirective):
    """The footnotes of the works cited since the last ``footbibliography`` on the page."""

    def run(self) -> list[nodes.Node]:
        pending: nodes.container | None = self.env.temp_data.pop(PENDING, None)
        if pending is None or not pending.children:
            return []
        pending["classes"].append("kb-footbibliography")
        pending["ids"].append(make_id(self.env, self.state.document, "footbibliography"))
        self.state.document.note_explicit_target(pending, pending)
        return [pending]


FootCiteDomain.roles = {form: FootCiteRole(form) for form in FOOT_FORMS}
