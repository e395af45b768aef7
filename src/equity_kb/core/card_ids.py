"""Practice card IDs: their form, the retired ones, and the next free one.

Card IDs are never reused: the next ID is one more than the highest ever used, counting
the retired IDs listed in ``<cards folder>/retired.yml`` (a deleted card's ID goes there,
with the card that replaced it if one did: its old permalink then leads there).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import yaml

CARD_ID = re.compile(r"^PC-\d{3,}$")
RETIRED_FILE = "retired.yml"


class Retired(NamedTuple):
    """A retired card ID, the card that replaced it if any, and a note on why."""

    id: str
    successor: str | None = None
    note: str = ""


def read_retired_file(folder: Path) -> dict[str, Retired]:
    """The retired IDs of ``<folder>/retired.yml``: each an ID (``- PC-004``), or an ID with
    its successor and a note (``- {id: PC-004, successor: PC-012, note: merged}``)."""
    path = folder / RETIRED_FILE
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, Retired] = {}
    for item in data.get("retired") or []:
        if isinstance(item, dict):
            successor = item.get("successor")
            retired = Retired(
                str(item.get("id", "")),
                str(successor) if successor else None,
                str(item.get("note") or ""),
            )
        else:
            retired = Retired(str(item))
        if CARD_ID.match(retired.id):
            out[retired.id] = retired
    return out


def read_retired_ids_file(folder: Path) -> frozenset[str]:
    return frozenset(read_retired_file(folder))


def used_card_ids(folder: Path) -> set[str]:
    """IDs of existing cards (by file name and front matter) and retired IDs."""
    ids = set(read_retired_ids_file(folder))
    for path in folder.glob("PC-*.md"):
        ids.add(path.stem)
        match = re.search(r"^id:\s*(PC-\d+)\s*$", path.read_text(encoding="utf-8"), re.M)
        if match:
            ids.add(match.group(1))
    return {i for i in ids if CARD_ID.match(i)}


def next_card_id(folder: Path) -> str:
    numbers = [int(i[3:]) for i in used_card_ids(folder)]
    return f"PC-{max(numbers, default=0) + 1:03d}"
