"""Each reference's download records (its BibTeX, RIS and CSL-JSON, ``citable.record_texts``),
kept in the build state with the bibliography digest they were made from.

The exports job (a forked child, from when the references are loaded) makes them beside
the site-wide exports, so the build's end (``result_export.write_records``) does not:
at 1,000 references they were 0.12 s of the last work a clean build did. Kept between
builds, so an edit to a page, the .bib files unchanged, does not make them again.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path

from equity_kb.core.model import Reference
from equity_kb.core.ordering import sort_entries
from equity_kb.search.layout import state_dir

STATE_NAME = "reference-records.pickle"
# Of what record_texts writes; a new version makes every reference's records again.
VERSION = 1
Records = dict[str, dict[str, str]]


def make_records(refs: Iterable[Reference]) -> Records:
    """Key -> {format: text}, in the order of ``refs`` (the order the site lists them:
    ``sort_entries``, which the caller has)."""
    from equity_kb.core.citable import record_texts
    from equity_kb.core.csl import to_csl

    return {ref.key: record_texts(ref, to_csl(ref, rich=True)) for ref in refs}


def write_records_state(outdir: str | os.PathLike[str], bib_digest: str, records: Records) -> None:
    """Keep ``records`` for ``bib_digest`` (replaced whole: a reader never sees half)."""
    path = state_dir(outdir) / STATE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump((VERSION, bib_digest, records), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def read_records_state(outdir: str | os.PathLike[str], bib_digest: str) -> Records | None:
    """The records kept for ``bib_digest``, or None (none kept, another bibliography,
    another version, or a damaged file)."""
    path = Path(state_dir(outdir), STATE_NAME)
    try:
        with path.open("rb") as f:
            version, digest, records = pickle.load(f)
    except (OSError, ValueError, TypeError, EOFError, pickle.UnpicklingError):
        return None
    if version != VERSION or digest != bib_digest or not isinstance(records, dict):
        return None
    return records


def reference_records(
    outdir: str | os.PathLike[str], bib_digest: str, references: Mapping[str, Reference]
) -> Records:
    """The references' records: those kept for this bibliography, or made now (and kept,
    if the state folder can be written)."""
    kept = read_records_state(outdir, bib_digest)
    if kept is not None and kept.keys() == references.keys():
        return kept
    records = make_records(sort_entries(references.values()))
    # Only a saving for the next build: write_records reports its own failures.
    with contextlib.suppress(OSError):
        write_records_state(outdir, bib_digest, records)
    return records
