"""Generated pages are written only when what they show changed.

``html-collect-pages`` runs on every build; rewriting every tenet, topic and bibliography
page after a one-line edit elsewhere would make incremental builds grow with the size of
the knowledge base. A digest of each page's context (and of the site navigation, which
every page shows) is kept beside the output, so an unchanged page is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

DIGESTS = ".kb-generated-{}.json"
Page = tuple[str, dict[str, Any], str]


def navigation_digest(app: Sphinx) -> str:
    env = app.env
    nav = sorted((d, sorted(i)) for d, i in env.toctree_includes.items())
    titles = sorted((d, env.titles[d].astext()) for d in env.toctree_includes if d in env.titles)
    return hashlib.sha256(repr((nav, titles, app.config.html_theme)).encode()).hexdigest()


def only_changed(app: Sphinx, name: str, pages: Iterable[Page]) -> Iterator[Page]:
    """Yield the pages whose output is missing or whose content changed; ``name`` keeps
    the digests of each kind of generated page apart."""
    outdir = Path(app.outdir)
    path = outdir / DIGESTS.format(name)
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    nav = navigation_digest(app)
    new: dict[str, str] = {}
    for pagename, context, template in pages:
        digest = hashlib.sha256(
            json.dumps([nav, template, context], sort_keys=True, default=str).encode()
        ).hexdigest()
        new[pagename] = digest
        target = outdir / app.builder.get_target_uri(pagename)
        if old.get(pagename) != digest or not target.exists():
            yield pagename, context, template
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(new), encoding="utf-8")
    tmp.replace(path)
