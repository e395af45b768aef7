"""The renderer for one page being written: its links made relative to that page."""

from __future__ import annotations

import functools

from sphinx.application import Sphinx

from equity_kb.core.model import Entry

from ..entries.domain import kb_domain
from .render import Renderer


def renderer_for(app: Sphinx, pagename: str) -> Renderer:
    builder = app.builder
    domain = kb_domain(app.env)

    @functools.cache  # a bibliography page links the same term pages thousands of times
    def url(target: str) -> str:
        # Sphinx gives '' for a link to the page itself; a link must still go somewhere.
        return (
            builder.get_relative_uri(pagename, target)
            or builder.get_target_uri(target).rsplit("/", 1)[-1]
        )

    def entry_url(entry: Entry) -> str:
        if entry.docname:
            return url(entry.docname)
        page = domain.data.get("ref_pages", {}).get(entry.key, "bibliography")
        return url(page) + f"#ref-{entry.key}"

    return Renderer(domain.vocabulary, url, entry_url)
