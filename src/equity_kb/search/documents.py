"""Model entries to index documents, and the labels pages show for facet values.

An index document is a plain JSON-able dict, so the Sphinx side can cache it, compare
it and hand it to ``update_index`` / ``sync_index`` / ``static_index.static_record`` unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from equity_kb.core.model import TYPE_LABELS, Entry, Reference
from equity_kb.core.vocabulary import FACETS, Vocabulary

# A reference has no summary of its own: show the start of its annotation instead.
_SUMMARY_CHARS = 240
_SPACE = re.compile(r"\s+")
# The facet of the kinds of evidence (the vocabulary kind, the document key and filter).
EVIDENCE = "evidence"


def search_document(
    entry: Entry, *, body: str, url: str, evidence: Sequence[str] = ()
) -> dict[str, Any]:
    """The index document for ``entry``.

    ``body`` is the plain text of the entry's page (or of its part of the bibliography
    page); ``url`` is where it lives, relative to the site root, for example
    ``"practices/PC-007.html"`` or ``"bibliography/b.html#ref-bowman2021getting"``.
    ``evidence`` is a card's kinds of evidence, those of its sources
    (``core.evidence_summary.evidence_kinds``); a reference has its own kind.
    """
    scheme = urlsplit(url).scheme
    if scheme not in ("", "http", "https") or url.startswith("//"):
        # The URL ends up in an href on the search page; only a site path or a web
        # address may get there.
        raise ValueError(f"search_document: {url!r} is not a site-relative URL")
    annotation = entry.annotation if isinstance(entry, Reference) else ""
    summary = _clean(entry.summary) or _shorten(_clean(annotation), _SUMMARY_CHARS)
    return {
        "key": entry.key,
        "id": entry.key,
        "type": entry.type,
        "title": _clean(entry.display_title),
        "summary": summary,
        "body": body,
        "annotation": annotation,
        "authors": list(entry.authors),
        "year": entry.year,
        "tenets": list(entry.tenets),
        "focus": list(entry.focus),
        "levels": list(entry.levels),
        "evidence": _evidence(entry, evidence),
        "url": url,
    }


def _evidence(entry: Entry, kinds: Sequence[str]) -> list[str]:
    """One facet for both: a reference's own kind, a card's its sources' kinds."""
    if isinstance(entry, Reference):
        return [entry.evidence_kind] if entry.evidence_kind else []
    return list(dict.fromkeys(kinds))


# The parts of a citation that are not already the title, authors or year: where the
# work appeared and who published it.
_CITATION_FIELDS = (
    "journal",
    "journaltitle",
    "booktitle",
    "series",
    "publisher",
    "institution",
    "school",
    "organization",
    "howpublished",
    "type",
    "edition",
    "address",
    "note",
)


def reference_body(ref: Reference) -> str:
    """The searchable text of a reference besides its title, authors and annotation:
    editors, journal or book, publisher and the like, from its (decoded) fields.

    Built from the fields, not from the formatted APA citation, so the index of the
    references can be written while the citations are still being formatted."""
    parts = ["; ".join(p.full for p in ref.editors)]
    parts += [ref.fields.get(name, "") for name in _CITATION_FIELDS]
    return ". ".join(_clean(p) for p in parts if p.strip())


def facet_labels(vocabulary: Vocabulary | None = None) -> dict[str, dict[str, str]]:
    """Display labels per facet value (``{"tenets": {"data": "Race-conscious data use"}}``).

    Pass the result as ``labels=`` to the index writers and the search page; both
    fall back to the raw value for anything missing.
    """
    labels: dict[str, dict[str, str]] = {"type": dict(TYPE_LABELS)}
    if vocabulary is not None:
        for kind in (*FACETS, EVIDENCE):
            labels[kind] = {t.id: t.label for t in vocabulary.terms.get(kind, ())}
    return labels


def plain_labels(labels: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Labels with every key and value a string (as JSON keeps them)."""
    return {str(k): {str(v): str(lab) for v, lab in m.items()} for k, m in labels.items()}


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"
