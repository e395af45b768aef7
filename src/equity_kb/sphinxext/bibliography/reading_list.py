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

from pathlib import Path
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

from ..entries.config import bibliography_paths
from ..entries.domain import KBDomain, kb_domain
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


LIST_TYPES = ("citation", "bullet", "enumerated")


class ReadingList(SphinxDirective):
    has_content = True
    # sphinxcontrib-bibtex's argument: the .bib files (of bibtex_bibfiles) to list from.
    optional_arguments = 1
    final_argument_whitespace = True
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
        location = (self.env.docname, self.lineno)
        keys = _words(self.options.get("keys")) + _words("\n".join(self.content))
        tags = {f: _words(self.options.get(f)) for f in ("tenet", "focus", "level")}
        if "filter" in self.options:
            expression = self.options["filter"].strip()
            for clash in ("all", "notcited", "cited"):
                if clash in self.options:
                    logger.warning(
                        f"bibliography :filter: overrides :{clash}:",
                        location=location,
                        type="kb",
                        subtype="bibliography_option",
                    )
        elif "all" in self.options or (any(tags.values()) and "notcited" not in self.options):
            expression = "True"
        elif "notcited" in self.options:
            expression = "not cited"
        elif "keys" in self.options:  # ours: those keys only (content keys, as in
            expression = "False"  # sphinxcontrib-bibtex, add to what is cited)
        else:
            expression = "cited"
        try:
            parse_filter(expression)
        except FilterError as err:  # as sphinxcontrib-bibtex: the cited works instead
            logger.warning(
                f"bibliography :filter: {err}; the list shows the cited works instead",
                location=location,
                type="kb",
                subtype="bibliography_filter",
            )
            expression = "cited"
        files = self._files(location)
        prefix = self.options.get("keyprefix") or ""
        if prefix:
            domain = kb_domain(self.env)
            known = domain.data["keyprefixes"].get(self.env.docname, ())
            domain.set_doc("keyprefixes", self.env.docname, (*known, prefix))
        kind = self.options.get("list") or "citation"
        if kind not in LIST_TYPES:
            logger.warning(
                f"bibliography :list: {kind!r} is not a list type: use one of "
                f"{', '.join(LIST_TYPES)} (the list is shown as {LIST_TYPES[0]})",
                location=location,
                type="kb",
                subtype="bibliography_option",
            )
        if self.options.get("style"):
            say_once(
                self.env,
                "style",
                f"{self.env.doc2path(self.env.docname)}:{self.lineno}: bibliography :style: "
                f"{self.options['style']!r} is not used: every list here is APA 7",
            )
        node = kb_placeholder(
            kind="reading-list",
            keys=keys,
            tags=tags,
            filter=expression,
            files=files,
            keyprefix=prefix,
        )
        node.source, node.line = self.env.doc2path(self.env.docname), self.lineno
        return [node]

    def _files(self, location: tuple[str, int]) -> list[str] | None:
        """The .bib files named in the argument (None: every file), each checked."""
        if not self.arguments:
            return None
        configured = {p.resolve() for p in bibliography_paths(self.env.app)}
        files = []
        for name in self.arguments[0].split():
            path = Path(self.env.relfn2path(name)[1]).resolve()
            if path in configured:
                files.append(str(path))
            else:
                logger.warning(
                    f"bibliography file {name!r} is not one of the configured .bib files "
                    "(kb_bibliography or bibtex_bibfiles in conf.py)",
                    location=location,
                    type="kb",
                    subtype="bibliography_file",
                )
        return files


def say_once(env: Any, what: str, message: str) -> None:
    """An info message, once a build, for an option that cannot mean anything here."""
    said: set[str] = env.temp_data.setdefault("kb_said_once", set())
    if what not in said:
        said.add(what)
        logger.info(message)


def reading_list_refs(domain: KBDomain, docname: str, node: kb_placeholder) -> list[Reference]:
    """The references a reading list shows, in APA order (warning of unknown keys)."""
    refs = domain.references
    files = node.get("files")
    if files is not None:
        # Each .bib file's path resolved once, not once per reference.
        kept = {s for s in {r.source for r in refs.values()} if str(Path(s).resolve()) in files}
        refs = {k: r for k, r in refs.items() if r.source in kept}
    prefix = node.get("keyprefix") or ""
    chosen = []
    for key in node["keys"]:
        if key in refs:
            chosen.append(refs[key])
        else:
            problem = unknown_key(key, refs, "", 0, "bibliography key")
            logger.warning(problem.message, location=node, type="kb", subtype=problem.code)
    expr = parse_filter(node["filter"])  # checked when the page was read
    citing = domain.citing_docs()
    try:
        chosen += [
            ref
            for key, ref in refs.items()
            if matches(expr, Context(ref, docname, citing.get(prefix + key, ())))
        ]
    except FilterError as err:
        logger.warning(f"bibliography :filter: {err}", location=node, type="kb")
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
