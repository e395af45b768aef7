"""Faceted, ranked search over the knowledge base.

The pieces, one module each: ``documents`` turns a model entry into an index document,
``schema`` says how Whoosh indexes it, ``indexer`` writes a new generation of the index,
``generations`` keeps them on disk and swaps them in atomically, ``stamps`` updates
only what changed since the last build, ``static_index`` writes the static (Pagefind)
index, ``layout`` says where each lives,
``engine`` answers queries with disjunctive facet counts, ``server`` serves the built
site and ``/api/search``. The commands that use them live in ``equity_kb.cli``.

Only the 2.7 Whoosh API is used, and only behind this package, so the Whoosh
distribution stays a one-line choice. ``engine`` and ``server`` import neither Sphinx
nor the Sphinx domain, so the search service starts without Sphinx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from equity_kb.core.lazy_names import lazy_names

if TYPE_CHECKING:
    from .engine import IndexNotFound, SearchEngine
    from .generations import current_generation
    from .indexer import publish_search, rebuild_index, sync_index, update_index
    from .layout import index_dir, state_dir, static_dir
    from .results import Hit, SearchResult
    from .stats import IndexStats

# Each name's module, imported when the name is first asked for: a Sphinx build imports
# ``search.layout`` at start-up and would otherwise load Whoosh's query side, asyncio and
# Pagefind's client with it (65 ms of every build's start-up).
_LAZY = {
    "IndexNotFound": "engine",
    "SearchEngine": "engine",
    "current_generation": "generations",
    "IndexStats": "stats",
    "publish_search": "indexer",
    "rebuild_index": "indexer",
    "sync_index": "indexer",
    "update_index": "indexer",
    "index_dir": "layout",
    "state_dir": "layout",
    "static_dir": "layout",
    "Hit": "results",
    "SearchResult": "results",
}


__getattr__ = lazy_names(__name__, _LAZY)


# The search page's files, in equity_kb/sphinxext/static/, to copy into the site's _static/.
STATIC_FILES = ("search_static.js", "search.js", "search.css")

__all__ = [
    "STATIC_FILES",
    "Hit",
    "IndexNotFound",
    "IndexStats",
    "SearchEngine",
    "SearchResult",
    "current_generation",
    "index_dir",
    "publish_search",
    "rebuild_index",
    "sync_index",
    "state_dir",
    "static_dir",
    "update_index",
]
