"""Where a build puts things: the site folder holds only what a web server serves; the
build's own state (doctrees, digests, the Whoosh index, the static index's records)
lives in a folder beside it, named after it, so each output folder has its own and
``equity-kb serve --site X`` finds X's index without being told.

    _build/html/            the site: pages, _static/, kb-search/ (the static index)
    _build/html-state/      doctrees/, search-index/, generated/, buildinfo,
                            static-records.v<n>.pickle
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_SUFFIX = "-state"
# In the site: the static (Pagefind) index and the word list for "did you mean".
STATIC_DIRNAME = "kb-search"
WORDS_NAME = "words.json"
# In the state folder: the records the static index was written from (static_index.py),
# named for their format's version, so that a build's plan (plan.py) finds none of
# another version without reading them, and the static index is written whole.
# 3: records carry their entry's terms (static_terms.py); 4: as strings; 5: a pickle;
# 6: page ids carry their bundle's folder (parts)
RECORDS_VERSION = 6
RECORDS_STEM = "static-records"
RECORDS_NAME = f"{RECORDS_STEM}.v{RECORDS_VERSION}.pickle"
# In each Whoosh generation: its schema's version (schema.py says when to bump it), and
# the distinct words of the indexed text with their document counts, for "did you mean"
# (a spelling field in the index doubled its postings, and stemmed terms would be
# suggested as "disciplin").
SCHEMA_VERSION = 4
WORDS_FILE = "words.json"


def state_dir(site: str | os.PathLike[str]) -> Path:
    """The build-state folder of the site folder ``site`` (its sibling)."""
    path = Path(site).absolute()
    return path.parent / f"{path.name}{STATE_SUFFIX}"


def index_dir(site: str | os.PathLike[str]) -> Path:
    """The Whoosh index (its generations) of the site ``site``."""
    return state_dir(site) / "search-index"


def static_dir(site: str | os.PathLike[str]) -> Path:
    """The static search index inside the site."""
    return Path(site) / STATIC_DIRNAME


def records_path(site: str | os.PathLike[str]) -> Path:
    """The static index's records, kept in the build state (``static_index.read_store``)."""
    return state_dir(site) / RECORDS_NAME


def static_index_exists(site: str | os.PathLike[str]) -> bool:
    return (static_dir(site) / "pagefind.js").is_file()
