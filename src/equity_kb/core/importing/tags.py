"""Zotero tags (a ``keywords`` field) to tenets, focus areas and levels, by the ids,
labels and aliases of ``docs/vocabulary.yml`` (case and punctuation ignored)."""

from __future__ import annotations

from dataclasses import dataclass

from equity_kb.core.bibtex import decode_latex
from equity_kb.core.vocabulary import FACETS, Vocabulary


@dataclass(frozen=True)
class MappedTags:
    """The vocabulary ids the tags name, by facet, and the tags that name nothing, as
    written (they stay in ``keywords``)."""

    ids: dict[str, tuple[str, ...]]
    unmatched: tuple[str, ...]


def split_keywords(raw: str) -> list[str]:
    """The tags of a ``keywords`` value: Zotero and Better BibTeX separate them by commas."""
    return [t.strip() for t in raw.split(",") if t.strip()]


def map_keywords(raw: str, vocabulary: Vocabulary) -> MappedTags:
    """Each tag of ``raw`` to every facet whose id, label or alias it is."""
    ids: dict[str, list[str]] = {kind: [] for kind in FACETS}
    unmatched: list[str] = []
    for tag in split_keywords(raw):
        terms = [(kind, vocabulary.find(kind, decode_latex(tag))) for kind in FACETS]
        found = [(kind, term.id) for kind, term in terms if term is not None]
        for kind, term_id in found:
            if term_id not in ids[kind]:
                ids[kind].append(term_id)
        if not found:
            unmatched.append(tag)
    return MappedTags({k: tuple(v) for k, v in ids.items()}, tuple(unmatched))
