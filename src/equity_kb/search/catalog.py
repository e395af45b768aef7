"""The static catalog (``_static/kb-catalog.json``) that the search page filters when no
search service answers: small on purpose (no page text), rewritten with the index."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .documents import catalog_entry

Doc = Mapping[str, Any]


CATALOG_PATH = "_static/kb-catalog.json"


def write_catalog(
    path: str | os.PathLike[str],
    docs: Iterable[Doc],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    ready: bool = False,
) -> None:
    """Write the static catalog the search page filters when no search service answers.

    Small on purpose (no page text): key, type, title, summary, url, year and tags of
    every entry, plus display labels for facet values. Written to a temporary file and
    renamed, so a browser never fetches half a file. ``ready``: ``docs`` are catalog
    entries already (``documents.catalog_entry``).
    """
    entries = sorted(
        (d if ready else catalog_entry(d) for d in docs),
        key=lambda e: (_TYPE_ORDER.get(e["type"], 9), e["title"].casefold(), e["key"]),
    )
    data = {"version": 1, "labels": plain_labels(labels or {}), "entries": entries}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        # dumps, not dump: dump streams through the pure-Python encoder.
        fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def update_catalog(
    path: str | os.PathLike[str],
    upserts: Iterable[Doc],
    deletes: Iterable[str],
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> bool:
    """Replace ``upserts`` and remove ``deletes`` in the catalog at ``path``, leaving the
    other entries as they are. False (nothing written) if there is no readable catalog
    to update: then write it whole with ``write_catalog``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = {e["key"]: e for e in data["entries"]}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for key in deletes:
        entries.pop(key, None)
    for doc in upserts:
        entries[doc["key"]] = catalog_entry(doc)
    write_catalog(path, entries.values(), labels=labels, ready=True)
    return True


_TYPE_ORDER = {"practice": 0, "brief": 1, "reference": 2}


def plain_labels(labels: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    return {str(k): {str(v): str(lab) for v, lab in m.items()} for k, m in labels.items()}
