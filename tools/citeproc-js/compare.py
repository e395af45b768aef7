"""The site's APA against citeproc-js's, entry by entry: for tests and ``make bench``.

``render(items)`` runs ``render.mjs`` (citeproc-js through Citation.js, pinned in this
folder's ``package.json``) on CSL-JSON items, the whole list at once, as Zotero would.
``canonical(html)`` reduces either side's HTML to what a reader sees: the text, with
italic runs marked ``*…*``; links, entities and whitespace are normalised.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "render.mjs"


def unavailable() -> str | None:
    """Why citeproc-js cannot run here (None if it can)."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install -y nodejs npm)"
    if not (HERE / "node_modules" / "@citation-js" / "plugin-csl").is_dir():
        return f"Citation.js is not installed: npm ci --prefix {os.path.relpath(HERE)}"
    return None


def render(items: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """citeproc-js's APA for ``items``: reference-list HTML and the parenthetical
    citation of each, by id."""
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(items, ensure_ascii=False).encode(),
        capture_output=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"citeproc-js failed: {done.stderr.decode(errors='replace')}")
    out = json.loads(done.stdout)
    return out["bibliography"], out["citations"]


class _Reader(HTMLParser):
    """Text and, per piece of it, whether a browser shows it in italics."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, bool]] = []
        self.stack: list[bool] = [False]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = (dict(attrs).get("style") or "").replace(" ", "")
        italic = self.stack[-1]
        if tag in ("i", "em") or "font-style:italic" in style:
            italic = True
        elif "font-style:normal" in style:
            italic = False  # citeproc-js's roman words inside an italic title
        self.stack.append(italic)

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.pieces.append((data, self.stack[-1]))


def canonical(fragment: str) -> str:
    """What a reader sees of an APA reference's HTML: the text with whitespace
    collapsed, italic runs marked ``*…*`` (spaces at a run's edge left outside)."""
    reader = _Reader()
    reader.feed(fragment)
    reader.close()
    chars = [(ch, italic) for text, italic in reader.pieces for ch in text]
    out: list[str] = []
    italic_now = False
    for ch, italic in chars:
        if ch.isspace():
            if not out or out[-1] != " ":
                out.append(" ")
            continue
        if italic != italic_now:
            if not italic and out and out[-1] == " ":
                out.insert(len(out) - 1, "*")  # close before the space
            else:
                out.append("*")
            italic_now = italic
        out.append(ch)
    if italic_now:
        out.append("*")
    return "".join(out).strip()


__all__ = ["canonical", "render", "unavailable"]
