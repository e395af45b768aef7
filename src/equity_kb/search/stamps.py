"""Bring the Whoosh and static indexes up to date from each document's source stamp.

``sync_index`` compares every document with the index, so every document must be made
first: at 10,000 references and 3,500 pages that was most of a one-page rebuild's index
step. A stamp is a short token that changes whenever a document may have changed (for a
page: when Sphinx last read it, and its URL). The stamps of the documents in a
generation are kept beside it; a build then makes only the documents whose stamp
changed and updates those, and the static index's records with them.

Whenever the stamps cannot be trusted (no index, another schema, other facet labels, a
generation written without stamps, most documents stale, no static index or records) every
document is made and ``publish_search`` compares them all, as before.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from equity_kb.core import background

from .generations import STAMPS, write_lock
from .indexer import (
    IndexStats,
    Progress,
    digest,
    finish_static,
    publish_search,
    up_to_date,
    update_index,
)
from .layout import index_dir
from .plan import Sources, plan_update
from .static_index import StaticWrite, read_store, static_record


def publish_sources(
    site: str | os.PathLike[str],
    sources: Sources,
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    progress: Progress | None = None,
    prebuilt: Path | Callable[[], Path | None] | None = None,
    fork: bool = False,
) -> IndexStats:
    """``publish_search`` for ``sources``, making only the documents whose stamp changed
    when the index's stamps allow it. ``prebuilt`` (a clean build) needs them all.
    ``fork`` (a small process of its own, the index job): an update's Whoosh writing is
    done in a forked child, beside the static index's writing here."""
    out = Path(site)
    stats = None if prebuilt is not None else _publish_stale(out, sources, labels, progress, fork)
    if stats is None:
        docs = sources.make(list(sources.stamps))
        stats = publish_search(out, docs, labels=labels, progress=progress, prebuilt=prebuilt)
    _write_stamps(index_dir(out), stats.generation, sources.stamps)
    return stats


def _publish_stale(
    out: Path,
    sources: Sources,
    labels: Mapping[str, Mapping[str, str]] | None,
    progress: Progress | None,
    fork: bool = False,
) -> IndexStats | None:
    started = time.perf_counter()
    plan = plan_update(out, sources.stamps, labels)
    store = read_store(out) if plan is not None else None
    if plan is None or store is None:
        return None
    old: dict[str, str] = plan.manifest.get("docs", {})
    records = dict(store["current"])
    stale, deletes = plan.stale, plan.deletes
    # A page read again is often the same document (a touched file, an edit elsewhere
    # on the page): only documents that differ are written.
    upserts = [d for d in sources.make(stale) if old.get(d["key"]) != digest(d)] if stale else []
    if not upserts and not deletes:
        return up_to_date(plan.current, len(old), started, progress)
    for key in deletes:
        records.pop(key, None)
    records.update((d["key"], static_record(d, store["current"])) for d in upserts)
    # Both writers are mostly Python: in one process they took turns at the interpreter
    # (0.3 s for one edited page of the shipped docs). Forked before the static index's
    # thread starts, so the child holds no lock of it.
    whoosh = (
        background.call_forked(update_index, index_dir(out), upserts, deletes, labels=labels)
        if fork
        else None
    )
    static = StaticWrite(out, records, store)
    try:
        if whoosh is not None:
            stats = whoosh()
        else:
            stats = update_index(index_dir(out), upserts, deletes, progress=progress, labels=labels)
    finally:
        written = static.wait()
    finish_static(out, stats, written)
    stats.seconds = time.perf_counter() - started
    return stats


def _write_stamps(root: Path, generation: str, stamps: Mapping[str, str]) -> None:
    gen = root / generation
    with write_lock(root):
        if not gen.is_dir():  # another build has moved on meanwhile
            return
        tmp = gen / f".{STAMPS}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(dict(stamps), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, gen / STAMPS)
