"""A new brief or practice card from a scaffold in templates/ (``equity-kb new``); the
card's ID is the next free one (card_ids.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .card_ids import next_card_id


class ScaffoldError(Exception):
    """A user's mistake: said plainly, no traceback."""


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
