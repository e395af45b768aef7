"""Docutils nodes the extension puts in doctrees and fills in when a page is written."""

from __future__ import annotations

from docutils import nodes


class kb_placeholder(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """Stands where generated content goes; ``kind`` says what. Filled on doctree-resolved,
    when every document has been read, so listings and counts are never stale."""


class kb_cite(nodes.inline):  # noqa: N801
    """A citation of one or more bibliography keys; resolved by a post-transform. It holds
    its citation's text from when it was read, so a copy the post-transform never sees
    (a section title's, in the table of contents) is written as that text."""


class kb_reference(nodes.inline):  # noqa: N801
    """A reference's APA entry (a footnote citation's text), filled in when the page is
    written, so it follows the bibliography without the page being read again."""
