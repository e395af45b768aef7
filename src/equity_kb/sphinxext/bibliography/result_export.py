"""What the site's downloads of single entries need, written at build end: every
entry's BibTeX, RIS and CSL-JSON in one file the search and Explore pages fetch when a
reader downloads their results (``static/result_export.js`` joins the chosen keys'
records, so no server is needed), and each card's own ``.bib`` and ``.ris``.

References are written by ``core/exports``' writers, cards and briefs by
``core/citable``'s (through the same writers), so a downloaded result set reads back
like the site-wide exports. Rewritten only when an entry, the site's address or the
project's name changed; each file is replaced whole.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

from equity_kb.core.model import Practice
from equity_kb.search.layout import state_dir

from ..entries.domain import KBDomain, kb_domain
from ..rendering.outputs import site_uri, writes_site
from ..safety.write_errors import report_write_error
from .references import atomic_write, write_if_changed

CITE_DIR = "_downloads/cite"  # under the site folder
RECORDS = "records.json"
CARD_FORMATS = {"bibtex": ".bib", "ris": ".ris"}
STAMP = "cite-records"  # in the state folder: the digest the files were written from
FORMAT_VERSION = 1  # of records.json, and of what goes into the digest


def setup_result_export(app: Sphinx) -> None:
    # After write_exports (500), which waits for the exports job that makes the
    # references' records (reference_records.py).
    app.connect("build-finished", write_records, priority=600)


def site_url(app: Sphinx, path: str) -> str:
    """A file's address on the published site (``html_baseurl``)."""
    return app.config.html_baseurl.rstrip("/") + "/" + path


def entry_permalink(app: Sphinx, docname: str) -> str:
    """An entry page's address on the published site."""
    return site_url(app, site_uri(app, docname))


def card_download_links(app: Sphinx, docname: str, key: str) -> dict[str, str]:
    """Format -> link from a card's page to its own download."""
    here = app.builder.get_target_uri(docname)
    return {
        fmt: relative_uri(here, f"{CITE_DIR}/{key}{suffix}") for fmt, suffix in CARD_FORMATS.items()
    }


def records(app: Sphinx, domain: KBDomain) -> dict[str, dict[str, str]]:
    """Key -> {format: that entry's text in the format}, cards and briefs first."""
    from equity_kb.core.citable import entry_records
    from equity_kb.core.ordering import sort_entries

    from .reference_records import reference_records

    out: dict[str, dict[str, str]] = {}
    for entry in sort_entries(domain.doc_entries()):
        link = entry_permalink(app, entry.docname or "")
        out[entry.key] = entry_records(entry, link, app.config.project)
    # The exports job made them, if it ran (it has ended: write_exports waited for it).
    refs = reference_records(app.outdir, domain.data["bib_digest"], domain.references)
    for key, texts in refs.items():
        out.setdefault(key, texts)
    return out


def _inputs_digest(app: Sphinx, domain: KBDomain) -> str:
    digest = hashlib.sha256(repr((FORMAT_VERSION, domain.data.get("bib_digest"))).encode())
    digest.update(repr((app.config.html_baseurl, app.config.project)).encode())
    for entry in sorted(domain.doc_entries(), key=lambda e: e.key):
        # Entries are frozen dataclasses: their repr holds every field they have.
        digest.update(repr((entry, app.builder.get_target_uri(entry.docname or ""))).encode())
    return digest.hexdigest()


def write_records(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or not writes_site(app.builder):
        return
    domain = kb_domain(app.env)
    folder = Path(app.outdir, CITE_DIR)
    stamp = state_dir(app.outdir) / STAMP
    digest = _inputs_digest(app, domain)
    if (folder / RECORDS).exists() and stamp.exists() and stamp.read_text() == digest:
        return
    try:
        data = records(app, domain)
        cards = {
            e.key
            for e in domain.doc_entries()
            if isinstance(e, Practice)  # a card's key is its ID, a safe file name
        }
        wanted: dict[str, str] = {RECORDS: json.dumps({"records": data}, ensure_ascii=False)}
        for key in cards:
            for fmt, suffix in CARD_FORMATS.items():
                wanted[key + suffix] = data[key][fmt]
        _sync_folder(folder, wanted)
        atomic_write(stamp, digest)
    except OSError as err:
        report_write_error(
            app, "the entries' citation downloads", err, "Each file is still the last one written."
        )


def _sync_folder(folder: Path, wanted: dict[str, str]) -> None:
    """Write the files whose text changed (an unchanged file keeps its time, so caches
    stay valid) and remove those of cards that are gone."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in wanted.items():
        write_if_changed(folder / name, text)
    for path in folder.iterdir():
        if path.is_file() and path.name not in wanted and not path.name.startswith("."):
            path.unlink()


__all__ = ["CITE_DIR", "card_download_links", "entry_permalink", "setup_result_export"]
