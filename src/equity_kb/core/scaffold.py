"""A new brief or practice card from a scaffold in templates/ (``equity-kb new``); the
card's ID is the next free one (card_ids.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .card_ids import next_card_id
from .frontmatter import read_front_matter
from .source_text import decode


class ScaffoldError(Exception):
    """A user's mistake: said plainly, no traceback."""


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].rstrip("-") or "untitled"


def _same_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def entry_titled(title: str, folders: list[Path]) -> tuple[Path, str] | None:
    """The entry (its file and ID or title) in ``folders`` whose title is ``title``,
    ignoring case, punctuation and spacing."""
    wanted = _same_title(title)
    for folder in folders:
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else ():
            fm, _ = read_front_matter(decode(path.read_bytes()).text, str(path))
            their = fm.data.get("title") if fm is not None else None
            if isinstance(their, str) and _same_title(their) == wanted:
                entry_id = fm.data.get("id") if fm is not None else None
                return path, str(entry_id or their)
    return None


def new_entry(
    kind: str,
    title: str,
    *,
    root: Path,
    docs: str = "docs",
    today: dt.date | None = None,
    force: bool = False,
) -> Path:
    """Write a new brief or card; return its path. Refuses to overwrite, and to make a
    second entry with a title one already has unless ``force``."""
    if kind not in ("brief", "practice"):
        raise ScaffoldError(f"can only make a 'brief' or a 'practice' card, not {kind!r}")
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError("give the new entry a title, in quotes")
    template = root / "templates" / f"{kind}.md"
    if not template.is_file():
        raise ScaffoldError(f"no scaffold at {template}: run this from the repository's root")
    folder = root / docs / ("practices" if kind == "practice" else "briefs")
    twin = (
        None if force else entry_titled(title, [root / docs / "briefs", root / docs / "practices"])
    )
    if twin is not None:
        path, name = twin
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        raise ScaffoldError(
            f"{shown} ({name}) already has the title {title!r}: edit that entry, or give "
            "the new one another title, or add --force to make a second entry with the same "
            "title (nothing was written)"
        )
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
