"""Where imported entries go: ``imported.bib`` beside the first bibliography file (or a
file given with ``--into``), which must be one the bibliography's patterns match, so that
the build and ``equity-kb check`` read it."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path, PurePath

DEFAULT_NAME = "imported.bib"
_MAGIC = re.compile(r"[*?[]")


def default_target(root: Path, patterns: list[str], files: list[Path]) -> Path:
    """``imported.bib`` in the folder of the first bibliography file, or of the first
    pattern when there is no file yet (``bib/*.bib``: ``bib/imported.bib``)."""
    if files:
        return files[0].parent / DEFAULT_NAME
    for pattern in patterns:
        folder = PurePath(pattern).parent
        if not _MAGIC.search(str(folder)):
            return root / folder / DEFAULT_NAME
    return root / DEFAULT_NAME


def in_bibliography(path: Path, root: Path, patterns: list[str]) -> bool:
    """Whether a glob pattern of the bibliography matches ``path``, existing or not, as
    ``core/files.glob_paths`` reads them (not recursive: ``**`` is one folder)."""
    target = Path(os.path.abspath(path)).parts
    for pattern in patterns:
        parts = Path(os.path.abspath(root / pattern)).parts
        if len(parts) == len(target) and all(
            fnmatch.fnmatchcase(name, part) for name, part in zip(target, parts, strict=True)
        ):
            return True
    return False
