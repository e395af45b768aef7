"""An export read as the bibliography will read it: every block found, every entry given
a key of its own (``keys.py``), then the whole read by the loader after the bibliography's
files, so that its names, dates, crossref and xdata parents and @string macros resolve as
they will once the entries are in; its problems located in the export."""

from __future__ import annotations

import bisect
import functools
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from equity_kb.core.bibtex import load_bibliography
from equity_kb.core.model import Problem, Reference
from equity_kb.core.source_text import decode
from equity_kb.core.vocabulary import Vocabulary

from .blocks import Block, read_blocks
from .keys import ExportKeys, assign_keys, rewrite

# What the loader says about a file's bytes: the export's are reported from the export,
# not from the UTF-8 copy the loader reads.
FILE_CODES = frozenset({"bad_encoding", "empty_file"})


class ExportError(Exception):
    """The export cannot be read at all (nothing was planned)."""


@dataclass(frozen=True)
class ReadExport:
    blocks: tuple[Block, ...]
    keys: ExportKeys
    references: dict[int, Reference]  # by block index: each entry the loader could read
    problems: tuple[Problem, ...]  # located in the export, by line
    lossy: bool = False  # bytes that were not UTF-8 were read as U+FFFD

    def block_at(self, line: int) -> int | None:
        """The index of the block that ``line`` is in (from its '@' to the next block's)."""
        index = bisect.bisect_right(self._starts, line) - 1
        return index if index >= 0 else None

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [b.line for b in self.blocks]


def read_export(
    export: Path,
    bibliography: Sequence[Path],
    existing: Mapping[str, Reference],
    vocabulary: Vocabulary,
) -> ReadExport:
    """Every block of ``export`` and the loader's reading of each entry, beside the
    ``existing`` entries of the ``bibliography`` files (whose keys it must not reuse)."""
    try:
        data = export.read_bytes()
    except OSError as err:
        raise ExportError(f"cannot read {export}: {err.strerror}") from err
    text, line, message, code = decode(data)
    problems = [Problem(str(export), line, message, code)] if code else []
    blocks = tuple(read_blocks(text))
    keys = assign_keys(blocks, existing)
    with tempfile.TemporaryDirectory(prefix="equity-kb-import-") as folder:
        # The same name in a folder of its own: messages that name the file read right.
        copy = Path(folder) / export.name
        copy.write_text(rewrite(text, blocks, keys), encoding="utf-8", newline="")
        loaded = load_bibliography([*bibliography, copy], vocabulary)
    mine = str(copy)
    references = {
        i: ref
        for i, key in keys.keys.items()
        if (ref := loaded.references.get(key)) is not None and ref.source == mine
    }
    problems.extend(
        replace(p, path=str(export), message=p.message.replace(mine, str(export)))
        for p in loaded.problems
        if p.path == mine and p.code not in FILE_CODES  # the copy's, not the export's
    )
    problems.sort(key=lambda p: p.line)
    lossy = code == "bad_encoding" and "\ufffd" in text
    return ReadExport(blocks, keys, references, tuple(problems), lossy)
