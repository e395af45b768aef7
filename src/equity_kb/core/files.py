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


DEFAULT_BIBLIOGRAPHY = ["*.bib"]


def bibliography_patterns(kb_bibliography: object, bibtex_bibfiles: object) -> list[str]:
    """The .bib patterns conf.py names: ``kb_bibliography``, or sphinxcontrib-bibtex's
    ``bibtex_bibfiles`` when only that is set (a project that moved keeps its conf.py)."""
    ours = list(kb_bibliography) if isinstance(kb_bibliography, list | tuple) else []
    theirs = list(bibtex_bibfiles) if isinstance(bibtex_bibfiles, list | tuple) else []
    if theirs and (not ours or ours == DEFAULT_BIBLIOGRAPHY):
        return [str(p) for p in theirs]
    return [str(p) for p in ours] or list(DEFAULT_BIBLIOGRAPHY)
