"""Reporting content problems through Sphinx, so ``-W`` and ``suppress_warnings`` apply."""

from __future__ import annotations

import logging as std_logging
from collections.abc import Iterable
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

from equity_kb.core.model import Problem
from equity_kb.core.validation import entry_type_of

logger = logging.getLogger("equity_kb")
# MyST's warnings go through this logger (myst_parser/warnings_.py).
MYST_LOGGER = "sphinx.myst_parser.warnings_"


def setup_warnings(app: Sphinx) -> None:
    app.connect("builder-inited", lambda app: _SaidOnce(dict(app.config.kb_entry_dirs)).install())
    app.connect("build-finished", lambda app, exc: _SaidOnce.remove())


class BuildFilter(std_logging.Filter):
    """A filter on one logger for one build: ``install`` puts it there in place of the
    last build's (builds in one process, as the tests run them, each get their own),
    ``remove`` takes it off. Each subclass names its ``LOGGER``."""

    LOGGER: str
    current: BuildFilter | None = None

    def install(self) -> None:
        type(self).remove()
        type(self).current = self
        std_logging.getLogger(self.LOGGER).addFilter(self)

    @classmethod
    def remove(cls) -> None:
        if cls.current is not None:
            std_logging.getLogger(cls.LOGGER).removeFilter(cls.current)
            cls.current = None


class _SaidOnce(BuildFilter):
    """Drops MyST's "Malformed YAML" on a brief or card: reading.py has reported that
    front matter already, with the line and what to do. Elsewhere MyST's stays."""

    LOGGER = MYST_LOGGER
    current: _SaidOnce | None = None

    def __init__(self, entry_dirs: dict[str, str]):
        super().__init__()
        self.entry_dirs = entry_dirs

    def filter(self, record: std_logging.LogRecord) -> bool:
        if (getattr(record, "type", None), getattr(record, "subtype", None)) != (
            "myst",
            "topmatter",
        ):
            return True
        location: Any = getattr(record, "location", None)
        docname = location[0] if isinstance(location, tuple) and location else None
        return not (isinstance(docname, str) and entry_type_of(docname, self.entry_dirs))


def report(problems: Iterable[Problem], docname: str | None = None) -> None:
    """Log each problem at its file and line as a ``kb.<code>`` warning (notes as info)."""
    for p in problems:
        location: object = (docname, p.line or None) if docname else f"{p.path}:{p.line}"
        if p.severity == "note":
            logger.info(p.message, location=location)
        else:
            logger.warning(p.message, location=location, type="kb", subtype=p.code)
