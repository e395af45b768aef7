"""Practice card IDs: their form, the retired ones, and the next free one.

Card IDs are never reused: the next ID is one more than the highest ever used, counting
the retired IDs listed in ``<cards folder>/retired.yml`` (a deleted card's ID goes there).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

CARD_ID = re.compile(r"^PC-\d{3,}$")
RETIRED_FILE = "retired.yml"


def read_retired_ids_file(folder: Path) -> frozenset[str]:
    path = folder / RETIRED_FILE
    if not path.is_file():
        return frozenset()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(str(i) for i in (data.get("retired") or []))


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
