"""Equity KB: a Sphinx knowledge base and annotated bibliography, tagged by a partnership's
theory-of-change tenets, with faceted search.

The package is in layers (ARCHITECTURE.md): ``core`` (no Sphinx), ``search``,
``sphinxext`` (the Sphinx extension) and ``cli``. ``extensions = ["equity_kb"]`` in a
``conf.py`` loads the extension through :func:`setup`; it imports Sphinx only when
called, so importing the core or the search service never pulls Sphinx in.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def setup(app: Any) -> dict[str, Any]:
    from .sphinxext import setup as setup_extension

    return setup_extension(app)
