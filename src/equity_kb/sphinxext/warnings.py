"""Reporting content problems through Sphinx, so ``-W`` and ``suppress_warnings`` apply."""

from __future__ import annotations

from collections.abc import Iterable

from sphinx.util import logging

from equity_kb.core.model import Problem

logger = logging.getLogger("equity_kb")


def report(problems: Iterable[Problem], docname: str | None = None) -> None:
    """Log each problem at its file and line as a ``kb.<code>`` warning (notes as info)."""
    for p in problems:
        location: object = (docname, p.line or None) if docname else f"{p.path}:{p.line}"
        if p.severity == "note":
            logger.info(p.message, location=location)
        else:
            logger.warning(p.message, location=location, type="kb", subtype=p.code)
