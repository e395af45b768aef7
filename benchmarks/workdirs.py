"""Where benchmarks build, and how they get rid of what they built.

Nothing is deleted while ``make bench`` runs: a folder a benchmark is done with is put
aside (``discard``), and all of them are deleted at its end (``delete_discarded``). This
machine's ext4 has no journal, and ext4 without one skips the inodes deleted in the last
minutes whenever it makes a file: deleting one build's output, or one benchmark's whole
work folder, slowed the builds that followed, by up to a second of kernel time at 1,000
references and by how many files each writes (ours: 1,300 there; sphinxcontrib-bibtex's:
40). A clean build here is a build into a fresh folder, as on a fresh checkout.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DISCARDED = HERE / "_work" / "discarded"
SCRATCH = HERE / "_work" / "scratch"


def discard(path: Path) -> None:
    """Put the folder ``path`` out of the way instead of deleting it."""
    if path.exists():
        DISCARDED.mkdir(parents=True, exist_ok=True)
        os.replace(path, DISCARDED / f"{time.time_ns()}-{path.name}")


@contextlib.contextmanager
def scratch(prefix: str = "bench-") -> Iterator[str]:
    """A fresh folder (as ``tempfile.TemporaryDirectory``), discarded when done."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=SCRATCH))
    try:
        yield str(path)
    finally:
        discard(path)


def delete_discarded() -> None:
    shutil.rmtree(DISCARDED, ignore_errors=True)
    shutil.rmtree(SCRATCH, ignore_errors=True)
