"""Search: the Whoosh index and the static (Pagefind) index, from the domain, written by
a process of their own (``search.index_job``) beside Sphinx's page writing: started
early, told its work once every page is read (a document needs only what reading gave),
and collected at the build's end; where it cannot start, or fails, the build's end
writes them itself.

The index is synchronised, not rebuilt: each entry has a stamp (when its page was
read; the .bib digest for a reference), and only entries whose stamp changed are made
into documents and compared with the current generation (``search.stamps``); what
changed is written and the new generation swapped in atomically. The static index
(search.static_index) lets the search and Explore pages search the full text, with
facets, on plain static hosting with no search service; it is rewritten, in a thread
beside the Whoosh update, only when some entry's document changed.

When the references alone call for a clean index (a first build, or most references
changed), their part is written ahead: a child process starts on them as soon as they
are loaded, beside APA formatting, and the index job adds the briefs and cards to it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.application import Sphinx
from sphinx.util import logging

from equity_kb.core import background

from ..entries.domain import KBDomain, kb_domain
from ..rendering.outputs import writes_site
from ..safety.build_guard import lock_fd
from ..safety.write_errors import report_write_error

if TYPE_CHECKING:
    from equity_kb.search.indexer import Progress
    from equity_kb.search.plan import Sources
    from equity_kb.search.stats import IndexStats

logger = logging.getLogger("equity_kb")
JOB = "search index"  # the references' Whoosh index, written ahead
INDEX_JOB = "search indexes"  # both indexes, written beside the pages
# Free space on the output's disk below which the indexes wait for the pages.
BESIDE_MIN_FREE = 1 << 30
# Below this many references, writing them ahead saves less than starting a process.
PREBUILD_MIN_REFERENCES = 1000


def setup_indexing(app: Sphinx) -> None:
    app.connect("kb-references-loaded", prebuild_reference_index)
    # The job's process starts early, importing what it needs while the environment is
    # loaded and the references formatted; it gets its work when reading ends. Once the
    # build holds its lock (config-inited, after build_guard's start_build), again after
    # a prebuild starts (its end is handed over), and at builder-inited if none runs.
    app.connect("config-inited", warm_index_job, priority=900)
    app.connect("kb-references-loaded", warm_index_job, priority=600)
    app.connect("builder-inited", warm_index_job, priority=900)
    # Told its work once every page is read (last among env-updated's handlers: nothing
    # a document's search entry needs changes after), before pickling and writing.
    app.connect("env-updated", start_index_job, priority=900)
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
    from equity_kb.search.plan import Sources

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
    from equity_kb.search.layout import index_dir, records_path

    root = index_dir(app.outdir)
    changed = len(domain.data.get("changed_keys", ()))
    if not would_rebuild(changed, len(domain.references)) and current_generation(root):
        return  # a few references edited: the build's end updates them in the index

    def docs() -> list[dict[str, Any]]:
        return reference_documents(app, domain)

    if needs_rebuild(root, docs):
        # The child makes the documents too: it has the references (forked), and the
        # build's own process has the formatting to get on with. With no static records
        # kept (a clean build), the static index is written whole: their parts too.
        parts = not records_path(app.outdir).is_file()
        background.start(app, JOB, prebuild, ahead_folder(app), docs, parts)


def room_beside(app: Sphinx) -> bool:
    """Whether the output's disk has room for the indexes to be written beside the pages.
    With less, they are written after them, as a build did before the job: a disk that
    fills up then fails the index, which the service survives, never a page."""
    try:
        return shutil.disk_usage(app.outdir).free >= BESIDE_MIN_FREE
    except OSError:
        return False


def warm_index_job(app: Sphinx, *args: Any) -> None:
    """Start the index job's process before its work is known. At config-inited the
    builder is not known yet: one that writes no site stops the job at builder-inited.
    A job started before the prebuild is handed the prebuild's end, or, where that
    cannot be done, replaced by one started holding it."""
    builder = getattr(app, "builder", None)  # none yet at config-inited
    warm = background.peek(app, INDEX_JOB)
    if builder is not None and not writes_site(builder):
        if warm is not None:
            background.take(app, INDEX_JOB)
            warm.stop()
        return
    ahead = background.peek(app, JOB)
    if isinstance(warm, background.Spawned):
        if ahead is None or ahead.sentinel() in warm.passed:
            return
        # Started before the prebuild: handed its end, it is kept (a new interpreter
        # would import everything again: 0.1 s of CPU the build's other work needs).
        if not warm.told and warm.hand_over(ahead.sentinel()):
            return
    if not room_beside(app):
        return
    _spawn_job(app, ahead)  # a job kept before under the name is stopped


def _spawn_job(app: Sphinx, ahead: background.Job | None, *paths: Path) -> bool:
    """Start the index job: told its work later on stdin, or given ``paths`` (payload and
    answer) now. It holds the build lock and the written-ahead job's end."""
    held = (lock_fd(app.outdir), ahead.sentinel() if ahead is not None else None)
    args = [sys.executable, "-m", "equity_kb.search.index_job", *map(str, paths)]
    job = background.spawn(
        app,
        INDEX_JOB,
        args,
        pass_fds=[fd for fd in held if fd is not None],
        listen=not paths,
        env=_job_env(),
    )
    return job is not None


def _job_env() -> dict[str, str]:
    """The build's environment, with this package importable as it is here (a conf.py
    may have put it on ``sys.path`` itself)."""
    root = str(Path(__file__).resolve().parents[3])  # the folder holding equity_kb/
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}


def start_index_job(app: Sphinx, env: Any) -> None:
    """Both indexes, written by a process of their own (``search.index_job``) beside
    Sphinx's page writing: their documents need only what reading gave (each page's
    text, the references and their pages), so the build's end only collects them. Where
    the process cannot start, the build's end writes them itself."""
    if not writes_site(app.builder) or not room_beside(app):
        return
    from equity_kb.search.documents import facet_labels
    from equity_kb.search.index_job import write_payload
    from equity_kb.search.plan import plan_update

    domain = kb_domain(app.env)
    labels = facet_labels(domain.vocabulary)
    sources = index_sources(app, domain)
    ahead = background.peek(app, JOB)
    plan = None if ahead is not None else plan_update(app.outdir, sources.stamps, labels)
    # Only the documents the update will compare; all of them for a rewrite.
    docs = sources.make(plan.stale if plan is not None else list(sources.stamps))
    payload, answer = _job_paths(app)
    answer.unlink(missing_ok=True)
    try:
        write_payload(
            payload,
            site=app.outdir,
            stamps=sources.stamps,
            docs=docs,
            labels=labels,
            ahead=ahead_folder(app) if ahead is not None else None,
            ahead_sentinel=ahead.sentinel() if ahead is not None else None,
        )
    except OSError:
        payload.unlink(missing_ok=True)
        return  # the build's end writes them, and reports what it cannot write
    warm = background.peek(app, INDEX_JOB)
    if isinstance(warm, background.Spawned) and warm.tell(json.dumps([str(payload), str(answer)])):
        return
    # No process listening (it could not start, or stopped): one started now, if it can.
    background.take(app, INDEX_JOB)
    if not _spawn_job(app, ahead, payload, answer):
        payload.unlink(missing_ok=True)


def _job_paths(app: Sphinx) -> tuple[Path, Path]:
    """The index job's payload and answer (``.tmp``: a dead build's are removed)."""
    from equity_kb.search.layout import state_dir

    state = state_dir(app.outdir)
    return state / f"index-job.{os.getpid()}.tmp", state / f"index-answer.{os.getpid()}.tmp"


def _publish(
    app: Sphinx,
    folder: Path | None,
    progress: Progress | None = None,
) -> IndexStats:
    """Bring both indexes up to date from the domain, in this process; ``folder``: the
    references' index written ahead (complete, or dropped by ``finish_prebuild``)."""
    from equity_kb.search.documents import facet_labels
    from equity_kb.search.stamps import publish_sources

    domain = kb_domain(app.env)
    return publish_sources(
        app.outdir,
        index_sources(app, domain),
        labels=facet_labels(domain.vocabulary),
        progress=progress,
        prebuilt=folder,
    )


def write_search_index(app: Sphinx, exception: BaseException | None) -> None:
    job = background.take(app, INDEX_JOB)
    ahead = background.take(app, JOB)
    if isinstance(job, background.Spawned) and not job.told:
        job.stop()  # started early, and reading never ended: the work is done here
        job = None
    if exception is not None or not writes_site(app.builder):
        for started in (job, ahead):
            if started is not None:
                started.stop()
        if ahead is not None:
            shutil.rmtree(ahead_folder(app), ignore_errors=True)
        for path in _job_paths(app):
            path.unlink(missing_ok=True)
        return
    from equity_kb.search.stats import IndexStats

    answer = _collect(app, job)
    ahead_done = ahead.wait() if ahead is not None else False
    if answer is not None and answer.get("ahead_failed"):
        logger.info("search index: writing the references ahead failed")
    if answer is None:
        # No job wrote them (none could start, or it failed: its traceback is on
        # stderr): they are written here, as the job would have.
        if job is not None:
            logger.info("search index: the process writing it failed; writing it here")
        folder = None
        if ahead is not None:
            folder = ahead_folder(app)
            if not ahead_done:
                logger.info("search index: writing the references ahead failed")
                shutil.rmtree(folder, ignore_errors=True)
                folder = None
        from equity_kb.search.static_index import StaticIndexError

        try:
            stats = _publish(app, folder, _progress_lines())
        except (OSError, StaticIndexError) as err:  # a full disk, a read-only folder
            _report(app, err if isinstance(err, OSError) else OSError(0, str(err)))
            return
    elif "error" in answer:
        code, message, filename = answer["error"]
        _report(app, OSError(code, message, filename))
        return
    else:
        stats = IndexStats(**answer["stats"])
    _log_stats(stats)


def _collect(app: Sphinx, job: background.Job | None) -> dict[str, Any] | None:
    """What the child that wrote the indexes answered (None: no child, or it failed)."""
    if job is None:
        return None
    payload, path = _job_paths(app)
    try:
        if not job.wait():
            return None
        answer = json.loads(path.read_text(encoding="utf-8"))
        return answer if isinstance(answer, dict) else None
    except (OSError, ValueError):
        return None
    finally:
        payload.unlink(missing_ok=True)
        path.unlink(missing_ok=True)


def _progress_lines() -> Progress:
    shown = {"at": -1}

    def progress(done: int, total: int) -> None:
        # Like Sphinx's own progress lines: a line per tenth, only for long runs.
        step = 10 * done // max(total, 1)
        if total >= 500 and step != shown["at"]:
            shown["at"] = step
            logger.info(f"indexing for search... [{100 * done // total:3d}%] {done}/{total}")

    return progress


def _report(app: Sphinx, err: OSError) -> None:
    from equity_kb.search.generations import current_generation
    from equity_kb.search.layout import index_dir

    current = current_generation(index_dir(app.outdir))
    keeps = (
        f"The search service goes on answering from {current.name}, the last index written whole."
        if current
        else "There is no earlier index to answer from."
    )
    report_write_error(app, "the search index", err, keeps)


def _log_stats(stats: IndexStats) -> None:
    if stats.unchanged:
        logger.info("search index: up to date")
        return
    how = "rebuilt" if stats.rebuilt else f"{stats.upserted} updated, {stats.deleted} removed"
    if stats.ahead_seconds is not None:
        how += f"; references written ahead in {stats.ahead_seconds:.2f} s"
    if stats.static_records is not None:
        how += "; static index rewritten"
    logger.info(f"search index: {stats.documents} entries ({how}) in {stats.seconds:.2f} s")
