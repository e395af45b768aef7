"""Finding source files; no Sphinx here, so `equity-kb check` shares it."""

from __future__ import annotations

import glob
import os
from pathlib import Path


def glob_paths(base: Path, patterns: list[str]) -> list[Path]:
    """Files matching glob patterns relative to ``base`` (absolute patterns allowed)."""
    paths: list[Path] = []
    for pattern in patterns:
        paths.extend(sorted(Path(p) for p in glob.glob(os.path.join(base, pattern))))
    return list(dict.fromkeys(paths))
