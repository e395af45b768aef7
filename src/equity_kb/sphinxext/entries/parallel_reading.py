"""What one of Sphinx's parallel readers carries back to the build.

With ``-j N``, Sphinx reads each chunk of documents in a process forked from the build,
which pickles its whole environment back; the build unpickles it and merges only the
documents that reader read (``merge_info_from``: ``env-merge-info``, each domain's
``merge_domaindata``). The environment a reader was forked with already holds every
document merged before it, so each pickle grew with the build: at 3,510 pages, 27 of
them, growing to 10 MB (Sphinx's toctrees and metadata of every page read so far, and
this extension's bibliography and page texts), took 29 s to unpickle in the build's own
process, and ``-j auto`` read slower than ``-j 1``.

So a reader pickles, of each table keyed by document, only the rows of the documents it
read: the kb domain's data (``domain._KBData``) and Sphinx's own per-document tables
(``trim_readers_tables``), which Sphinx's collectors merge row by row for those documents
alone. Pickled anywhere else (the environment the build saves, a process forked for
other work), a table is whole, and Sphinx's own are plain dicts again.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

# The build's own process, and the documents read in another one: one of Sphinx's
# parallel readers, forked from it. A build that itself runs in a forked process is its
# own build.
_build_pid: int | None = None
_read_elsewhere: set[str] = set()

# Sphinx's tables keyed by document that its collectors merge row by row
# (collectors/title, toctree, metadata, dependencies; merge_info_from): the large ones.
SPHINX_TABLES = ("tocs", "toc_num_entries", "titles", "longtitles", "metadata", "dependencies")


def start_build() -> None:
    """This process is the build's: what it pickles is whole."""
    global _build_pid
    _build_pid = os.getpid()
    _read_elsewhere.clear()


def note_read(docname: str) -> None:
    """``docname`` was read in this process: one of Sphinx's readers, if not the build."""
    if os.getpid() != _build_pid:
        _read_elsewhere.add(docname)


def read_by_reader() -> frozenset[str] | None:
    """The documents this process read as one of Sphinx's parallel readers, or None if it
    is not one (the build's own process, or one forked for other work, which read none)."""
    if not _read_elsewhere or os.getpid() == _build_pid:
        return None
    return frozenset(_read_elsewhere)


def rows_to_send(table: Mapping[str, Any], read: Iterable[str]) -> dict[str, Any]:
    read = frozenset(read)
    return {doc: value for doc, value in table.items() if doc in read}


class _ReaderDict(dict[str, Any]):
    """A per-document table of Sphinx's, pickled as a plain dict: whole in the build,
    only the rows of the documents read by a parallel reader."""

    def __reduce__(self) -> tuple[Any, ...]:
        read = read_by_reader()
        return (dict, (dict(self) if read is None else rows_to_send(self, read),))


class _ReaderDefaultDict(defaultdict[str, Any]):
    """The same for the tables Sphinx keeps as a ``defaultdict``."""

    def __reduce__(self) -> tuple[Any, ...]:
        read = read_by_reader()
        rows = dict(self) if read is None else rows_to_send(self, read)
        return (defaultdict, (self.default_factory,), None, None, iter(rows.items()))


def trim_readers_tables(app: Any, env: Any, docnames: Any = None) -> None:
    """At ``env-before-read-docs``, before Sphinx forks its readers: the build's process
    noted, and Sphinx's per-document tables made to pickle as above. A table Sphinx has
    replaced since (or one that is not a dict) is left as it is."""
    start_build()
    for name in SPHINX_TABLES:
        table = getattr(env, name, None)
        if isinstance(table, (_ReaderDict, _ReaderDefaultDict)):
            continue
        if isinstance(table, defaultdict):
            setattr(env, name, _ReaderDefaultDict(table.default_factory, table))
        elif type(table) is dict:
            setattr(env, name, _ReaderDict(table))
