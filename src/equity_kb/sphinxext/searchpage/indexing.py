"""Search at build end: the Whoosh index and the static (Pagefind) index, from the domain.

The index is synchronised, not rebuilt: each entry has a stamp (when its page was
read; the .bib digest for a reference), and only entries whose stamp changed are made
into documents and compared with the current generation (``search.stamps``); what
changed is written and the new generation swapped in atomically. The static index
(search.static_index) lets the search and Explore pages search the full text, with
facets, on plain static hosting with no search service; it is rewritten, in a thread
beside the Whoosh update, only when some entry's document changed.

When the references alone call for a clean index (a first build, or most references
changed), their part is written ahead: a child process starts on them as soon as they
are loaded, beside APA formatting and page writing, and the build end adds the briefs
and cards to it.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.application import Sphinx
from sphinx.util import logging

from equity_kb.core import background
from equity_kb.search.static_index import StaticIndexError

from ..entries.domain import KBDomain, kb_domain
from ..rendering.outputs import writes_site
from ..safety.write_errors import report_write_error

if TYPE_CHECKING:
    from equity_kb.search.stamps import Sources

logger = logging.getLogger("equity_kb")
JOB = "search index"
# Below this many references, writing them ahead saves less than starting a process.
PREBUILD_MIN_REFERENCES = 1000


def setup_indexing(app: Sphinx) -> None:
    app.connect("kb-references-loaded", prebuild_reference_index)
    app.connect("build-finished", write_search_index, priority=800)


def entry_documents(
    app: Sphinx, domain: KBDomain, keys: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """A document per brief and card (of ``keys`` only, if given)."""
    from equity_kb.search.documents import search_document  # Whoosh loads only when needed

    get_uri = app.builder.get_target_uri
    return [
        search_document(
            entry,
            body=domain.data["texts"].get(entry.docname or "", ""),
            url=get_uri(entry.docname or ""),
            evidence=card_kinds(entry, domain),
        )
        for entry in domain.doc_entries()
        if keys is None or entry.key in keys
    ]


def card_kinds(entry: Any, domain: KBDomain) -> tuple[str, ...]:
    """The kinds of evidence of a card's sources (nothing for a brief)."""
    from equity_kb.core.evidence_summary import evidence_kinds
    from equity_kb.core.model import Practice

    if not isinstance(entry, Practice):
        return ()
    return tuple(evidence_kinds(entry, domain.references))


def reference_documents(
    app: Sphinx, domain: KBDomain, keys: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """A document per reference (of ``keys`` only, if given), from the references alone
    (not their formatted citations): ready as soon as the .bib files are loaded."""
    from equity_kb.search.documents import reference_body, search_document

    return [
        search_document(ref, body=reference_body(ref), url=reference_url(app, domain, ref.key))
        for ref in domain.references.values()
        if keys is None or ref.key in keys
    ]


def reference_url(app: Sphinx, domain: KBDomain, key: str) -> str:
    return app.builder.get_target_uri(domain.data["ref_pages"][key]) + f"#ref-{key}"


def index_sources(app: Sphinx, domain: KBDomain) -> Sources:
    """Every entry's stamp, and how to make the documents of some of them.

    A brief or card's document comes from its page as last read, so the stamp is when
    Sphinx read it (``env.all_docs``) and its URL. A reference's comes from the .bib
    files and the vocabulary, which ``bib_digest`` covers, and its URL."""
    from equity_kb.search.stamps import Sources

    get_uri = app.builder.get_target_uri
    read_at = app.env.all_docs
    stamps: dict[str, str] = {}
    for entry in domain.doc_entries():
        docname = entry.docname or ""
        # A card's kinds of evidence are its sources': a source's edit changes its document.
        kinds = " ".join(card_kinds(entry, domain))
        stamps.setdefault(entry.key, f"{read_at.get(docname)} {get_uri(docname)} {kinds}")
    bib = domain.data["bib_digest"]
    for key in domain.references:
        stamps.setdefault(key, f"{bib} {reference_url(app, domain, key)}")

    def make(keys: Collection[str]) -> list[dict[str, Any]]:
        wanted = set(keys)
        return entry_documents(app, domain, wanted) + reference_documents(app, domain, wanted)

    return Sources(stamps, make)


def ahead_folder(app: Sphinx) -> Path:
    """Where this build writes the references' index ahead."""
    from equity_kb.search.indexer import prebuild_dir
    from equity_kb.search.layout import index_dir

    return prebuild_dir(index_dir(app.outdir))


def prebuild_reference_index(app: Sphinx, domain: KBDomain) -> None:
    if not writes_site(app.builder) or len(domain.references) < PREBUILD_MIN_REFERENCES:
        return
    from equity_kb.search.generations import current_generation
    from equity_kb.search.indexer import needs_rebuild, prebuild, would_rebuild
    from equity_kb.search.layout import index_dir

    root = index_dir(app.outdir)
    changed = len(domain.data.get("changed_keys", ()))
    if not would_rebuild(changed, len(domain.references)) and current_generation(root):
        return  # a few references edited: the build's end updates them in the index

    def docs() -> list[dict[str, Any]]:
        return reference_documents(app, domain)

    if needs_rebuild(root, docs):
        # The child makes the documents too: it has the references (forked), and the
        # build's own process has the formatting to get on with.
        background.start(app, JOB, prebuild, ahead_folder(app), docs)


def write_search_index(app: Sphinx, exception: BaseException | None) -> None:
    job = background.take(app, JOB)
    if exception is not None or not writes_site(app.builder):
        if job is not None:
            job.stop()
            shutil.rmtree(ahead_folder(app), ignore_errors=True)
        return
    from equity_kb.search.documents import facet_labels
    from equity_kb.search.stamps import publish_sources

    domain = kb_domain(app.env)
    labels = facet_labels(domain.vocabulary)
    shown = {"at": -1}

    def progress(done: int, total: int) -> None:
        # Like Sphinx's own progress lines: a line per tenth, only for long runs.
        step = 10 * done // max(total, 1)
        if total >= 500 and step != shown["at"]:
            shown["at"] = step
            logger.info(f"indexing for search... [{100 * done // total:3d}%] {done}/{total}")

    prebuilt = None
    if job is not None:
        folder = ahead_folder(app)
        if job.wait():
            prebuilt = folder
        else:  # its traceback is on stderr; the index is written here instead
            logger.info("search index: writing the references ahead failed")
            shutil.rmtree(folder, ignore_errors=True)
    sources = index_sources(app, domain)
    try:
        stats = publish_sources(
            app.outdir, sources, labels=labels, progress=progress, prebuilt=prebuilt
        )
    except (OSError, StaticIndexError) as err:  # a full disk, a read-only folder
        from equity_kb.search.generations import current_generation
        from equity_kb.search.layout import index_dir

        current = current_generation(index_dir(app.outdir))
        keeps = (
            f"The search service goes on answering from {current.name}, the last index "
            "written whole."
            if current
            else "There is no earlier index to answer from."
        )
        if not isinstance(err, OSError):
            err = OSError(0, str(err))
        report_write_error(app, "the search index", err, keeps)
        return
    if stats.unchanged:
        logger.info("search index: up to date")
    else:
        how = "rebuilt" if stats.rebuilt else f"{stats.upserted} updated, {stats.deleted} removed"
        if stats.ahead_seconds is not None:
            how += f"; references written ahead in {stats.ahead_seconds:.2f} s"
        if stats.static_records is not None:
            how += "; static index rewritten"
        logger.info(f"search index: {stats.documents} entries ({how}) in {stats.seconds:.2f} s")
