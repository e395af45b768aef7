"""A full disk or a read-only output: one clear message naming the path, never a
traceback, and nothing half replaced.

- Before anything is written, the site folder and its state folder are tried: if either
  cannot be written (read-only, no permission), the build stops at once and says which.
- Writing the search indexes or the exports can still fail later (the disk fills up):
  that is one error naming the path; the new generation is never published, so the
  service goes on answering from the last one, and the build ends with status 1.
- Sphinx warns once per page it cannot write; on a full disk that is every page after
  the first, so only the first is said, with how many more failed the same way.
"""

from __future__ import annotations

import logging as std_logging
import os
import tempfile
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.util import logging

from equity_kb.search.layout import state_dir

from ..entries.warnings import BuildFilter

logger = logging.getLogger("equity_kb")
PAGE_LOGGER = "sphinx.sphinx.builders.html"  # where Sphinx says "error writing file"


class CannotWrite(SphinxError):
    category = "Cannot write the site"


def setup_write_errors(app: Sphinx) -> None:
    # First of all: before the build lock (build_guard) or anything else writes.
    app.connect("config-inited", check_writable, priority=50)
    app.connect("builder-inited", lambda app: _PageErrors().install())
    app.connect("build-finished", _PageErrors.finish, priority=940)


def check_writable(app: Sphinx, config: Any = None) -> None:
    for folder in (Path(app.outdir), state_dir(app.outdir)):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".kb-write-check-", dir=folder)
            try:
                os.write(fd, b"x")  # a byte, so a full disk shows now, not mid-build
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe)
        except OSError as err:
            raise CannotWrite(
                f"cannot write to {folder}: {err.strerror or err}. Nothing was changed; make "
                "the folder writable (or free some space) and build again, or build into "
                "another folder"
            ) from None


def report_write_error(app: Sphinx, what: str, err: OSError, keeps: str) -> None:
    """Log a failed write of ``what`` once, naming the path, and fail the build."""
    where = err.filename or "its folder"
    logger.error(
        f"cannot write {what} at {where}: {err.strerror or err}. {keeps} Free some space or "
        "make the folder writable, then build again"
    )
    app.statuscode = 1


class _PageErrors(BuildFilter):
    LOGGER = PAGE_LOGGER
    current: _PageErrors | None = None

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def filter(self, record: std_logging.LogRecord) -> bool:
        if not str(record.msg).startswith("error writing file"):
            return True
        self.seen += 1
        return self.seen == 1

    @classmethod
    def finish(cls, app: Sphinx, exception: Any) -> None:
        if cls.current is not None and cls.current.seen > 1:
            logger.error(
                f"{cls.current.seen - 1} more pages could not be written for the same reason"
            )
            app.statuscode = 1
        cls.remove()
