"""What an index update needs, decided from the last generation's manifest and stamps,
without Whoosh's writer, Pagefind or asyncio: the build decides it in its own process,
before handing the work to the index job (index_job.py), and stamps.py before doing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .documents import plain_labels
from .generations import STAMPS, read_json_object, usable_generation
from .layout import index_dir, records_path, static_index_exists


@dataclass(frozen=True)
class Sources:
    """The documents an index should hold, not yet made (stamps.py says how they are used).

    ``stamps``: each key's stamp. ``make(keys)``: the documents of those keys."""

    stamps: Mapping[str, str]
    make: Callable[[Collection[str]], Sequence[Mapping[str, Any]]]


# Above this many changed documents a clean rebuild (several processes) beats an update.
_REBUILD_SHARE = 0.5
_REBUILD_MIN = 1000


def would_rebuild(changed: int, total: int) -> bool:
    """Whether ``sync_index`` rebuilds, not updates, when ``changed`` of ``total``
    documents changed: a rebuild (several processes) is then the faster."""
    return changed > max(_REBUILD_MIN, _REBUILD_SHARE * total)


def read_stamps(gen_dir: Path) -> dict[str, str] | None:
    """The stamps a generation was written from, or None if it has none."""
    return read_json_object(gen_dir / STAMPS)


@dataclass(frozen=True)
class Plan:
    """What an update from stamps writes: ``stale`` keys (documents to make and compare),
    ``deletes`` (keys no longer there), against generation ``current`` (its ``manifest``)."""

    current: Path
    manifest: Mapping[str, Any]
    stale: list[str]
    deletes: list[str]


def plan_update(
    out: str | os.PathLike[str],
    stamps: Mapping[str, str],
    labels: Mapping[str, Mapping[str, str]] | None,
) -> Plan | None:
    """Which documents an update needs, or None when every document must be made (no
    usable index, no stamps, other labels, no static index or records, most stale)."""
    root = index_dir(out)
    usable = usable_generation(root)
    if usable is None:
        return None
    cur, manifest = usable
    old: dict[str, str] = manifest.get("docs", {})
    old_stamps = read_stamps(cur)
    if old_stamps is None or old_stamps.keys() != old.keys():
        return None
    if labels is not None and plain_labels(labels) != manifest.get("labels", {}):
        return None
    if not records_path(out).is_file() or not static_index_exists(out):
        return None
    stale = [k for k, stamp in stamps.items() if old_stamps.get(k) != stamp]
    if would_rebuild(len(stale), len(stamps)):
        return None
    return Plan(cur, manifest, stale, [k for k in old if k not in stamps])
