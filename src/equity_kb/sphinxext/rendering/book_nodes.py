"""Docutils nodes for a book (see ``outputs``): what the website shows as HTML, given to
every other builder as paragraphs, lists, tables and links it can write itself.

Links go to documents through the builder (``get_relative_uri``), so they resolve in
LaTeX (``%doc#id``), EPUB (``doc.xhtml``), singlehtml (``#document-doc``) and are
dropped, as their text, by the plain-text builders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from typing import TypeAlias

from docutils import nodes
from sphinx.builders import Builder
from sphinx.errors import NoUri

from equity_kb.core.model import Entry
from equity_kb.core.vocabulary import FACETS, KIND_NAMES, Vocabulary

Inline: TypeAlias = "nodes.Node | str"


def text_of(part: Inline) -> nodes.Node:
    return nodes.Text(part) if isinstance(part, str) else part


def para(*parts: Inline, classes: Sequence[str] = ()) -> nodes.paragraph:
    p = nodes.paragraph(classes=list(classes))
    p.extend(text_of(part) for part in parts if part != "")
    return p


def link(text: str | Sequence[nodes.Node], refuri: str | None) -> nodes.Node:
    """A link, or the text alone where there is nowhere to go."""
    children = [nodes.Text(text)] if isinstance(text, str) else list(text)
    if not refuri:
        return nodes.inline("", "", *children)
    return nodes.reference("", "", *children, refuri=refuri, internal=not _external(refuri))


def _external(uri: str) -> bool:
    return "://" in uri or uri.startswith("mailto:")


def bullets(items: Iterable[nodes.Node | Sequence[nodes.Node]]) -> nodes.bullet_list:
    out = nodes.bullet_list()
    for item in items:
        li = nodes.list_item()
        li.extend([item] if isinstance(item, nodes.Node) else list(item))
        out += li
    return out


def facts(rows: Iterable[tuple[str, Sequence[Inline]]]) -> nodes.definition_list:
    """A list of labelled facts (the website's ``dl.kb-facts``)."""
    dl = nodes.definition_list(classes=["kb-facts"])
    for label, value in rows:
        item = nodes.definition_list_item()
        item += nodes.term(label, label)
        item += nodes.definition("", para(*value))
        dl += item
    return dl


def tags_para(entry: Entry, vocabulary: Vocabulary) -> nodes.paragraph | None:
    """An entry's tags in words: "Tenets: Practice, Data. Levels: District." (the
    website's badges, which link to tag pages a book does not have)."""
    parts = []
    for kind in FACETS:
        labels = [vocabulary.label(kind, t) for t in getattr(entry, kind)]
        if labels:
            name = KIND_NAMES[kind].capitalize() + ("s" if len(labels) > 1 else "")
            parts.append(f"{name}: {', '.join(labels)}.")
    return para(" ".join(parts), classes=["kb-tags"]) if parts else None


def rubric(text: str) -> nodes.rubric:
    """A heading that is not a section: it adds nothing to the table of contents."""
    return nodes.rubric(text, text)


def table(
    header: Sequence[str], rows: Sequence[Sequence[Inline]], stub: bool = True
) -> nodes.table:
    """A plain table; the first column is the rows' heading when ``stub``."""
    tbl = nodes.table()
    group = nodes.tgroup(cols=len(header))
    tbl += group
    for _ in header:
        group += nodes.colspec(colwidth=1, stub=0)
    if stub and header:
        group.children[0]["stub"] = 1
    head = nodes.thead()
    head += _row(header)
    group += head
    body = nodes.tbody()
    for row in rows:
        body += _row(row)
    group += body
    return tbl


def _row(cells: Sequence[Inline]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += para(cell)
        row += entry
    return row


def doc_uri(builder: Builder, fromdoc: str, todoc: str, anchor: str = "") -> str:
    """A link from one document to another (and an anchor in it), as the builder writes
    links: singlehtml's ``#document-x`` gives way to the anchor, on its one page; "" for
    a document the book does not hold (``link`` then keeps the text alone)."""
    try:
        uri = builder.get_relative_uri(fromdoc, todoc)
    except NoUri:  # a document the book leaves out (LaTeX's, outside every toctree)
        return ""
    if not anchor:
        return uri or "#"
    base = uri.split("#", 1)[0]
    return f"{base}#{anchor}"


class _Fragment(HTMLParser):
    """A fragment of the site's own HTML (an APA line: ``<i>``, ``<a href>``) as inline
    nodes. Every piece of text is kept; a tag it does not know keeps its text."""

    TAGS = {
        "i": nodes.emphasis,
        "em": nodes.emphasis,
        "b": nodes.strong,
        "strong": nodes.strong,
        "sup": nodes.superscript,
        "sub": nodes.subscript,
        "code": nodes.literal,
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = nodes.inline()
        self.stack: list[tuple[str, nodes.Element]] = [("", self.root)]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            node: nodes.Element = nodes.reference("", "", refuri=href) if href else nodes.inline()
        elif tag in self.TAGS:
            node = self.TAGS[tag]()
        else:
            node = nodes.inline()  # <span> and the like: only their text matters
        self.stack[-1][1].append(node)
        self.stack.append((tag, node))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1][1].append(nodes.Text(data))


def html_inline(fragment: str) -> list[nodes.Node]:
    """Inline nodes for a fragment of the site's HTML."""
    parser = _Fragment()
    parser.feed(fragment)
    parser.close()
    return list(parser.root.children)
