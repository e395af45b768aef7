"""Generated pages are written only when what they show changed.

``html-collect-pages`` runs on every build; rendering every tenet, topic and bibliography
page after a one-line edit elsewhere would make incremental builds grow with the size of
the knowledge base. Each group of generated pages comes with a digest of its inputs (and
of the site navigation, which every page shows); when it matches the last build's and
the pages are on disk, the group is skipped without being rendered at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from equity_kb.search.layout import state_dir

DIGESTS = "generated/{}.json"  # in the build state, beside the site
Page = tuple[str, dict[str, Any], str]


def navigation_digest(app: Sphinx) -> str:
    env = app.env
    nav = sorted((d, sorted(i)) for d, i in env.toctree_includes.items())
    titles = sorted((d, env.titles[d].astext()) for d in env.toctree_includes if d in env.titles)
    return hashlib.sha256(repr((nav, titles, app.config.html_theme)).encode()).hexdigest()


def only_changed(app: Sphinx, name: str, inputs: str, pages: Iterable[Page]) -> Iterator[Page]:
    """Yield ``pages`` (a lazy iterable) unless ``inputs`` are what they were last build.

    ``name`` keeps each group's record apart."""
    outdir = Path(app.outdir)
    path = state_dir(outdir) / DIGESTS.format(name)
    digest = hashlib.sha256(f"{inputs}\0{navigation_digest(app)}".encode()).hexdigest()
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    written = old.get("pages", [])
    if old.get("digest") == digest and all(
        (outdir / app.builder.get_target_uri(p)).exists() for p in written
    ):
        return
    names = []
    for page in pages:
        names.append(page[0])
        yield page
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"digest": digest, "pages": names}), encoding="utf-8")
    tmp.replace(path)
