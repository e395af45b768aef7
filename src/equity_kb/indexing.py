"""Search at build end: the Whoosh index and the static catalog, from the domain.

The index is synchronised, not rebuilt: ``sync_index`` compares each entry's digest
with the current generation and writes only what changed, then swaps the new generation
in atomically. The catalog (every entry's title, URL and tags) lets the search and
explore pages filter by facet on plain static hosting, with no search service.
"""

from __future__ import annotations

import html
import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

from .domain import KBDomain, kb_domain

logger = logging.getLogger("equity_kb")
TAGS = re.compile(r"<[^>]+>")


def setup_indexing(app: Sphinx) -> None:
    app.connect("build-finished", write_search_index, priority=800)


def index_documents(app: Sphinx, domain: KBDomain) -> list[dict[str, Any]]:
    from .search.documents import search_document  # Whoosh loads only when needed

    builder = app.builder
    docs = []
    for entry in domain.doc_entries():
        docname = entry.docname or ""
        docs.append(
            search_document(
                entry,
                body=domain.data["texts"].get(docname, ""),
                url=builder.get_target_uri(docname),
            )
        )
    pages: dict[str, str] = domain.data.get("ref_pages", {})
    citations: dict[str, str] = domain.data.get("apa_html", {})
    for ref in domain.references.values():
        url = builder.get_target_uri(pages[ref.key]) + f"#ref-{ref.key}"
        # The body is the formatted citation (journal, publisher...); the annotation is
        # indexed from the entry itself.
        body = html.unescape(TAGS.sub("", citations.get(ref.key, "")))
        docs.append(search_document(ref, body=body, url=url))
    return docs


def write_search_index(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from .search.documents import facet_labels
    from .search.indexer import publish_search

    domain = kb_domain(app.env)
    docs = index_documents(app, domain)
    labels = facet_labels(domain.vocabulary)
    shown = {"at": -1}

    def progress(done: int, total: int) -> None:
        # Like Sphinx's own progress lines: a line per tenth, only for long runs.
        step = 10 * done // max(total, 1)
        if total >= 500 and step != shown["at"]:
            shown["at"] = step
            logger.info(f"indexing for search... [{100 * done // total:3d}%] {done}/{total}")

    stats = publish_search(app.outdir, docs, labels=labels, progress=progress)
    if stats.unchanged:
        logger.info("search index: up to date")
    else:
        how = "rebuilt" if stats.rebuilt else f"{stats.upserted} updated, {stats.deleted} removed"
        logger.info(f"search index: {stats.documents} entries ({how}) in {stats.seconds:.2f} s")
