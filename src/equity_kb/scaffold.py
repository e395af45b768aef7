"""`equity-kb new`: a new brief or practice card from a scaffold in templates/.

Card IDs are never reused: the next ID is one more than the highest ever used, counting
the retired IDs listed in ``<cards folder>/retired.yml`` (a deleted card's ID goes there).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .validation import CARD_ID

RETIRED_FILE = "retired.yml"


class ScaffoldError(Exception):
    """A user's mistake: said plainly, no traceback."""


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


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].rstrip("-") or "untitled"


def new_entry(
    kind: str, title: str, *, root: Path, docs: str = "docs", today: dt.date | None = None
) -> Path:
    """Write a new brief or card; return its path. Refuses to overwrite."""
    if kind not in ("brief", "practice"):
        raise ScaffoldError(f"can only make a 'brief' or a 'practice' card, not {kind!r}")
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError("give the new entry a title, in quotes")
    template = root / "templates" / f"{kind}.md"
    if not template.is_file():
        raise ScaffoldError(f"no scaffold at {template}: run this from the repository's root")
    folder = root / docs / ("practices" if kind == "practice" else "briefs")
    folder.mkdir(parents=True, exist_ok=True)
    card_id = next_card_id(folder) if kind == "practice" else ""
    path = folder / (f"{card_id}.md" if card_id else f"{slugify(title)}.md")
    if path.exists():
        raise ScaffoldError(f"{path} already exists; choose another title (nothing was written)")
    text = template.read_text(encoding="utf-8")
    # The title goes into YAML: quote it so a colon or a quote in it cannot break the file.
    text = (
        text.replace("{{ title }}", yaml.safe_dump(title, default_style='"').strip())
        .replace("{{ id }}", card_id)
        .replace("{{ date }}", (today or dt.date.today()).isoformat())
    )
    with path.open("x", encoding="utf-8") as f:  # "x": never overwrite, even in a race
        f.write(text)
    return path
