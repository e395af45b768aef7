"""Two of Whoosh's per-posting steps, done the same way at less cost.

Writing a segment calls, for every posting (about 90 per reference), a closure that
reads the document's field length from the lengths column through four layers of
file objects, and a method that checks the types of its arguments with ``assert``.
For 10,000 references that was about a sixth of the indexing time. Here the lengths
are read once per field into a list, and the checks are left out (our indexer passes
the types Whoosh's own writer passes). Output is the same (tests compare every term's
postings with and without these).

Each replacement is installed only over the exact source it was written against
(pinned by hash): another Whoosh keeps its own code.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    _lenfield,
    byte_to_length,  # (whoosh.util.numeric)
)

# sha256 (first 16 hex digits) of the source each replacement stands in for (whoosh3 3.54).
_PINNED = {
    "W3PerDocReader.doc_field_length_reader": "56a7da5520f98f59",
    "W3PostingsWriter.add_posting": "811a537c4eea1795",
}


def doc_field_length_reader(self: Any, fieldname: str, default: int = 0) -> Callable[[int], Any]:
    """Whoosh's accessor, over the whole column read once: ``list.__getitem__``."""
    reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if reader is None:

        def no_column(docnum: int) -> int:
            return default

        return no_column
    # As the original: a zero byte (no length stored) gives None.
    lengths = [byte_to_length(b) if b else None for b in reader]
    return lengths.__getitem__


def add_posting(self: Any, id_: Any, weight: Any, vbytes: bytes, length: int | None = None) -> None:
    """Whoosh's ``add_posting`` without its type assertions."""
    if len(self._ids) >= self._blocklimit:
        self._write_block()
    self._ids.append(id_)
    self._weights.append(weight)
    if weight > self._maxweight:
        self._maxweight = weight
    if vbytes:
        self._values.append(vbytes)
    if length:
        minlength = self._minlength
        if minlength is None or length < minlength:
            self._minlength = length
        if length > self._maxlength:
            self._maxlength = length


_REPLACEMENTS = {
    "W3PerDocReader.doc_field_length_reader": doc_field_length_reader,
    "W3PostingsWriter.add_posting": add_posting,
}


def install() -> list[str]:
    """Install each replacement whose original is the pinned source; the names installed."""
    installed = []
    for qualname, replacement in _REPLACEMENTS.items():
        cls_name, attr = qualname.split(".")
        cls = getattr(whoosh3, cls_name)
        current = getattr(cls, attr)
        if current is replacement:
            installed.append(qualname)
            continue
        try:
            source = inspect.getsource(current)
        except (OSError, TypeError):
            continue
        if hashlib.sha256(source.encode()).hexdigest()[:16] == _PINNED[qualname]:
            setattr(cls, attr, replacement)
            installed.append(qualname)
    return installed


def uninstall() -> None:
    """Put Whoosh's own code back (for tests that compare the two)."""
    for qualname, replacement in _REPLACEMENTS.items():
        cls_name, attr = qualname.split(".")
        cls = getattr(whoosh3, cls_name)
        if getattr(cls, attr) is replacement:
            setattr(cls, attr, _ORIGINALS[qualname])


_ORIGINALS = {
    name: getattr(getattr(whoosh3, cls), attr)
    for name in _REPLACEMENTS
    for cls, attr in [name.split(".")]
}
