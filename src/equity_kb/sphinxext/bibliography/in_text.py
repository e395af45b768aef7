"""In-text citations as nodes: every role of sphinxcontrib-bibtex, in APA 7.

Each form is one row of ``FORMS``: what it shows of a work (author and date, the author
in running text, the date, the author alone, or nothing), whether the group is in
parentheses, whether its first letter is a capital (a sentence begins with it), and
whether every author is named. sphinxcontrib-bibtex's label roles give the APA in-text
citation, since APA has no labels. The same function makes the linked citation when a
page is written and its plain text when the page is read, so a copy of a citation (a
section title's, in the table of contents) reads the same with no link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from equity_kb.core.citations import parse_cites
from equity_kb.core.crosscheck import unknown_key
from equity_kb.core.model import Reference
from equity_kb.core.ordering import sort_name

from ..entries.domain import KBDomain, kb_domain
from ..entries.nodes import kb_cite, kb_reference
from ..rendering.book_nodes import html_inline
from ..rendering.outputs import writes_site
from .cite_previews import kb_cite_link, preview_id, previews_node
from .references import ref_uri

logger = logging.getLogger("equity_kb")

Show = Literal["both", "narrative", "year", "author", "nothing"]


@dataclass(frozen=True)
class Form:
    show: Show
    brackets: bool = False
    capital: bool = False
    every_author: bool = False


FORMS: dict[str, Form] = {
    "p": Form("both", brackets=True),
    "ps": Form("both", brackets=True, every_author=True),
    "alp": Form("both"),
    "alps": Form("both", every_author=True),
    "label": Form("both"),
    "labelpar": Form("both", brackets=True),
    "t": Form("narrative"),
    "ts": Form("narrative", every_author=True),
    "ct": Form("narrative", capital=True),
    "cts": Form("narrative", capital=True, every_author=True),
    "year": Form("year"),
    "yearpar": Form("year", brackets=True),
    "author": Form("author"),
    "authors": Form("author", every_author=True),
    "cauthor": Form("author", capital=True),
    "cauthors": Form("author", capital=True, every_author=True),
    "authorpar": Form("author", brackets=True),
    "authorpars": Form("author", brackets=True, every_author=True),
    "authorspar": Form("author", brackets=True, every_author=True),  # an older name
    "empty": Form("nothing"),
}

UriFor = Callable[[str], str | None]
Cites = list[tuple[str, str, str]]  # (pre-text, key, post-text) of each key


class CitationRole(SphinxRole):
    """A role citing keys in one form: its text read by ``core/citations`` (keys with
    pre- and post-text); text it cannot read is a warning at its line, kept as written."""

    def __init__(self, form: str):
        self.form = form

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        try:
            cites = parse_cites(self.text)
        except ValueError as err:
            msg = self.inliner.reporter.warning(
                f"citation {self.rawtext!r}: {err}", line=self.lineno
            )
            return [nodes.inline(self.rawtext, self.rawtext, classes=["kb-cite-unknown"])], [msg]
        return self.cite(cites), []

    def cite(self, cites: Cites) -> list[nodes.Node]:
        raise NotImplementedError


def citation(
    domain: KBDomain,
    node: kb_cite,
    uri_for: UriFor,
    site: bool,
    warn: bool,
) -> tuple[nodes.inline, list[Reference]]:
    """A ``kb_cite`` as its citation (links from ``uri_for``), and the works it cites."""
    from equity_kb.core import apa

    name = node.get("form") or ("t" if node["narrative"] else "p")
    form = FORMS.get(name, FORMS["p"])
    notes = node.get("notes") or [["", ""]] * len(node["keys"])
    cites = list(zip(node["keys"], notes, strict=True))
    refs = domain.references
    out = nodes.inline(classes=["kb-citation-group"])
    cited: list[Reference] = []
    if form.show == "both":
        cites = in_apa_order(cites, domain.cited_reference)
    parts: list[list[nodes.Node]] = []
    previous: tuple[str, str] | None = None  # the last cite's who, and its post-text
    for key, (pre, post) in cites:
        ref = domain.cited_reference(key)
        if ref is None:
            if warn:
                problem = unknown_key(key, refs, "", 0, "citation key")
                logger.warning(problem.message, location=node, type="kb", subtype=problem.code)
            parts.append([nodes.inline(text=key, classes=["kb-cite-unknown"])])
            previous = None
            continue
        cited.append(ref)
        if form.show == "nothing":
            continue
        uri = uri_for(ref.key)
        # Only author and date together run one author's works together.
        who = apa.cited(ref, every_author=form.every_author)[0] if form.show == "both" else ""
        if who and previous == (who, "") and not pre:
            # The same authors again: only the date, "(Quill, 2019, 2021a)" (8.12).
            same = Form("year", every_author=form.every_author)
            parts[-1].extend([nodes.Text(", "), *cite_part(apa, ref, same, "", post, uri, site)])
        else:
            parts.append(cite_part(apa, ref, form, pre, post, uri, site))
        previous = (who, post)
    if form.show == "nothing":
        return out, cited
    separator = "; " if form.brackets or form.show == "both" else ", "
    if form.brackets:
        out += nodes.Text("(")
    for i, part in enumerate(parts):
        if i:
            out += nodes.Text(separator)
        out.extend(part)
    if form.brackets:
        out += nodes.Text(")")
    if form.capital:
        capitalize_first(out)
    return out, cited


def capitalize_first(node: nodes.Element) -> None:
    """The first letter as a capital: a sentence begins with the citation ("De Vries")."""
    for text in node.findall(nodes.Text):
        value = str(text)
        for i, ch in enumerate(value):
            if ch.isalpha():
                if ch.islower():
                    text.parent.replace(text, nodes.Text(value[:i] + ch.upper() + value[i + 1 :]))
                return


def in_apa_order(
    cites: list[tuple[str, list[str]]], lookup: Callable[[str], Reference | None]
) -> list[tuple[str, list[str]]]:
    """The works of one parenthetical citation in the order APA 7 (8.12) and citeproc-js
    give them: by first author, then undated before dated, then by year; ties (and an
    unknown key) keep the order written."""

    def key(cite: tuple[str, list[str]]) -> tuple[object, ...]:
        ref = lookup(cite[0])
        if ref is None:
            return ("", 0, 0)
        family, given = sort_name(ref)
        return (family.casefold(), given.casefold(), ref.year is not None, ref.year or 0)

    return sorted(cites, key=key)


def cite_part(
    apa: Any, ref: Reference, form: Form, pre: str, post: str, uri: str | None, site: bool
) -> list[nodes.Node]:
    """One work of a citation in ``form``, with its pre- and post-text, as APA 7 places
    them: "see Bowman et al., 2021, p. 12" with the link on "Bowman et al., 2021";
    "Bowman et al. (2021, p. 12)" in running text, all of it the link."""
    narrative = form.show == "narrative"
    # In running text (the narrative forms, and an author named alone) "A and B".
    running = narrative or (form.show == "author" and not form.brackets)
    who, when = apa.cited(ref, narrative=running, every_author=form.every_author)
    head = [nodes.Text(pre + " ")] if pre else []
    tail = [nodes.Text(", " + post)] if post else []
    if narrative:  # the post-text goes inside the parentheses, with the year
        text = f"{who} ({when}{', ' + post if post else ''})"
        return [*head, _link(text, uri, ref.key, site)]
    if form.show == "year":
        text = when
    elif form.show == "author":
        text = who
    else:
        text = apa.who_when(who, when)
    return [*head, _link(text, uri, ref.key, site), *tail]


def _link(text: str, uri: str | None, key: str, site: bool) -> nodes.Node:
    """A citation's link: on the website described by its reference's preview; in a book
    a plain link to the reference (or its text, where there is nowhere to go)."""
    if uri is None:
        return nodes.inline(text, text, classes=["kb-cite"])
    if not site:
        return nodes.reference(text, text, refuri=uri, internal=True, classes=["kb-cite"])
    return kb_cite_link(text, text, refuri=uri, classes=["kb-cite"], preview=preview_id(key))


def plain_text(domain: KBDomain, node: kb_cite) -> str:
    """What the citation says, with no link and no warning (given when a page is read)."""
    group, _ = citation(domain, node, lambda key: None, site=False, warn=False)
    return group.astext()


class ResolveCitations(SphinxPostTransform):
    """Turn each citation into linked APA text; warn of unknown keys. On the website the
    page gets, at its end, one hidden preview of each work it cites (cite_previews)."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        domain = kb_domain(self.env)
        site = writes_site(self.app.builder)
        builder, docname = self.app.builder, self.env.docname

        def uri_for(key: str) -> str | None:
            return ref_uri(builder, domain, docname, key)

        cited: dict[str, Reference] = {}  # in order of first citation
        for node in list(self.document.findall(kb_cite)):
            group, refs = citation(domain, node, uri_for, site, warn=True)
            node.replace_self(group)
            for ref in refs:
                cited.setdefault(ref.key, ref)
        for entry in list(self.document.findall(kb_reference)):  # footnote citations
            apa_html = domain.data["apa_html"].get(entry["key"], "")
            entry.replace_self(html_inline(apa_html) or [nodes.Text(entry["key"])])
        if cited and site:
            self.document += previews_node(list(cited.values()), domain.data["apa_html"])
